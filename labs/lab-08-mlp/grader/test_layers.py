"""Graders for the layers: Linear, activations and softmax cross-entropy against PyTorch and SciPy."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import scipy.special
import torch
from mlp_oracle import as_array, as_float, crash, mismatch

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
    w, b = rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    layer.weight.data[...] = w
    layer.bias.data[...] = b
    return layer, w, b


@pytest.mark.points(6)
def test_linear_forward(partial_credit):
    """Linear: weight shaped (out, in) like PyTorch; forward is x @ W.T + b (non-square, batch 1 and >1)."""
    rng = np.random.default_rng(80)
    partial_credit.total = len(LINEAR_SHAPES)
    for n_in, n_out, batch in LINEAR_SHAPES:
        case = f"Linear({n_in}, {n_out}) on a batch of {batch}"
        try:
            layer, w, b = _make_linear(n_in, n_out, rng)
            x = rng.standard_normal((batch, n_in))
            ref = _linear_reference(w, b, x, np.zeros((batch, n_out)))
            problem = mismatch("forward output", layer.forward(x.copy()), ref["out"])
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


@pytest.mark.points(8)
def test_linear_backward(partial_credit):
    """Linear.backward: input, weight and bias gradients equal autograd (non-square, batch 1 and >1)."""
    rng = np.random.default_rng(81)
    partial_credit.total = len(LINEAR_SHAPES)
    for n_in, n_out, batch in LINEAR_SHAPES:
        case = f"Linear({n_in}, {n_out}) on a batch of {batch}"
        try:
            layer, w, b = _make_linear(n_in, n_out, rng)
            x, g = rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_out))
            ref = _linear_reference(w, b, x, g)
            layer.weight.grad[...] = 0.0
            layer.bias.grad[...] = 0.0
            layer.forward(x.copy())
            grad_x = layer.backward(g.copy())
            problems = [
                mismatch("returned input gradient (d loss / d x)", grad_x, ref["x"]),
                mismatch("weight.grad", layer.weight.grad, ref["w"]),
                mismatch("bias.grad", layer.bias.grad, ref["b"]),
            ]
            problem = "; ".join(p for p in problems if p) or None
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


ACTIVATION_CASES = [("ReLU", torch.relu), ("Tanh", torch.tanh), ("Sigmoid", torch.sigmoid)]


@pytest.mark.points(7)
def test_activations(partial_credit):
    """ReLU, Tanh, Sigmoid: forward and backward equal PyTorch, including x = 0 and huge |x| (±800)."""
    rng = np.random.default_rng(82)
    partial_credit.total = 2 * len(ACTIVATION_CASES)
    for name, torch_fn in ACTIVATION_CASES:
        x = 3.0 * rng.standard_normal((6, 5))
        x[0, :3] = [0.0, 800.0, -800.0]  # the kink of ReLU and saturation of tanh/sigmoid
        g = rng.standard_normal(x.shape)
        xt = torch.tensor(x, requires_grad=True)
        out = torch_fn(xt)
        out.backward(torch.tensor(g))
        for part in ("forward", "backward"):
            try:
                layer = getattr(mlp, name)()
                with np.errstate(all="ignore"):
                    y = layer.forward(x.copy())
                    if part == "forward":
                        problem = mismatch(f"{name}.forward output", y, out.detach().numpy())
                    else:
                        grad = layer.backward(g.copy())
                        problem = mismatch(f"{name}.backward result", grad, xt.grad.numpy())
            except Exception as exc:
                problem = crash(exc)
            partial_credit.check(problem is None, f"{name} {part}: {problem}")


LOSS_CASES = [(1, 3), (7, 3), (5, 6)]  # (batch, classes)


@pytest.mark.points(9)
def test_softmax_cross_entropy(partial_credit):
    """SoftmaxCrossEntropy: mean loss equals PyTorch and SciPy's log_softmax; gradient equals autograd."""
    rng = np.random.default_rng(83)
    partial_credit.total = 2 * len(LOSS_CASES)
    for batch, classes in LOSS_CASES:
        logits = 2.0 * rng.standard_normal((batch, classes))
        targets = rng.integers(0, classes, size=batch)
        lt = torch.tensor(logits, requires_grad=True)
        loss_t = torch.nn.functional.cross_entropy(lt, torch.tensor(targets))
        loss_t.backward()
        loss_scipy = -scipy.special.log_softmax(logits, axis=1)[np.arange(batch), targets].mean()
        case = f"batch {batch}, {classes} classes"
        loss_fn = mlp.SoftmaxCrossEntropy()
        try:
            loss = as_float(loss_fn.forward(logits.copy(), targets.copy()), "SoftmaxCrossEntropy.forward")
            problem = mismatch("loss", np.array(loss), np.array(loss_t.item())) or mismatch(
                "loss", np.array(loss), np.array(loss_scipy), oracle="scipy.special.log_softmax"
            )
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}, loss (the mean over the batch): {problem}")
        try:
            problem = mismatch("d loss / d logits", loss_fn.backward(), lt.grad.numpy())
            if problem:
                problem += " (the loss is a mean over the batch: mind the 1/batch)"
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}, backward(): {problem}")


@pytest.mark.points(6)
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
    lt = torch.tensor(logits, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(lt, torch.tensor(targets))
    loss_t.backward()
    loss_scipy = -scipy.special.log_softmax(logits, axis=1)[np.arange(4), targets].mean()
    partial_credit.total = 2
    loss_fn = mlp.SoftmaxCrossEntropy()
    try:
        with np.errstate(all="ignore"):
            loss = as_float(loss_fn.forward(logits.copy(), targets.copy()), "SoftmaxCrossEntropy.forward")
        problem = mismatch("loss", np.array(loss), np.array(loss_t.item())) or mismatch(
            "loss", np.array(loss), np.array(loss_scipy), oracle="scipy.special.log_softmax"
        )
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"loss for logits of ±1000: {problem}")
    try:
        with np.errstate(all="ignore"):
            grad = as_array(loss_fn.backward(), "SoftmaxCrossEntropy.backward")
        problem = mismatch("d loss / d logits", grad, lt.grad.numpy())
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"gradient for logits of ±1000: {problem}")


@pytest.mark.points(4)
def test_bias_summed_and_gradients_accumulate(partial_credit):
    """Bias gradient is summed over the batch; backward accumulates into .grad until zero_grad()."""
    rng = np.random.default_rng(84)
    partial_credit.total = 3
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
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"Linear(4, 3) on a batch of 8: {problem}")
    try:
        assert layer is not None, "Linear(4, 3) could not be built"
        layer.forward(x.copy())
        layer.backward(g.copy())
        twice = "after two backward calls"
        problem = mismatch(f"bias.grad {twice}", layer.bias.grad, 2 * g.sum(axis=0), oracle="2×") or (
            mismatch(f"weight.grad {twice}", layer.weight.grad, 2 * g.T @ x, oracle="2×")
        )
    except AssertionError as exc:
        problem = str(exc)
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"gradients must accumulate (+=) like PyTorch's: {problem}")
    try:
        model = mlp.MLP([4, 5, 3], "tanh", rng=np.random.default_rng(3))
        model.forward(x.copy())
        model.backward(g.copy())
        model.zero_grad()
        left = [float(np.abs(as_array(p.grad, "grad")).max()) for p in model.parameters()]
        problem = None if left and max(left) == 0.0 else f"largest |grad| per parameter afterwards: {left}"
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"MLP.zero_grad() must reset every .grad to 0: {problem}")
