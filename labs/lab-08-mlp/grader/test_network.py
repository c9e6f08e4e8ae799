"""Part B: MLP structure, forward and every parameter gradient against PyTorch autograd."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import scipy.special
from mlp_oracle import (
    as_array,
    as_float,
    crash,
    load_params,
    mismatch,
    raises_naming,
    random_weights,
    torch_network,
)

pytestmark = [pytest.mark.part("B")]

SIZES = [5, 7, 4, 3]  # non-square everywhere: a transposed weight cannot go unnoticed
CASES = [(act, batch) for act in ("relu", "tanh", "sigmoid") for batch in (1, 6)]


def _learner_grads(model: object, grad_x: object) -> dict[str, object]:
    """Copies of everything the learner computed, taken before any reference is computed."""
    params = list(model.parameters())  # type: ignore[attr-defined]
    return {
        "x_grad": as_array(grad_x, "returned input gradient"),
        "grads": [as_array(p.grad, "a parameter's .grad") for p in params],
    }


def _compare_all(mine: dict[str, object], ref: dict) -> str | None:
    """Messages for the first few mismatching gradients, naming the parameter."""
    problems = [mismatch("returned input gradient", mine["x_grad"], ref["x_grad"])]
    grads = mine["grads"]
    for i, (dw, db) in enumerate(ref["grads"]):
        problems.append(mismatch(f"Linear layer {i} weight.grad", grads[2 * i], dw))
        problems.append(mismatch(f"Linear layer {i} bias.grad", grads[2 * i + 1], db))
    found = [p for p in problems if p]
    return "; ".join(found[:3]) if found else None


@pytest.mark.points(10)
@pytest.mark.critical("every gradient of the network equals autograd's")
@pytest.mark.hints(
    "backward runs the layers in reverse order, feeding each one the gradient the next one returned.",
    "Compare one layer at a time with numerical_gradient before looking at the whole network.",
)
def test_mlp_gradients_match_autograd(partial_credit):
    """MLP([5, 7, 4, 3]) with each activation: logits, input and parameter gradients equal autograd."""
    rng = np.random.default_rng(90)
    partial_credit.total = len(CASES)
    for activation, batch in CASES:
        case = f"MLP({SIZES}, {activation!r}) on a batch of {batch}"
        weights = random_weights(rng, SIZES)
        x = rng.standard_normal((batch, SIZES[0]))
        upstream = rng.standard_normal((batch, SIZES[-1]))
        try:
            model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(4))
            load_params(model, weights, "MLP")
            model.zero_grad()
            logits = as_array(model.forward(x.copy()), "forward logits")
            mine = _learner_grads(model, model.backward(upstream.copy()))
            ref = torch_network(weights, activation, x, upstream=upstream)
            problem = mismatch("forward logits", logits, ref["logits"]) or _compare_all(mine, ref)
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


@pytest.mark.points(6)
@pytest.mark.hints("The loss's backward() gives d loss / d logits: pass it to the network's backward.")
def test_mlp_with_loss_end_to_end(partial_credit):
    """MLP + SoftmaxCrossEntropy: loss and all gradients equal autograd's cross_entropy (and SciPy's loss)."""
    rng = np.random.default_rng(91)
    cases = [("relu", 1), ("tanh", 8), ("sigmoid", 5)]
    partial_credit.total = len(cases)
    for activation, batch in cases:
        case = f"MLP({SIZES}, {activation!r}) + SoftmaxCrossEntropy, batch {batch}"
        weights = random_weights(rng, SIZES)
        x = rng.standard_normal((batch, SIZES[0]))
        targets = rng.integers(0, SIZES[-1], size=batch)
        try:
            model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(5))
            load_params(model, weights, "MLP")
            model.zero_grad()
            loss_fn = mlp.SoftmaxCrossEntropy()
            logits = as_array(model.forward(x.copy()), "forward logits")
            loss = as_float(loss_fn.forward(logits.copy(), targets.copy()), "SoftmaxCrossEntropy.forward")
            mine = _learner_grads(model, model.backward(loss_fn.backward()))
            ref = torch_network(weights, activation, x, targets=targets)
            scipy_loss = -scipy.special.log_softmax(ref["logits"], axis=1)[np.arange(batch), targets].mean()
            problem = mismatch("loss", np.array(loss), np.array(ref["loss"])) or mismatch(
                "loss", np.array(loss), np.array(scipy_loss), oracle="scipy.special.log_softmax"
            )
            problem = problem or _compare_all(mine, ref)
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


def _structure() -> str | None:
    model = mlp.MLP([3, 4, 5, 2], "tanh", rng=np.random.default_rng(6))
    kinds = [type(layer).__name__ for layer in list(model.layers)]
    if kinds != ["Linear", "Tanh", "Linear", "Tanh", "Linear"]:
        return f"MLP([3, 4, 5, 2], 'tanh').layers are {kinds}; expected Linear, Tanh, Linear, Tanh, Linear"
    if type(model.sizes) is not list or model.sizes != [3, 4, 5, 2] or model.activation != "tanh":
        return f"sizes {model.sizes!r} / activation {model.activation!r}: keep them as given (sizes a list)"
    linears = [layer for layer in model.layers if isinstance(layer, mlp.Linear)]
    expected = [p for layer in linears for p in (layer.weight, layer.bias)]
    params = list(model.parameters())
    if len(params) != len(expected) or any(a is not b for a, b in zip(params, expected, strict=False)):
        return (
            "parameters() must be [W0, b0, W1, b1, ...], the Linear layers' own Parameters, input to output"
        )
    single = mlp.MLP((2, 3), rng=np.random.default_rng(6))
    if [type(layer).__name__ for layer in single.layers] != ["Linear"] or single.sizes != [2, 3]:
        return "MLP((2, 3)) must be a single Linear layer with sizes [2, 3] and no activation"
    return None


def _zero_grad() -> str | None:
    model = mlp.MLP([4, 5, 3], "tanh", rng=np.random.default_rng(3))
    held = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad[...] = 1.5
    model.zero_grad()
    left = [float(np.abs(as_array(p.grad, "grad")).max()) for p in model.parameters()]
    if max(left) != 0.0:
        return f"MLP.zero_grad() left these largest |grad| per parameter: {left}"
    if any(p.grad is not h for p, h in zip(model.parameters(), held, strict=True)):
        return "MLP.zero_grad() replaced the .grad arrays; reset them in place"
    return None


STRUCTURE_CASES = [
    ("layers, sizes, activation and parameters()", _structure),
    ("zero_grad()", _zero_grad),
    ("MLP([3])", lambda: raises_naming(lambda: mlp.MLP([3]), ValueError, ["sizes"], "MLP([3])")),
    (
        "MLP([3, 2], 'gelu')",
        lambda: raises_naming(lambda: mlp.MLP([3, 2], "gelu"), ValueError, ["gelu"], "MLP([3, 2], 'gelu')"),
    ),
]


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "layers alternates Linear and activation layers and ends with a Linear (the logits).",
    "Validate sizes and activation first, and name the bad argument in the ValueError.",
)
def test_mlp_structure_and_validation(partial_credit):
    """MLP: the layer list, sizes/activation attributes, parameter order, zero_grad, and ValueErrors."""
    partial_credit.total = len(STRUCTURE_CASES)
    for case, check in STRUCTURE_CASES:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")
