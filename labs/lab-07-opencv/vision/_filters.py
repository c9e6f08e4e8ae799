"""Separable linear filters with explicit border handling (private helpers of the package).

Everything here is a handful of whole-array NumPy operations: no per-pixel Python loops.
"""

from __future__ import annotations

import numpy as np

# np.pad's names for OpenCV's border modes: "reflect" mirrors without repeating the edge pixel
# (BORDER_REFLECT_101: ...c b | a b c ...), "edge" repeats it (BORDER_REPLICATE: ...a a | a b c ...).
PAD_MODES = {"reflect101": "reflect", "replicate": "edge"}

# OpenCV's fixed Gaussian kernels (in 1/256ths), used instead of the sigma formula when sigma <= 0.
_SMALL_GAUSSIANS = {
    3: [64, 128, 64],
    5: [16, 64, 96, 64, 16],
    7: [8, 28, 56, 72, 56, 28, 8],
    9: [4, 13, 30, 51, 60, 51, 30, 13, 4],
}


def box_sum_replicate(image: np.ndarray, size: int) -> np.ndarray:
    """Sum of each size×size window (size odd) with BORDER_REPLICATE.

    A separable integral image: pad by size // 2 replicated pixels, take running sums along the rows and
    difference them `size` apart, then do the same down the columns. The cost does not depend on `size`.
    """
    raise NotImplementedError(
        "box_sum_replicate: a helper of the reference; write your own or delete it (README)"
    )


def gaussian_kernel(size: int) -> np.ndarray:
    """OpenCV's 1-D Gaussian for `size` taps and sigma = 0 (getGaussianKernel(size, 0)), float64."""
    raise NotImplementedError(
        "gaussian_kernel: a helper of the reference; write your own or delete it (README)"
    )


def sobel_kernel(order: int, ksize: int) -> np.ndarray:
    """The 1-D Sobel kernel of derivative `order` for aperture `ksize`, as OpenCV's getDerivKernels builds it.

    A binomial row of length ksize - order (the smoothing part: [1, 2, 1] for order 0, ksize 3), convolved
    `order` times with [-1, 1]. ksize 1 means no smoothing: [1] for order 0, else a 3-tap derivative
    ([-1, 0, 1] or [1, -2, 1]).
    """
    raise NotImplementedError("sobel_kernel: a helper of the reference; write your own or delete it (README)")


def correlate_separable(image: np.ndarray, kx: np.ndarray, ky: np.ndarray, border: str) -> np.ndarray:
    """Correlate `image` (as float64) with the outer product ky ⊗ kx, padding with `border`."""
    raise NotImplementedError(
        "correlate_separable: a helper of the reference; write your own or delete it (README)"
    )
