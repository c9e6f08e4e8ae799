"""`MLP`: Linear layers with one activation between consecutive ones (README, "The network")."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from mlp.layers import ACTIVATIONS, Array, Layer, Linear
from mlp.parameter import Parameter


class MLP:
    """A multilayer perceptron `Linear → act → Linear → act → … → Linear` returning logits.

    `sizes = [in, hidden..., out]` gives `len(sizes) - 1` Linear layers; `activation` is "relu",
    "tanh" or "sigmoid". Hidden layers are initialised with that activation's gain, the output layer
    with gain 1 ("linear"). `layers` lists the layers in order (Linear, activation, Linear, ...).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        init: str = "kaiming",
        rng: np.random.Generator | None = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError("sizes needs at least an input and an output size")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of {tuple(ACTIVATIONS)}")
        rng = np.random.default_rng() if rng is None else rng
        self.sizes = list(sizes)
        self.activation = activation
        self.layers: list[Layer] = []
        last = len(self.sizes) - 2
        for i, (n_in, n_out) in enumerate(pairwise(self.sizes)):
            self.layers.append(Linear(n_in, n_out, init, rng, "linear" if i == last else activation))
            if i != last:
                self.layers.append(ACTIVATIONS[activation]())

    def forward(self, x: Array) -> Array:
        """Logits for a batch `x` of shape (batch, sizes[0])."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad: Array) -> Array:
        """Backpropagate d loss / d logits; accumulates every `.grad`, returns d loss / d x."""
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self) -> list[Parameter]:
        """[weight, bias] of each Linear layer, input to output (the order of PyTorch's `parameters()`)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def __call__(self, x: Array) -> Array:
        return self.forward(x)
