"""Image gradients and the Canny edge detector."""

from __future__ import annotations

import numpy as np

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
    raise NotImplementedError("sobel: separable derivative kernels with border handling; see README, Part E")


def gradient_magnitude(gx: np.ndarray, gy: np.ndarray, l2: bool = True) -> np.ndarray:
    """Per-pixel gradient strength: sqrt(gx² + gy²) if l2 else |gx| + |gy| (OpenCV Canny's default, L1).

    Raises:
        ValueError: if gx and gy are not 2-D real arrays of the same shape.
    """
    raise NotImplementedError("gradient_magnitude: L2 or L1 gradient strength; see README, Part E")


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
    raise NotImplementedError("non_max_suppression: keep maxima across the edge; see README, Part G")


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
    raise NotImplementedError("canny: gradients, NMS and hysteresis; see README, Part G")
