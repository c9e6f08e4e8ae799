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
        raise NotImplementedError("Linear.__init__: draw weight (out, in) and bias; README 'Initialisation'")

    def forward(self, x: Array) -> Array:
        raise NotImplementedError("Linear.forward: cache x, return x @ W.T + b; README 'Layers'")

    def backward(self, grad: Array) -> Array:
        raise NotImplementedError("Linear.backward: accumulate grads, return d/dx; README 'Layers'")

    def parameters(self) -> list[Parameter]:
        raise NotImplementedError("Linear.parameters: return [weight, bias]; README 'Layers'")

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class ReLU(Layer):
    """max(0, x); the derivative at exactly 0 is taken as 0, as in PyTorch."""

    def forward(self, x: Array) -> Array:
        raise NotImplementedError("ReLU.forward; README 'Layers'")

    def backward(self, grad: Array) -> Array:
        raise NotImplementedError("ReLU.backward (derivative 0 at x = 0); README 'Layers'")


class Tanh(Layer):
    """tanh(x), with derivative 1 - tanh(x)² computed from the cached output."""

    def forward(self, x: Array) -> Array:
        raise NotImplementedError("Tanh.forward; README 'Layers'")

    def backward(self, grad: Array) -> Array:
        raise NotImplementedError("Tanh.backward; README 'Layers'")


class Sigmoid(Layer):
    """1 / (1 + exp(-x)), evaluated without overflow for any finite x; derivative y (1 - y)."""

    def forward(self, x: Array) -> Array:
        raise NotImplementedError("Sigmoid.forward, without overflow for large |x|; README 'Layers'")

    def backward(self, grad: Array) -> Array:
        raise NotImplementedError("Sigmoid.backward; README 'Layers'")


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer class targets, stable for huge logits.

    `forward(logits, targets)` returns the loss as a float; `backward(grad=1.0)` returns
    d loss / d logits = grad · (softmax(logits) − onehot(targets)) / batch.
    """

    def forward(self, logits: Array, targets: ArrayLike) -> float:
        raise NotImplementedError("SoftmaxCrossEntropy.forward; README 'Softmax cross-entropy'")

    def backward(self, grad: float = 1.0) -> Array:
        raise NotImplementedError("SoftmaxCrossEntropy.backward; README 'Softmax cross-entropy'")

    def __call__(self, logits: Array, targets: ArrayLike) -> float:
        return self.forward(logits, targets)


ACTIVATIONS: dict[str, type[Layer]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
