"""Train an MLP as a binary classifier with a max-margin (hinge) loss (README Part E).

Starter stub: implement every function that raises NotImplementedError.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from micrograd.engine import Value
from micrograd.nn import MLP


def load_dataset(path: str | Path) -> tuple[list[list[float]], list[int]]:
    """Read a CSV with columns x1, x2, label (label -1 or +1). Given: nothing to do here."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [[float(r["x1"]), float(r["x2"])] for r in rows], [int(r["label"]) for r in rows]


def hinge_loss(
    model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], alpha: float = 1e-4
) -> tuple[Value, float]:
    """Mean max-margin loss `relu(1 - y·score)` plus `alpha·Σp²`; returns (loss, accuracy).

    A sample counts as correct when `sign(score) == y`: a score of exactly 0 is wrong for both labels.
    """
    raise NotImplementedError("hinge_loss (README Part E)")


def fit(
    model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], steps: int = 30, lr: float = 1.0
) -> list[tuple[float, float]]:
    """Full-batch gradient descent with a linearly decaying rate; returns (loss, accuracy) per step.

    Step k (0-based) evaluates the loss, zeroes the gradients, back-propagates and moves every
    parameter by `-lr·(1 - 0.9·k/steps)·grad`; history[k] is the loss and accuracy before that move.
    """
    raise NotImplementedError("fit (README Part E)")
