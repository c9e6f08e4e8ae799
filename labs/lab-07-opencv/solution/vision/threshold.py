"""Global, Otsu and adaptive thresholding of 8-bit grey images, bit-exact with OpenCV."""

from __future__ import annotations

import math

import numpy as np

from vision._checks import check_choice, check_gray, check_number, saturate_u8
from vision._filters import box_sum_replicate, correlate_separable, gaussian_kernel
from vision.color import histogram

KINDS = ("binary", "binary_inv", "trunc", "tozero", "tozero_inv")
METHODS = ("mean", "gaussian")
_FLT_EPSILON = 2.0**-23  # C's FLT_EPSILON, OpenCV's guard against near-empty classes in Otsu


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
    check_gray(gray)
    t_int = math.floor(check_number(t, "t"))
    top = saturate_u8(check_number(maxval, "maxval"))
    check_choice(kind, "kind", KINDS)
    above = gray > max(-1, min(255, t_int))  # every pixel is above -1, none is above 255
    if kind == "binary":
        out = above * np.uint8(top)
    elif kind == "binary_inv":
        out = ~above * np.uint8(top)
    elif kind == "trunc":
        out = np.minimum(gray, np.uint8(max(0, min(255, t_int))))
    elif kind == "tozero":
        out = above * gray
    else:
        out = ~above * gray
    return float(t_int), out


def _otsu_level(hist: np.ndarray) -> int:
    """The Otsu threshold of a 256-bin histogram, replaying OpenCV's double-precision scan exactly.

    For each candidate t the pixels <= t form class 1 (weight q1, mean mu1) and the rest class 2. The
    between-class variance q1·q2·(mu1 − mu2)² is tracked with running sums in the same order as OpenCV,
    so that exact and near ties round the same way; a strictly greater value is needed to move the
    threshold, so ties keep the lowest t, and a constant image gives 0.
    """
    counts = [int(c) for c in hist]
    scale = 1.0 / sum(counts)
    mu = 0.0
    for i, c in enumerate(counts):
        mu += i * float(c)
    mu *= scale
    mu1 = q1 = 0.0
    best_sigma, best_t = 0.0, 0
    for i, c in enumerate(counts):
        p_i = c * scale
        mu1 *= q1
        q1 += p_i
        q2 = 1.0 - q1
        if min(q1, q2) < _FLT_EPSILON or max(q1, q2) > 1.0 - _FLT_EPSILON:
            continue
        mu1 = (mu1 + i * p_i) / q1
        mu2 = (mu - q1 * mu1) / q2
        sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2)
        if sigma > best_sigma:
            best_sigma, best_t = sigma, i
    return best_t


def otsu(gray: np.ndarray) -> tuple[float, np.ndarray]:
    """Otsu's automatic global threshold, like `cv2.threshold(gray, 0, 255, THRESH_BINARY + THRESH_OTSU)`.

    Returns:
        (threshold as a float, uint8 image: 255 where gray > threshold, else 0).

    Raises:
        ValueError: if `gray` is not a non-empty 2-D uint8 array.
    """
    t = _otsu_level(histogram(gray))
    return threshold(gray, t, 255, "binary")


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
    check_gray(gray)
    if isinstance(block_size, bool) or not isinstance(block_size, int | np.integer):
        raise ValueError(f"block_size must be an int, got {type(block_size).__name__}")
    if block_size < 3 or block_size % 2 == 0:
        raise ValueError(f"block_size must be odd and at least 3, got {block_size}")
    c = check_number(C, "C")
    top = check_number(maxval, "maxval")
    check_choice(method, "method", METHODS)
    if top < 0:
        return np.zeros_like(gray)
    block = int(block_size)
    if method == "mean":
        # sum / area is never exactly k + 0.5 (area is odd), so rounding it in float64 is exact.
        mean = np.rint(box_sum_replicate(gray, block) * (1.0 / (block * block)))
    else:
        kernel = gaussian_kernel(block)
        blurred = correlate_separable(gray, kernel, kernel, "replicate")
        mean = np.clip(np.rint(blurred), 0, 255)
    diff = gray - mean
    keep = diff <= -math.floor(c) if inverse else diff > -math.ceil(c)
    return keep * np.uint8(saturate_u8(top))
