"""Colour conversion and the grey-level histogram."""

from __future__ import annotations

import numpy as np

from vision._checks import check_gray

# ITU-R BT.601 luma weights in 15-bit fixed point, as OpenCV 5 uses for 8-bit images:
# R = round(0.299 * 2**15), G = round(0.587 * 2**15), and B takes the rest so the three sum to 2**15.
_B, _G, _R = 3735, 19235, 9798
_SHIFT = 15


def to_gray(bgr: np.ndarray) -> np.ndarray:
    """Convert an H×W×3 uint8 image in OpenCV's B, G, R channel order to an H×W uint8 grey image.

    Y = 0.299 R + 0.587 G + 0.114 B, computed in 15-bit fixed point with rounding, which reproduces
    `cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)` exactly.

    Raises:
        ValueError: if `bgr` is not a non-empty uint8 array of shape (H, W, 3).
    """
    if not isinstance(bgr, np.ndarray):
        raise ValueError(f"bgr must be a NumPy array, got {type(bgr).__name__}")
    if bgr.dtype != np.uint8:
        raise ValueError(f"bgr must have dtype uint8, got {bgr.dtype}")
    if bgr.ndim != 3 or bgr.shape[2] != 3:
        raise ValueError(f"bgr must have shape (H, W, 3) in B, G, R order, got {bgr.shape}")
    if bgr.size == 0:
        raise ValueError(f"bgr is empty (shape {bgr.shape})")
    channels = bgr.astype(np.int32)
    weighted = _B * channels[..., 0] + _G * channels[..., 1] + _R * channels[..., 2]
    return ((weighted + (1 << (_SHIFT - 1))) >> _SHIFT).astype(np.uint8)


def histogram(gray: np.ndarray) -> np.ndarray:
    """Count the pixels of each grey level: an int64 array of 256 bins (bin v = number of pixels == v).

    Equal to `cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()`, as integers.

    Raises:
        ValueError: if `gray` is not a non-empty 2-D uint8 array.
    """
    check_gray(gray)
    return np.bincount(gray.ravel(), minlength=256).astype(np.int64)
