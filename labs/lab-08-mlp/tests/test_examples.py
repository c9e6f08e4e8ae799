"""Example tests to start from: extend them until your own tests cover >= 90% of `mlp` (README, "Testing").

Run them with `pytest tests` from the lab folder (or through `nox -s lab-08`).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mlp import MLP, Linear, SoftmaxCrossEntropy, numerical_gradient, relative_error


def test_linear_weight_is_out_by_in():
    layer = Linear(5, 3, rng=np.random.default_rng(0))
    assert layer.weight.data.shape == (3, 5)
    assert layer.forward(np.ones((2, 5))).shape == (2, 3)


def test_linear_weight_gradient_matches_central_differences():
    rng = np.random.default_rng(1)
    layer = Linear(4, 3, rng=rng)
    x, upstream = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))

    def objective(_: np.ndarray) -> float:
        return float(np.sum(upstream * layer.forward(x)))

    layer.forward(x)
    layer.backward(upstream)
    assert relative_error(layer.weight.grad, numerical_gradient(objective, layer.weight.data)) < 1e-7


def test_softmax_cross_entropy_survives_huge_logits():
    loss_fn = SoftmaxCrossEntropy()
    loss = loss_fn.forward(np.array([[1000.0, -1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0)
    assert np.isfinite(loss_fn.backward()).all()


def test_mlp_gradients_match_pytorch_autograd():
    rng = np.random.default_rng(2)
    model = MLP([3, 5, 2], "tanh", rng=rng)
    x = rng.standard_normal((4, 3))
    upstream = rng.standard_normal((4, 2))
    w0, b0, w1, b1 = (torch.tensor(p.data, requires_grad=True) for p in model.parameters())
    hidden = torch.tanh(torch.tensor(x) @ w0.T + b0)
    (hidden @ w1.T + b1).backward(torch.tensor(upstream))

    model.zero_grad()
    model.forward(x)
    model.backward(upstream)
    for mine, theirs in zip(model.parameters(), (w0, b0, w1, b1), strict=True):
        assert relative_error(mine.grad, theirs.grad.numpy()) < 1e-7
