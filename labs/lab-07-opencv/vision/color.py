"""Colour conversion and the grey-level histogram."""

from __future__ import annotations

import numpy as np

_B, _G, _R = 3735, 19235, 9798


def to_gray(bgr: np.ndarray) -> np.ndarray:
    """Convert an H×W×3 uint8 image in OpenCV's B, G, R channel order to an H×W uint8 grey image.

    Y = 0.299 R + 0.587 G + 0.114 B, computed in 15-bit fixed point with rounding, which reproduces
    `cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)` exactly.

    Raises:
        ValueError: if `bgr` is not a non-empty uint8 array of shape (H, W, 3).
    """
    raise NotImplementedError("to_gray: weighted sum of the B, G, R channels; see README, Part A")


def histogram(gray: np.ndarray) -> np.ndarray:
    """Count the pixels of each grey level: an int64 array of 256 bins (bin v = number of pixels == v).

    Equal to `cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()`, as integers.

    Raises:
        ValueError: if `gray` is not a non-empty 2-D uint8 array.
    """
    raise NotImplementedError("histogram: count the pixels of each grey level; see README, Part A")
