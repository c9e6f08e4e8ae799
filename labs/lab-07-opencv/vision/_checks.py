"""Input validation shared by the whole package: refuse what OpenCV would refuse, with a clear message."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_gray(image: Any, name: str = "gray") -> np.ndarray:
    """Return `image` if it is a non-empty 2-D uint8 array, else raise ValueError."""
    raise NotImplementedError("check_gray: a helper of the reference; write your own or delete it (README)")


def check_number(value: Any, name: str) -> float:
    """Return `value` as a float if it is a finite real number (bool excluded), else raise ValueError."""
    raise NotImplementedError("check_number: a helper of the reference; write your own or delete it (README)")


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> None:
    """Raise ValueError unless `value` is one of `choices`."""
    raise NotImplementedError("check_choice: a helper of the reference; write your own or delete it (README)")


def saturate_u8(value: float) -> int:
    """OpenCV's saturate_cast<uchar>(double): round half to even, then clamp to 0..255."""
    raise NotImplementedError("saturate_u8: a helper of the reference; write your own or delete it (README)")
