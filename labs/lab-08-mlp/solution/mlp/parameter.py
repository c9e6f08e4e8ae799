"""`Parameter`: a trainable float64 array and its gradient (given code, complete in the starter)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


class Parameter:
    """A trainable tensor: `data` (float64) and `grad`, a same-shaped float64 array of zeros at first.

    Layers *accumulate* into `grad` during `backward` (`grad += ...`), as PyTorch does; `zero_grad()`
    resets it in place, so references held by optimizers stay valid.
    """

    def __init__(self, data: ArrayLike, name: str = "") -> None:
        self.data: NDArray[np.float64] = np.array(data, dtype=np.float64)
        self.grad: NDArray[np.float64] = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0.0

    def __repr__(self) -> str:
        return f"Parameter({self.name or '?'}, shape={self.data.shape})"
