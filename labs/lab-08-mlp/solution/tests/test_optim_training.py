"""Model tests for the optimizers (against torch.optim), gradient checking and training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mlp import (
    MLP,
    SGD,
    Adam,
    Optimizer,
    Parameter,
    accuracy,
    load_spiral,
    numerical_gradient,
    relative_error,
)
from mlp import train as train_model


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [
        (SGD, torch.optim.SGD, {"lr": 0.1}),
        (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1}),
        (Adam, torch.optim.Adam, {"lr": 0.01}),
        (Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 0.1, "weight_decay": 0.05}),
    ],
)
def test_optimizers_match_torch(ours, theirs, kwargs):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 4))
    mine, ref = Parameter(start), torch.nn.Parameter(torch.tensor(start))
    opt, opt_ref = ours([mine], **kwargs), theirs([ref], **kwargs)
    for _ in range(5):
        grad = rng.standard_normal(start.shape)
        mine.grad[...] = grad
        ref.grad = torch.tensor(grad)
        opt.step()
        opt_ref.step()
        assert relative_error(mine.data, ref.detach().numpy()) < 1e-13
    opt.zero_grad()
    assert not mine.grad.any()


def test_optimizer_base_step_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer([], lr=0.1, weight_decay=0.0).step()


def test_numerical_gradient_is_central_and_restores_x():
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), x, h=0.1)
    np.testing.assert_allclose(grad, 3 * before**2 + 0.01)
    np.testing.assert_array_equal(x, before)


def test_relative_error_definition():
    assert relative_error([1.0, 0.0], [1.1, 0.0]) == pytest.approx(0.1 / 2.1)
    assert relative_error([0.0], [1e-10]) == pytest.approx(1e-2)
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        relative_error([1.0], [1.0, 2.0])


def test_train_reaches_95_percent_on_spiral(datasets_dir):
    X, y = load_spiral(datasets_dir / "spiral" / "spiral.csv")
    model = MLP([2, 64, 64, 3], "relu", rng=np.random.default_rng(0))
    history = train_model(model, X, y, 50, 32, Adam(model.parameters(), lr=0.01), np.random.default_rng(1))
    assert len(history["loss"]) == len(history["accuracy"]) == 50
    assert history["accuracy"][-1] == accuracy(model, X, y) >= 0.95
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_train_defaults_its_rng():
    X, y = np.random.default_rng(0).standard_normal((10, 2)), np.arange(10) % 2
    model = MLP([2, 4, 2])
    history = train_model(model, X, y, 2, 4, SGD(model.parameters(), lr=0.1))
    assert len(history["loss"]) == 2
