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


def hinge_loss(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], alpha: float = 1e-4) -> tuple[Value, float]:
    """Mean max-margin loss `relu(1 - y·score)` plus `alpha·Σp²`; returns (loss, accuracy)."""
    raise NotImplementedError("hinge_loss (README Part E)")


def fit(
    model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], steps: int = 50, lr: float = 1.0
) -> list[tuple[float, float]]:
    """Full-batch gradient descent; returns (loss, accuracy) per step."""
    raise NotImplementedError("fit (README Part E)")
