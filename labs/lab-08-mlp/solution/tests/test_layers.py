"""Model tests for the layers, the loss and the initialisers (numerical gradients, SciPy, formulas)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from mlp import (
    GAINS,
    Layer,
    Linear,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    numerical_gradient,
    relative_error,
)


def check_layer_gradients(layer, x: np.ndarray, rng: np.random.Generator) -> None:
    """Analytic gradients of sum(upstream * layer(x)) against central differences, for x and parameters."""
    upstream = rng.standard_normal(layer.forward(x).shape)

    def objective(_: np.ndarray) -> float:
        return float(np.sum(upstream * layer.forward(x)))

    for p in layer.parameters():
        p.zero_grad()
    layer.forward(x)
    grad_x = layer.backward(upstream)
    assert relative_error(grad_x, numerical_gradient(objective, x)) < 1e-7
    for p in layer.parameters():
        assert relative_error(p.grad, numerical_gradient(objective, p.data)) < 1e-7, p.name


def test_linear_layout_and_forward():
    layer = Linear(5, 3, rng=np.random.default_rng(0))
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    x = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(layer(x), x @ layer.weight.data.T + layer.bias.data)
    assert repr(layer) == "Linear(5, 3)"


@pytest.mark.parametrize("batch", [1, 6])
def test_linear_gradients(batch):
    rng = np.random.default_rng(batch)
    layer = Linear(4, 3, init="torch_default", rng=rng)
    check_layer_gradients(layer, rng.standard_normal((batch, 4)), rng)


def test_linear_gradients_accumulate_until_zeroed():
    rng = np.random.default_rng(2)
    layer = Linear(3, 2, rng=rng)
    x, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    for _ in range(2):
        layer.forward(x)
        layer.backward(g)
    np.testing.assert_allclose(layer.bias.grad, 2 * g.sum(axis=0))
    layer.bias.zero_grad()
    assert not layer.bias.grad.any()


@pytest.mark.parametrize("kind", [ReLU, Tanh, Sigmoid])
def test_activation_gradients(kind):
    rng = np.random.default_rng(3)
    check_layer_gradients(kind(), rng.standard_normal((3, 4)) + 0.1, rng)
    assert kind().parameters() == []


def test_relu_derivative_at_zero_and_sigmoid_extremes():
    relu = ReLU()
    relu.forward(np.array([[0.0, 1.0]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 2))), [[0.0, 1.0]])
    sigmoid = Sigmoid()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = sigmoid.forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(y, [[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(y, scipy.special.expit([[-1000.0, 0.0, 1000.0]]))


def test_layer_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Layer().forward(np.zeros((1, 1)))
    with pytest.raises(NotImplementedError):
        Layer().backward(np.zeros((1, 1)))


@pytest.mark.parametrize("batch", [1, 7])
def test_softmax_cross_entropy_matches_scipy_and_differences(batch):
    rng = np.random.default_rng(batch)
    logits, targets = rng.standard_normal((batch, 4)), rng.integers(0, 4, batch)
    loss_fn = SoftmaxCrossEntropy()
    expected = -scipy.special.log_softmax(logits, axis=1)[np.arange(batch), targets].mean()
    assert loss_fn(logits, targets) == pytest.approx(expected, rel=1e-14)
    analytic = loss_fn.backward()
    numeric = numerical_gradient(lambda z: SoftmaxCrossEntropy().forward(z, targets), logits)
    assert relative_error(analytic, numeric) < 1e-7
    np.testing.assert_allclose(loss_fn.backward(3.0), 3.0 * analytic)


def test_softmax_cross_entropy_is_stable():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]])
    loss_fn = SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = loss_fn.forward(logits, [0, 2])
        grad = loss_fn.backward()
    expected = -scipy.special.log_softmax(logits, axis=1)[[0, 1], [0, 2]].mean()
    assert loss == pytest.approx(expected, rel=1e-14)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize(
    ("init", "nonlinearity", "std"),
    [
        ("kaiming", "relu", math.sqrt(2.0) / math.sqrt(400)),
        ("kaiming", "tanh", (5 / 3) / math.sqrt(400)),
        ("xavier", "sigmoid", math.sqrt(2.0 / 450)),
        ("xavier", "linear", math.sqrt(2.0 / 450)),
        ("torch_default", "relu", 1.0 / math.sqrt(400) / math.sqrt(3.0)),
    ],
)
def test_init_std(init, nonlinearity, std):
    layer = Linear(400, 50, init=init, rng=np.random.default_rng(4), nonlinearity=nonlinearity)
    assert layer.weight.data.std() == pytest.approx(std, rel=0.05)
    assert GAINS[nonlinearity] > 0
    if init != "torch_default":
        assert not layer.bias.data.any()


def test_init_rejects_unknown_names_and_defaults_rng():
    with pytest.raises(ValueError, match="init"):
        Linear(2, 2, init="orthogonal")
    with pytest.raises(ValueError, match="nonlinearity"):
        Linear(2, 2, nonlinearity="gelu")
    assert Linear(2, 3).weight.shape == (3, 2)
