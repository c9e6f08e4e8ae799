"""Part A: Linear, the activations and softmax cross-entropy against PyTorch and SciPy.

Every reference value is computed after the learner's call has returned, from the grader's own copies.
"""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import scipy.special
import torch
from mlp_oracle import as_array, as_float, crash, mismatch, raises_naming

pytestmark = [pytest.mark.part("A")]

LINEAR_SHAPES = [(5, 3, 1), (5, 3, 4), (3, 7, 6)]  # (in, out, batch): non-square, batch 1 and > 1


def _linear_reference(w: np.ndarray, b: np.ndarray, x: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
    wt, bt, xt = (torch.tensor(v, requires_grad=True) for v in (w, b, x))
    out = torch.nn.functional.linear(xt, wt, bt)
    out.backward(torch.tensor(g))
    return {"out": out.detach().numpy(), "x": xt.grad.numpy(), "w": wt.grad.numpy(), "b": bt.grad.numpy()}


def _make_linear(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[object, np.ndarray, np.ndarray]:
    layer = mlp.Linear(n_in, n_out, rng=np.random.default_rng(1))
    w_shape, b_shape = tuple(np.shape(layer.weight.data)), tuple(np.shape(layer.bias.data))
    assert w_shape == (n_out, n_in), (
        f"Linear({n_in}, {n_out}).weight has shape {w_shape}; it must be (out_features, in_features) = "
        f"({n_out}, {n_in}) like torch.nn.Linear, and forward computes x @ weight.T + bias"
    )
    assert b_shape == (n_out,), f"Linear({n_in}, {n_out}).bias has shape {b_shape}; expected ({n_out},)"
    assert (layer.in_features, layer.out_features) == (n_in, n_out), (
        f"Linear({n_in}, {n_out}) has in_features={layer.in_features!r}, out_features={layer.out_features!r}"
    )
    w, b = rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    layer.weight.data[...] = w
    layer.bias.data[...] = b
    return layer, w, b


def _run_cases(partial_credit, cases) -> None:  # type: ignore[no-untyped-def]
    partial_credit.total = len(cases)
    for case, check in cases:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


@pytest.mark.points(6)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Store the weight as (out_features, in_features), exactly like torch.nn.Linear.",
    "With that layout the forward pass is x @ W.T + b; test with a non-square layer and a batch > 1.",
)
def test_linear_forward(partial_credit):
    """Linear: weight shaped (out, in) like PyTorch; forward is x @ W.T + b (non-square, batch 1 and >1)."""
    rng = np.random.default_rng(80)
    partial_credit.total = len(LINEAR_SHAPES)
    for n_in, n_out, batch in LINEAR_SHAPES:
        case = f"Linear({n_in}, {n_out}) on a batch of {batch}"
        try:
            layer, w, b = _make_linear(n_in, n_out, rng)
            x = rng.standard_normal((batch, n_in))
            given = x.copy()
            out = as_array(layer.forward(given), "forward output")
            problem = None if np.array_equal(given, x) else "forward changed its input array"
            ref = _linear_reference(w, b, x, np.zeros((batch, n_out)))
            problem = problem or mismatch("forward output", out, ref["out"])
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


@pytest.mark.points(7)
@pytest.mark.hints(
    "Write y = x Wᵀ + b entry by entry and differentiate with respect to W, b and x.",
    "The input gradient is grad @ W; the weight gradient is grad.T @ x (shape out × in).",
    "The bias is added to every row, so its gradient is the sum of grad over the batch.",
)
def test_linear_backward(partial_credit):
    """Linear.backward: input, weight and bias gradients equal autograd (non-square, batch 1 and >1)."""
    rng = np.random.default_rng(81)
    partial_credit.total = len(LINEAR_SHAPES)
    for n_in, n_out, batch in LINEAR_SHAPES:
        case = f"Linear({n_in}, {n_out}) on a batch of {batch}"
        try:
            layer, w, b = _make_linear(n_in, n_out, rng)
            x, g = rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_out))
            layer.weight.grad[...] = 0.0
            layer.bias.grad[...] = 0.0
            layer.forward(x.copy())
            grad_x = as_array(layer.backward(g.copy()), "returned input gradient")
            got_w, got_b = as_array(layer.weight.grad, "weight.grad"), as_array(layer.bias.grad, "bias.grad")
            ref = _linear_reference(w, b, x, g)
            problems = [
                mismatch("returned input gradient (d loss / d x)", grad_x, ref["x"]),
                mismatch("weight.grad", got_w, ref["w"]),
                mismatch("bias.grad", got_b, ref["b"]),
            ]
            problem = "; ".join(p for p in problems if p) or None
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


ACTIVATION_CASES = [("ReLU", torch.relu), ("Tanh", torch.tanh), ("Sigmoid", torch.sigmoid)]


@pytest.mark.points(6)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Cache in forward what backward needs: the input's sign for ReLU, the output for Tanh and Sigmoid.",
    "ReLU's derivative at exactly 0 is 0, as in PyTorch.",
    "np.exp(800) overflows: write the sigmoid with np.logaddexp so no intermediate is huge.",
)
def test_activations(partial_credit):
    """ReLU, Tanh, Sigmoid: forward and backward equal PyTorch, including x = 0 and huge |x| (±800)."""
    rng = np.random.default_rng(82)
    partial_credit.total = 2 * len(ACTIVATION_CASES) + 1
    x = np.array([[-800.0, -40.0, 0.0, 40.0, 800.0]])
    try:
        with np.errstate(over="raise", under="ignore"):
            y = as_array(mlp.Sigmoid().forward(x.copy()), "Sigmoid.forward output")
        problem = mismatch("Sigmoid.forward output", y, torch.sigmoid(torch.tensor(x)).numpy(), 1e-12)
    except FloatingPointError as exc:
        problem = (
            f"Sigmoid.forward({x.tolist()}) overflowed inside NumPy ({exc}); the README asks for no overflow "
            "for any finite x (np.exp(800) is inf: use np.logaddexp)"
        )
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"Sigmoid without overflow: {problem}")
    for name, torch_fn in ACTIVATION_CASES:
        x = 3.0 * rng.standard_normal((6, 5))
        x[0, :3] = [0.0, 800.0, -800.0]  # the kink of ReLU and saturation of tanh/sigmoid
        x[1, :2] = [-40.0, 40.0]  # deep in saturation, still representable
        g = rng.standard_normal(x.shape)
        layer = None
        try:
            layer = getattr(mlp, name)()
            given = x.copy()
            with np.errstate(all="ignore"):
                y = as_array(layer.forward(given), f"{name}.forward output")
            problem = None if np.array_equal(given, x) else f"{name}.forward changed its input array"
        except Exception as exc:
            y, problem = None, crash(exc)
        xt = torch.tensor(x, requires_grad=True)
        out = torch_fn(xt)
        out.backward(torch.tensor(g))
        if problem is None:
            problem = mismatch(f"{name}.forward output", y, out.detach().numpy(), 1e-12)
        partial_credit.check(problem is None, f"{name} forward: {problem}")
        try:
            assert layer is not None, f"{name}() could not be built"
            with np.errstate(all="ignore"):
                grad = as_array(layer.backward(g.copy()), f"{name}.backward result")
            problem = mismatch(f"{name}.backward result", grad, xt.grad.numpy(), 1e-9)
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{name} backward: {problem}")


LOSS_CASES = [(1, 3, 1.0), (7, 3, 1.0), (5, 6, 2.5)]  # (batch, classes, upstream gradient)


@pytest.mark.points(7)
@pytest.mark.hints(
    "The loss is the mean over the batch of -log softmax(logits)[i, target_i].",
    "The gradient is grad · (softmax − onehot) / batch: mind the 1/batch and the upstream grad.",
    "targets may be a list as well as an array of class indices.",
)
def test_softmax_cross_entropy(partial_credit):
    """SoftmaxCrossEntropy: mean loss equals PyTorch and SciPy; gradient (with an upstream grad) equals autograd."""
    rng = np.random.default_rng(83)
    partial_credit.total = 2 * len(LOSS_CASES)
    for index, (batch, classes, upstream) in enumerate(LOSS_CASES):
        logits = 2.0 * rng.standard_normal((batch, classes))
        targets = rng.integers(0, classes, size=batch)
        case = f"batch {batch}, {classes} classes"
        loss_fn = mlp.SoftmaxCrossEntropy()
        learner_targets = targets.tolist() if index == 1 else targets.copy()  # a list is ArrayLike too
        try:
            loss = as_float(loss_fn.forward(logits.copy(), learner_targets), "SoftmaxCrossEntropy.forward")
        except Exception as exc:
            loss, problem = None, crash(exc)
        lt = torch.tensor(logits, requires_grad=True)
        loss_t = torch.nn.functional.cross_entropy(lt, torch.tensor(targets))
        (loss_t * upstream).backward()
        loss_scipy = -scipy.special.log_softmax(logits, axis=1)[np.arange(batch), targets].mean()
        if loss is not None:
            problem = mismatch("loss", np.array(loss), np.array(loss_t.item()), 1e-12) or mismatch(
                "loss", np.array(loss), np.array(loss_scipy), 1e-12, oracle="scipy.special.log_softmax"
            )
        if loss is not None and problem is None:
            try:  # calling the loss object is the same as forward (the given __call__)
                called = as_float(loss_fn(logits.copy(), learner_targets), "SoftmaxCrossEntropy()(...)")
                problem = mismatch("loss_fn(logits, targets)", np.array(called), np.array(loss_t.item()), 1e-12)
            except AssertionError as exc:
                problem = str(exc)
            except Exception as exc:
                problem = crash(exc)
        partial_credit.check(problem is None, f"{case}, loss (the mean over the batch): {problem}")
        try:
            returned = loss_fn.backward() if upstream == 1.0 else loss_fn.backward(upstream)
            got = as_array(returned, "SoftmaxCrossEntropy.backward")
            problem = mismatch(f"d loss / d logits (upstream grad {upstream})", got, lt.grad.numpy(), 1e-12)
            if problem:
                problem += " (the loss is a mean over the batch: mind the 1/batch and the upstream grad)"
            else:
                again = as_array(loss_fn.backward(upstream), "SoftmaxCrossEntropy.backward")
                problem = mismatch(
                    f"a second backward({upstream}) after the same forward", again, lt.grad.numpy(), 1e-12
                )
                if problem:
                    problem += " (backward must not change what forward cached)"
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}, backward(): {problem}")


@pytest.mark.points(6)
@pytest.mark.critical("softmax cross-entropy is finite and exact for any finite logits")
@pytest.mark.hints(
    "np.exp(1000) is inf: subtract each row's maximum before exponentiating.",
    "Compute log-softmax as z − max(z) − log Σ exp(z − max(z)), and the probabilities from it.",
)
def test_softmax_stability(partial_credit):
    """SoftmaxCrossEntropy stays finite and exact for logits of ±1000 (subtract the row maximum)."""
    logits = np.array(
        [
            [1000.0, -1000.0, 0.0],
            [-1000.0, -1000.0, -999.0],
            [1000.0, 1000.0, 1000.0],
            [-1000.0, 1000.0, 999.5],
        ]
    )
    targets = np.array([0, 2, 1, 0])
    partial_credit.total = 2
    loss_fn = mlp.SoftmaxCrossEntropy()
    grad, problem = None, None
    try:
        with np.errstate(all="ignore"):
            loss = as_float(loss_fn.forward(logits.copy(), targets.copy()), "SoftmaxCrossEntropy.forward")
    except Exception as exc:
        loss, problem = None, crash(exc)
    try:
        with np.errstate(all="ignore"):
            grad = as_array(loss_fn.backward(), "SoftmaxCrossEntropy.backward")
    except AssertionError as exc:
        grad_problem: str | None = str(exc)
    except Exception as exc:
        grad_problem = crash(exc)
    else:
        grad_problem = None
    lt = torch.tensor(logits, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(lt, torch.tensor(targets))
    loss_t.backward()
    loss_scipy = -scipy.special.log_softmax(logits, axis=1)[np.arange(4), targets].mean()
    if loss is not None:
        problem = mismatch("loss", np.array(loss), np.array(loss_t.item()), 1e-12) or mismatch(
            "loss", np.array(loss), np.array(loss_scipy), 1e-12, oracle="scipy.special.log_softmax"
        )
    partial_credit.check(problem is None, f"loss for logits of ±1000: {problem}")
    if grad is not None:
        grad_problem = mismatch("d loss / d logits", grad, lt.grad.numpy(), 1e-12)
    partial_credit.check(grad_problem is None, f"gradient for logits of ±1000: {grad_problem}")


@pytest.mark.points(3)
@pytest.mark.hints(
    "Parameter gradients accumulate across backward calls, exactly like PyTorch's .grad.",
    "Use `+=` into weight.grad and bias.grad; never assign them.",
)
def test_bias_summed_and_gradients_accumulate(partial_credit):
    """Bias gradient is summed over the batch; backward accumulates into .grad (+=) like PyTorch."""
    rng = np.random.default_rng(84)
    partial_credit.total = 2
    x, g = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    layer = None
    try:
        layer = mlp.Linear(4, 3, rng=np.random.default_rng(2))
        layer.weight.grad[...] = 0.0
        layer.bias.grad[...] = 0.0
        layer.forward(x.copy())
        layer.backward(g.copy())
        bias = as_array(layer.bias.grad, "bias.grad")
        problem = mismatch("bias.grad", bias, g.sum(axis=0), oracle="the batch sum")
        if problem and bias.shape == (3,) and np.allclose(bias, g.mean(axis=0)):
            problem = "bias.grad is the batch mean of the upstream gradient; it must be the batch sum"
    except AssertionError as exc:
        problem = str(exc)
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"Linear(4, 3) on a batch of 8: {problem}")
    try:
        assert layer is not None, "Linear(4, 3) could not be built"
        weight_grad, bias_grad = layer.weight.grad, layer.bias.grad
        layer.forward(x.copy())
        layer.backward(g.copy())
        twice = "after two backward calls"
        problem = mismatch(
            f"bias.grad {twice}", as_array(layer.bias.grad, "bias.grad"), 2 * g.sum(axis=0), oracle="2×"
        ) or (
            mismatch(
                f"weight.grad {twice}", as_array(layer.weight.grad, "weight.grad"), 2 * g.T @ x, oracle="2×"
            )
        )
        if problem is None and (layer.weight.grad is not weight_grad or layer.bias.grad is not bias_grad):
            problem = (
                "backward replaced the .grad arrays; add into them in place (+=) so references stay valid"
            )
    except AssertionError as exc:
        problem = str(exc)
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"gradients must accumulate (+=) like PyTorch's: {problem}")


@pytest.mark.points(2)
@pytest.mark.hints(
    "Check `init` and `nonlinearity` against the names the README lists before drawing anything.",
    "Say in the message which argument was wrong and what it was.",
)
def test_linear_rejects_unknown_names(partial_credit):
    """Linear raises ValueError naming the bad init or nonlinearity; parameters() is [weight, bias]."""
    rng = np.random.default_rng(3)
    checks = [
        (
            "init='he'",
            lambda: raises_naming(
                lambda: mlp.Linear(3, 2, init="he", rng=rng), ValueError, ["he"], "Linear(3, 2, init='he')"
            ),
        ),
        (
            "nonlinearity='gelu'",
            lambda: raises_naming(
                lambda: mlp.Linear(3, 2, rng=rng, nonlinearity="gelu"),
                ValueError,
                ["gelu"],
                "Linear(3, 2, nonlinearity='gelu')",
            ),
        ),
        ("parameters()", lambda: _linear_parameters()),
    ]
    _run_cases(partial_credit, checks)


def _linear_parameters() -> str | None:
    layer = mlp.Linear(3, 2, rng=np.random.default_rng(4))
    params = list(layer.parameters())
    if len(params) != 2 or params[0] is not layer.weight or params[1] is not layer.bias:
        return "Linear.parameters() must return [weight, bias], the layer's own Parameter objects"
    return None
