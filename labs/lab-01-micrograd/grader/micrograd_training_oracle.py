"""Plain-float reference for Parts D and E: an MLP's forward pass, the hinge loss, its gradient and
gradient descent, written independently of micrograd (no Values, no graph)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import pairwise

Vector = list[float]


@dataclass
class FloatMLP:
    """`layers[l][j]` is neuron j of layer l: its weights followed by its bias (micrograd's order)."""

    layers: list[list[Vector]]

    @classmethod
    def initial(cls, nin: int, nouts: list[int], seed: int) -> FloatMLP:
        """The initialisation the README prescribes: weights drawn in order from U(-1, 1), bias 0."""
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        layers = []
        for fan_in, fan_out in pairwise(sizes):
            layers.append([[rng.uniform(-1.0, 1.0) for _ in range(fan_in)] + [0.0] for _ in range(fan_out)])
        return cls(layers)

    def flat(self) -> Vector:
        return [p for layer in self.layers for neuron in layer for p in neuron]

    def _forward(self, x: Vector) -> tuple[list[Vector], float]:
        """Every layer's activations (inputs first) and the score."""
        acts = [list(x)]
        for index, layer in enumerate(self.layers):
            last = index == len(self.layers) - 1
            pre = [sum(w * a for w, a in zip(n[:-1], acts[-1], strict=True)) + n[-1] for n in layer]
            acts.append(pre if last else [max(0.0, v) for v in pre])
        return acts, acts[-1][0]

    def score(self, x: Vector) -> float:
        return self._forward(x)[1]

    def loss_and_grad(
        self, X: list[Vector], y: list[int], alpha: float
    ) -> tuple[float, float, list[list[Vector]]]:
        """(hinge loss, accuracy, gradient shaped like `layers`)."""
        grads = [[[0.0] * len(n) for n in layer] for layer in self.layers]
        total, correct = 0.0, 0
        for x, label in zip(X, y, strict=True):
            acts, s = self._forward(x)
            correct += label * s > 0
            margin = 1.0 - label * s
            total += max(0.0, margin)
            if margin <= 0:
                continue
            upstream = [-label / len(X)]
            for index in range(len(self.layers) - 1, -1, -1):
                layer, inputs = self.layers[index], acts[index]
                if index != len(self.layers) - 1:
                    upstream = [u if a > 0 else 0.0 for u, a in zip(upstream, acts[index + 1], strict=True)]
                below = [0.0] * len(inputs)
                for j, neuron in enumerate(layer):
                    for i, a in enumerate(inputs):
                        grads[index][j][i] += upstream[j] * a
                        below[i] += upstream[j] * neuron[i]
                    grads[index][j][-1] += upstream[j]
                upstream = below
        reg = sum(p * p for p in self.flat())
        for layer, glayer in zip(self.layers, grads, strict=True):
            for neuron, gneuron in zip(layer, glayer, strict=True):
                for i, p in enumerate(neuron):
                    gneuron[i] += 2.0 * alpha * p
        return total / len(X) + alpha * reg, correct / len(X), grads

    def fit(
        self, X: list[Vector], y: list[int], steps: int, lr: float, alpha: float = 1e-4
    ) -> list[tuple[float, float]]:
        history = []
        for k in range(steps):
            loss, accuracy, grads = self.loss_and_grad(X, y, alpha)
            rate = lr * (1.0 - 0.9 * k / steps)
            for layer, glayer in zip(self.layers, grads, strict=True):
                for neuron, gneuron in zip(layer, glayer, strict=True):
                    for i, g in enumerate(gneuron):
                        neuron[i] -= rate * g
            history.append((loss, accuracy))
        return history


def xor_clusters(n: int = 24, seed: int = 7) -> tuple[list[Vector], list[int]]:
    """`n` points in four noisy clusters around (±0.6, ±0.6), label sign(x1·x2): no line separates them."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        sx, sy = (1 if i % 2 else -1), (1 if (i // 2) % 2 else -1)
        X.append([sx * 0.6 + rng.gauss(0.0, 0.2), sy * 0.6 + rng.gauss(0.0, 0.2)])
        y.append(sx * sy)
    return X, y
