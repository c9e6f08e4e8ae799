"""A minimal neural-network library on top of `Value` (README Part D).

Starter stub: implement every method that raises NotImplementedError.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from micrograd.engine import Operand, Value


class Module:
    """Anything with parameters."""

    def parameters(self) -> list[Value]:
        """Every trainable Value of this module, in a stable order."""
        raise NotImplementedError("Module.parameters (README Part D)")

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0.0."""
        raise NotImplementedError("Module.zero_grad (README Part D)")


class Neuron(Module):
    """`nin` weights drawn from U(-1, 1) with `rng` and a zero bias; ReLU unless `nonlin=False`."""

    def __init__(self, nin: int, nonlin: bool = True, rng: random.Random | None = None) -> None:
        raise NotImplementedError("Neuron.__init__ (README Part D)")

    def __call__(self, x: Sequence[Operand]) -> Value:
        """w·x + b, passed through ReLU when nonlin."""
        raise NotImplementedError("Neuron.__call__ (README Part D)")

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        raise NotImplementedError("Neuron.parameters (README Part D)")

    def __repr__(self) -> str:
        """For your own debugging, e.g. `ReLUNeuron(3)`: the kind and the number of inputs (not graded)."""
        raise NotImplementedError("Neuron.__repr__ (optional, not graded)")


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; keyword arguments go to each Neuron."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True, rng: random.Random | None = None) -> None:
        raise NotImplementedError("Layer.__init__ (README Part D)")

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        """A list of the neurons' outputs, or the single Value when the layer has one neuron."""
        raise NotImplementedError("Layer.__call__ (README Part D)")

    def parameters(self) -> list[Value]:
        raise NotImplementedError("Layer.parameters (README Part D)")

    def __repr__(self) -> str:
        """For your own debugging, e.g. `Layer of [ReLUNeuron(2), ReLUNeuron(2)]` (not graded)."""
        raise NotImplementedError("Layer.__repr__ (optional, not graded)")


class MLP(Module):
    """Fully connected layers of sizes `nouts`; ReLU on hidden layers, linear output layer.

    One `rng` (default `random.Random(0)`) initialises every layer in order, so a seed fixes the model.
    """

    def __init__(self, nin: int, nouts: Sequence[int], rng: random.Random | None = None) -> None:
        raise NotImplementedError("MLP.__init__ (README Part D)")

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        raise NotImplementedError("MLP.__call__ (README Part D)")

    def parameters(self) -> list[Value]:
        raise NotImplementedError("MLP.parameters (README Part D)")

    def __repr__(self) -> str:
        """For your own debugging, e.g. `MLP of [Layer of [...], Layer of [...]]` (not graded)."""
        raise NotImplementedError("MLP.__repr__ (optional, not graded)")
