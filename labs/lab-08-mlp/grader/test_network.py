"""Graders for MLP: forward and every parameter gradient against PyTorch autograd."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import scipy.special
from mlp_oracle import as_float, crash, load_params, mismatch, random_weights, torch_network

SIZES = [5, 7, 4, 3]  # non-square everywhere: a transposed weight cannot go unnoticed
CASES = [(act, batch) for act in ("relu", "tanh", "sigmoid") for batch in (1, 6)]


def _compare_all(model: object, ref: dict, grad_x: object) -> str | None:
    """Messages for the first few mismatching gradients, naming the parameter."""
    problems = [mismatch("returned input gradient", grad_x, ref["x_grad"])]
    params = list(model.parameters())
    for i, (dw, db) in enumerate(ref["grads"]):
        problems.append(mismatch(f"Linear layer {i} weight.grad", params[2 * i].grad, dw))
        problems.append(mismatch(f"Linear layer {i} bias.grad", params[2 * i + 1].grad, db))
    found = [p for p in problems if p]
    return "; ".join(found[:3]) if found else None


@pytest.mark.points(12)
def test_mlp_gradients_match_autograd(partial_credit):
    """MLP([5, 7, 4, 3]) with each activation: logits, input and parameter gradients equal autograd."""
    rng = np.random.default_rng(90)
    partial_credit.total = len(CASES)
    for activation, batch in CASES:
        case = f"MLP({SIZES}, {activation!r}) on a batch of {batch}"
        weights = random_weights(rng, SIZES)
        x = rng.standard_normal((batch, SIZES[0]))
        upstream = rng.standard_normal((batch, SIZES[-1]))
        ref = torch_network(weights, activation, x, upstream=upstream)
        try:
            model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(4))
            load_params(model, weights, "MLP")
            model.zero_grad()
            problem = mismatch("forward logits", model.forward(x.copy()), ref["logits"])
            if problem is None:
                problem = _compare_all(model, ref, model.backward(upstream.copy()))
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


@pytest.mark.points(6)
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
        ref = torch_network(weights, activation, x, targets=targets)
        try:
            model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(5))
            load_params(model, weights, "MLP")
            model.zero_grad()
            loss_fn = mlp.SoftmaxCrossEntropy()
            logits = np.array(model.forward(x.copy()), dtype=np.float64)
            loss = as_float(loss_fn.forward(logits.copy(), targets.copy()), "SoftmaxCrossEntropy.forward")
            scipy_loss = -scipy.special.log_softmax(ref["logits"], axis=1)[np.arange(batch), targets].mean()
            problem = mismatch("loss", np.array(loss), np.array(ref["loss"])) or mismatch(
                "loss", np.array(loss), np.array(scipy_loss), oracle="scipy.special.log_softmax"
            )
            if problem is None:
                problem = _compare_all(model, ref, model.backward(loss_fn.backward()))
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")
