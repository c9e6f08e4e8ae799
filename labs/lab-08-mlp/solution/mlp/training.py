"""Mini-batch training of an `MLP` with softmax cross-entropy (README, "Training")."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlp.layers import Array, SoftmaxCrossEntropy
from mlp.network import MLP
from mlp.optim import Optimizer


def accuracy(model: MLP, X: Array, y: ArrayLike) -> float:
    """Fraction of rows of `X` whose highest logit is at the true class."""
    return float(np.mean(model.forward(X).argmax(axis=1) == np.asarray(y)))


def train(
    model: MLP,
    X: Array,
    y: ArrayLike,
    epochs: int,
    batch_size: int,
    optimizer: Optimizer,
    rng: np.random.Generator | None = None,
) -> dict[str, list[float]]:
    """Train for `epochs` passes over (X, y) in shuffled mini-batches; return the history.

    Each epoch draws one permutation from `rng`, then for each batch of `batch_size` rows (the last may
    be smaller): zero the gradients, forward, mean cross-entropy, backward, `optimizer.step()`.
    The history has `"loss"` (per epoch, the mean loss over its examples) and `"accuracy"` (training
    accuracy on all of X after the epoch), each a list of `epochs` floats.
    """
    rng = np.random.default_rng() if rng is None else rng
    y = np.asarray(y, dtype=np.int64)
    loss_fn = SoftmaxCrossEntropy()
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            model.zero_grad()
            loss = loss_fn.forward(model.forward(X[batch]), y[batch])
            model.backward(loss_fn.backward())
            optimizer.step()
            total += loss * len(batch)
        history["loss"].append(total / len(X))
        history["accuracy"].append(accuracy(model, X, y))
    return history
