"""Input validation shared by the whole package: refuse what OpenCV would refuse, with a clear message."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def check_gray(image: Any, name: str = "gray") -> np.ndarray:
    """Return `image` if it is a non-empty 2-D uint8 array, else raise ValueError."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8, got {image.dtype}")
    if image.ndim != 2:
        raise ValueError(f"{name} must be a 2-D single-channel image, got shape {image.shape}")
    if image.size == 0:
        raise ValueError(f"{name} is empty (shape {image.shape})")
    return image


def check_number(value: Any, name: str) -> float:
    """Return `value` as a float if it is a finite real number (bool excluded), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> None:
    """Raise ValueError unless `value` is one of `choices`."""
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def saturate_u8(value: float) -> int:
    """OpenCV's saturate_cast<uchar>(double): round half to even, then clamp to 0..255."""
    return int(min(255, max(0, round(value))))
