"""Global, Otsu and adaptive thresholding of 8-bit grey images, bit-exact with OpenCV."""

from __future__ import annotations

import numpy as np

KINDS = ("binary", "binary_inv", "trunc", "tozero", "tozero_inv")
METHODS = ("mean", "gaussian")


def threshold(
    gray: np.ndarray, t: float, maxval: float = 255, kind: str = "binary"
) -> tuple[float, np.ndarray]:
    """Apply a fixed threshold like `cv2.threshold(gray, t, maxval, THRESH_<KIND>)`.

    For 8-bit images the threshold is floored to an integer first (127.9 acts as 127 and 127.0 is
    returned) and maxval is rounded half-to-even and saturated to 0..255. With v = pixel, T = floor(t):

    - binary:      maxval if v > T else 0
    - binary_inv:  0 if v > T else maxval
    - trunc:       min(v, T)            (saturated to 0..255)
    - tozero:      v if v > T else 0
    - tozero_inv:  0 if v > T else v

    Returns:
        (float(T), uint8 image of gray's shape).

    Raises:
        ValueError: on a non-uint8 / non-2-D / empty image, a non-finite t or maxval, or an unknown kind.
    """
    raise NotImplementedError("threshold: the five fixed-threshold kinds; see README, Part B")


def otsu(gray: np.ndarray) -> tuple[float, np.ndarray]:
    """Otsu's automatic global threshold, like `cv2.threshold(gray, 0, 255, THRESH_BINARY + THRESH_OTSU)`.

    Returns:
        (threshold as a float, uint8 image: 255 where gray > threshold, else 0).

    Raises:
        ValueError: if `gray` is not a non-empty 2-D uint8 array.
    """
    raise NotImplementedError("otsu: Otsu's between-class variance scan; see README, Part C")


def adaptive_threshold(
    gray: np.ndarray,
    block_size: int,
    C: float,
    method: str = "mean",
    maxval: float = 255,
    inverse: bool = False,
) -> np.ndarray:
    """Threshold each pixel against its neighbourhood, like `cv2.adaptiveThreshold`.

    The local level m is the mean ("mean", ADAPTIVE_THRESH_MEAN_C) or Gaussian-weighted mean ("gaussian",
    ADAPTIVE_THRESH_GAUSSIAN_C, sigma = 0.3·((block_size − 1)·0.5 − 1) + 0.8) of the block_size × block_size
    window, with BORDER_REPLICATE, rounded to uint8. Then, with d = pixel − m:

    - binary (inverse=False): maxval where d > −ceil(C), else 0
    - inverse:                maxval where d <= −floor(C), else 0

    maxval is rounded and saturated to 0..255; a negative maxval gives an all-zero image. The mean is
    computed with running sums, so its cost does not grow with block_size.

    Raises:
        ValueError: on an invalid image, an even or < 3 block_size, an unknown method, non-finite C/maxval.
    """
    raise NotImplementedError(
        "adaptive_threshold: integral-image mean and Gaussian weights; see README, Part D"
    )
