"""`MLP`: Linear layers with one activation between consecutive ones (README, "The network")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlp.layers import Array
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
        raise NotImplementedError("MLP.__init__: build Linear/activation layers; README 'The network'")

    def forward(self, x: Array) -> Array:
        """Logits for a batch `x` of shape (batch, sizes[0])."""
        raise NotImplementedError("MLP.forward; README 'The network'")

    def backward(self, grad: Array) -> Array:
        """Backpropagate d loss / d logits; accumulates every `.grad`, returns d loss / d x."""
        raise NotImplementedError("MLP.backward; README 'The network'")

    def parameters(self) -> list[Parameter]:
        """[weight, bias] of each Linear layer, input to output (the order of PyTorch's `parameters()`)."""
        raise NotImplementedError("MLP.parameters: [W0, b0, W1, b1, ...]; README 'The network'")

    def zero_grad(self) -> None:
        raise NotImplementedError("MLP.zero_grad; README 'The network'")

    def __call__(self, x: Array) -> Array:
        return self.forward(x)
