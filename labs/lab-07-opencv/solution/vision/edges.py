"""Image gradients and the Canny edge detector."""

from __future__ import annotations

import math

import numpy as np

from vision._checks import check_choice, check_gray, check_number
from vision._filters import PAD_MODES, correlate_separable, sobel_kernel
from vision.components import connected_components

# tan(22.5°) in OpenCV's 15-bit fixed point (13573 / 32768 ≈ 0.414215); tan(67.5°) = tan(22.5°) + 2.
TAN22_NUM, TAN_DEN = 13573, 1 << 15


def sobel(gray: np.ndarray, dx: int, dy: int, ksize: int = 3, border: str = "reflect101") -> np.ndarray:
    """The Sobel derivative d^(dx+dy) I / dx^dx dy^dy, like `cv2.Sobel(gray, cv2.CV_64F, dx, dy, ksize)`.

    The kernel is separable: a derivative kernel of order dx along x times one of order dy along y, each
    a binomial smoothing row convolved with [-1, 1] per derivative order (ksize 3, order 1: [-1, 0, 1]
    with [1, 2, 1] across). Pixels outside the image come from `border`: "reflect101" (OpenCV's default,
    …c b | a b c…) or "replicate" (…a a | a b c…).

    Returns:
        float64 array of gray's shape (the values are integers).

    Raises:
        ValueError: on an invalid image, ksize not in 1, 3, 5, 7, orders outside 0..2, dx + dy == 0,
            or an unknown border.
    """
    check_gray(gray)
    check_choice(ksize, "ksize", (1, 3, 5, 7))
    check_choice(dx, "dx", (0, 1, 2))
    check_choice(dy, "dy", (0, 1, 2))
    check_choice(border, "border", tuple(PAD_MODES))
    if dx + dy == 0:
        raise ValueError("at least one of dx, dy must be positive")
    return correlate_separable(gray, sobel_kernel(dx, ksize), sobel_kernel(dy, ksize), border)


def gradient_magnitude(gx: np.ndarray, gy: np.ndarray, l2: bool = True) -> np.ndarray:
    """Per-pixel gradient strength: sqrt(gx² + gy²) if l2 else |gx| + |gy| (OpenCV Canny's default, L1).

    Raises:
        ValueError: if gx and gy are not 2-D real arrays of the same shape.
    """
    gx, gy = _check_gradients(gx, gy)
    return np.hypot(gx, gy) if l2 else np.abs(gx) + np.abs(gy)


def non_max_suppression(magnitude: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Keep only the pixels whose magnitude is a local maximum across the edge; zero the rest.

    The gradient direction is quantised into four sectors with a = |gx|, b = |gy| and
    tan(22.5°) ≈ 13573/32768 (OpenCV's constant):

    - b < tan22·a (near horizontal gradient): compare with left and right neighbours;
    - b > (tan22 + 2)·a (near vertical): compare with the pixels above and below;
    - otherwise diagonal: above-left and below-right when gx and gy have the same sign (0 counts as
      positive), else above-right and below-left.

    A pixel is kept when m > the first (left / above) neighbour and m >= the second in the horizontal and
    vertical sectors, and m > both in the diagonal ones; neighbours outside the image count as 0.

    Returns:
        float64 array: magnitude where kept, 0 elsewhere.

    Raises:
        ValueError: if the three arrays are not 2-D real arrays of the same shape.
    """
    gx, gy = _check_gradients(gx, gy)
    mag = _check_gradients(magnitude, gx, ("magnitude", "gx"))[0]
    p = np.pad(mag, 1)  # zeros outside the image
    m = p[1:-1, 1:-1]
    left, right, up, down = p[1:-1, :-2], p[1:-1, 2:], p[:-2, 1:-1], p[2:, 1:-1]
    up_left, up_right, down_left, down_right = p[:-2, :-2], p[:-2, 2:], p[2:, :-2], p[2:, 2:]

    a, b = np.abs(gx) * TAN_DEN, np.abs(gy) * TAN_DEN
    tan22_a = np.abs(gx) * TAN22_NUM
    horizontal = b < tan22_a
    vertical = ~horizontal & (b > tan22_a + 2 * a)
    diagonal = ~horizontal & ~vertical
    same_sign = (gx < 0) == (gy < 0)

    keep = horizontal & (m > left) & (m >= right)
    keep |= vertical & (m > up) & (m >= down)
    keep |= diagonal & same_sign & (m > up_left) & (m > down_right)
    keep |= diagonal & ~same_sign & (m > up_right) & (m > down_left)
    return np.where(keep, mag, 0.0)


def canny(gray: np.ndarray, low: float, high: float, l2: bool = False) -> np.ndarray:
    """Canny edges, like `cv2.Canny(gray, low, high, apertureSize=3, L2gradient=l2)`.

    1. 3×3 Sobel gradients with BORDER_REPLICATE;
    2. magnitude |gx| + |gy| (or gx² + gy² compared with squared thresholds when l2);
    3. non-maximum suppression;
    4. hysteresis: surviving pixels with magnitude > floor(high) are edges, and so is every surviving
       pixel with magnitude > floor(low) that is 8-connected to an edge through such pixels.
    If low > high they are swapped.

    Returns:
        uint8 image: 255 on edges, 0 elsewhere.

    Raises:
        ValueError: on an invalid image or non-finite thresholds.
    """
    check_gray(gray)
    low, high = sorted((check_number(low, "low"), check_number(high, "high")))
    gx = sobel(gray, 1, 0, 3, "replicate")
    gy = sobel(gray, 0, 1, 3, "replicate")
    if l2:
        low, high = (min(32767.0, v) ** 2 if v > 0 else v for v in (low, high))
        mag = gx * gx + gy * gy
    else:
        mag = np.abs(gx) + np.abs(gy)
    thin = non_max_suppression(mag, gx, gy)
    candidate = (thin > 0) & (thin > math.floor(low))  # thin > 0 is exactly the NMS survivors
    strong = thin > math.floor(high)
    count, labels = connected_components(candidate.astype(np.uint8), 8)
    edge_label = np.zeros(count, dtype=bool)
    edge_label[labels[strong & candidate]] = True
    edge_label[0] = False
    return np.where(edge_label[labels], np.uint8(255), np.uint8(0))


def _check_gradients(
    gx: np.ndarray, gy: np.ndarray, names: tuple[str, str] = ("gx", "gy")
) -> tuple[np.ndarray, np.ndarray]:
    for name, arr in zip(names, (gx, gy), strict=True):
        if not isinstance(arr, np.ndarray) or arr.ndim != 2 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty 2-D NumPy array")
        if arr.dtype.kind not in "iuf":
            raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if gx.shape != gy.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {gx.shape} and {gy.shape}")
    return gx.astype(np.float64), gy.astype(np.float64)
