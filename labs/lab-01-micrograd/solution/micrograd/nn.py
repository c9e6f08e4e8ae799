"""A minimal neural-network library on top of `Value`."""

from __future__ import annotations

import random
from collections.abc import Sequence

from micrograd.engine import Operand, Value


class Module:
    """Anything with parameters."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """`nin` weights drawn from U(-1, 1) and a zero bias; ReLU unless `nonlin=False`."""

    def __init__(self, nin: int, nonlin: bool = True, rng: random.Random | None = None) -> None:
        rng = rng if rng is not None else random.Random(0)
        self.w = [Value(rng.uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Operand]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; keyword arguments go to each Neuron."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True, rng: random.Random | None = None) -> None:
        rng = rng if rng is not None else random.Random(0)
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Fully connected layers of sizes `nouts`; ReLU on hidden layers, linear output layer.

    One `rng` (default `random.Random(0)`) initialises every layer in order, so a seed fixes the model.
    """

    def __init__(self, nin: int, nouts: Sequence[int], rng: random.Random | None = None) -> None:
        rng = rng if rng is not None else random.Random(0)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng) for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        out: Value | list[Value] = list(x)  # type: ignore[arg-type]
        for layer in self.layers:
            out = layer(out if isinstance(out, list) else [out])
        return out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
