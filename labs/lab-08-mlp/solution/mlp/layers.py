"""Layers with explicit forward and backward passes.

Every layer caches what its backward pass needs during `forward`, and `backward(grad)` takes the
gradient of the loss with respect to the layer's output and returns the gradient with respect to its
input, accumulating parameter gradients into `Parameter.grad` on the way (README, "Layers").
Inputs are 2-D float64 arrays shaped `(batch, features)`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp.parameter import Parameter

Array = NDArray[np.float64]

#: Recommended gains per nonlinearity (the values of `torch.nn.init.calculate_gain`).
GAINS: dict[str, float] = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
INITS = ("kaiming", "xavier", "torch_default")


class Layer:
    """Base class: a layer without parameters unless it overrides `parameters`."""

    def forward(self, x: Array) -> Array:
        raise NotImplementedError

    def backward(self, grad: Array) -> Array:
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        return []

    def __call__(self, x: Array) -> Array:
        return self.forward(x)


class Linear(Layer):
    """Affine map `y = x @ weight.T + bias`, weight shaped `(out_features, in_features)` as in PyTorch.

    `init` picks the weight distribution (fan_in = in_features, fan_out = out_features):
    - `"kaiming"`: normal, std = gain / sqrt(fan_in), bias 0 (He et al., 2015);
    - `"xavier"`: uniform on ±gain·sqrt(6 / (fan_in + fan_out)), bias 0 (Glorot & Bengio, 2010);
    - `"torch_default"`: weight and bias uniform on ±1/sqrt(fan_in), like `torch.nn.Linear`.
    `gain = GAINS[nonlinearity]`, for the nonlinearity that follows the layer ("linear" if none).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: str = "kaiming",
        rng: np.random.Generator | None = None,
        nonlinearity: str = "relu",
    ) -> None:
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
        if nonlinearity not in GAINS:
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}; expected one of {tuple(GAINS)}")
        rng = np.random.default_rng() if rng is None else rng
        self.in_features, self.out_features = in_features, out_features
        shape = (out_features, in_features)
        gain = GAINS[nonlinearity]
        bias = np.zeros(out_features)
        if init == "kaiming":
            weight = rng.normal(0.0, gain / math.sqrt(in_features), size=shape)
        elif init == "xavier":
            bound = gain * math.sqrt(6.0 / (in_features + out_features))
            weight = rng.uniform(-bound, bound, size=shape)
        else:
            bound = 1.0 / math.sqrt(in_features)
            weight = rng.uniform(-bound, bound, size=shape)
            bias = rng.uniform(-bound, bound, size=out_features)
        self.weight = Parameter(weight, "weight")
        self.bias = Parameter(bias, "bias")
        self._x: Array | None = None

    def forward(self, x: Array) -> Array:
        self._x = x
        return x @ self.weight.data.T + self.bias.data

    def backward(self, grad: Array) -> Array:
        assert self._x is not None, "backward called before forward"
        self.weight.grad += grad.T @ self._x
        self.bias.grad += grad.sum(axis=0)
        return grad @ self.weight.data

    def parameters(self) -> list[Parameter]:
        return [self.weight, self.bias]

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class ReLU(Layer):
    """max(0, x); the derivative at exactly 0 is taken as 0, as in PyTorch."""

    def forward(self, x: Array) -> Array:
        self._mask = x > 0
        return np.where(self._mask, x, 0.0)

    def backward(self, grad: Array) -> Array:
        return np.where(self._mask, grad, 0.0)


class Tanh(Layer):
    """tanh(x), with derivative 1 - tanh(x)² computed from the cached output."""

    def forward(self, x: Array) -> Array:
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad: Array) -> Array:
        return grad * (1.0 - self._y**2)


class Sigmoid(Layer):
    """1 / (1 + exp(-x)), evaluated without overflow for any finite x; derivative y (1 - y)."""

    def forward(self, x: Array) -> Array:
        # exp(-log(1 + exp(-x))) with logaddexp never overflows, unlike a literal 1 / (1 + exp(-x)).
        self._y = np.exp(-np.logaddexp(0.0, -x))
        return self._y

    def backward(self, grad: Array) -> Array:
        return grad * self._y * (1.0 - self._y)


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer class targets, stable for huge logits.

    `forward(logits, targets)` returns the loss as a float; `backward(grad=1.0)` returns
    d loss / d logits = grad · (softmax(logits) − onehot(targets)) / batch.
    """

    def forward(self, logits: Array, targets: ArrayLike) -> float:
        targets = np.asarray(targets, dtype=np.int64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(len(targets))
        self._probs = np.exp(log_probs)
        self._targets = targets
        return float(-log_probs[rows, targets].mean())

    def backward(self, grad: float = 1.0) -> Array:
        d = self._probs.copy()
        d[np.arange(len(self._targets)), self._targets] -= 1.0
        return d * (grad / len(self._targets))

    def __call__(self, logits: Array, targets: ArrayLike) -> float:
        return self.forward(logits, targets)


ACTIVATIONS: dict[str, type[Layer]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
