"""Mini-batch training of an `MLP` with softmax cross-entropy (README, "Training")."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlp.layers import Array
from mlp.network import MLP
from mlp.optim import Optimizer


def accuracy(model: MLP, X: Array, y: ArrayLike) -> float:
    """Fraction of rows of `X` whose highest logit is at the true class."""
    raise NotImplementedError("accuracy; README 'Training'")


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
    raise NotImplementedError("train: shuffled mini-batch loop; README 'Training'")
