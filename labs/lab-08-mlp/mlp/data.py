"""Loading the spiral data set (given code, complete in the starter)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray


def load_spiral(path: str | Path) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Read `spiral.csv` (header `x0,x1,label`) into `(X, y)`: X float64 (n, 2), y int64 (n,)."""
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return table[:, :2].copy(), table[:, 2].astype(np.int64)
