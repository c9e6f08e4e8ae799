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
    r = size // 2
    padded = np.pad(image, r, mode="edge")
    # Running sums stay below (longest side) · size · 255; use int32 when that fits, as it is faster.
    dtype = np.int32 if max(padded.shape) * size * 255 < 2**31 else np.int64
    prefix = np.zeros((padded.shape[0], padded.shape[1] + 1), dtype=dtype)
    np.cumsum(padded, axis=1, dtype=dtype, out=prefix[:, 1:])
    rows = prefix[:, size:] - prefix[:, :-size]  # shape (H + 2r, W): sums of `size` pixels along rows
    # NumPy's cumsum along axis 0 is slow (it walks the array column by column), so accumulate down the
    # columns one whole row at a time: a loop over rows, each step a vectorised add.
    prefix = np.zeros((rows.shape[0] + 1, rows.shape[1]), dtype=dtype)
    for i, row in enumerate(rows):
        np.add(prefix[i], row, out=prefix[i + 1])
    return prefix[size:] - prefix[:-size]  # shape (H, W)


def gaussian_kernel(size: int) -> np.ndarray:
    """OpenCV's 1-D Gaussian for `size` taps and sigma = 0 (getGaussianKernel(size, 0)), float64."""
    if size in _SMALL_GAUSSIANS:
        return np.array(_SMALL_GAUSSIANS[size]) / 256.0
    sigma = 0.3 * ((size - 1) * 0.5 - 1) + 0.8
    x = np.arange(size) - (size - 1) / 2
    kernel = np.exp(-(x * x) / (2 * sigma * sigma))
    return kernel / kernel.sum()


def sobel_kernel(order: int, ksize: int) -> np.ndarray:
    """The 1-D Sobel kernel of derivative `order` for aperture `ksize`, as OpenCV's getDerivKernels builds it.

    A binomial row of length ksize - order (the smoothing part: [1, 2, 1] for order 0, ksize 3), convolved
    `order` times with [-1, 1]. ksize 1 means no smoothing: [1] for order 0, else a 3-tap derivative
    ([-1, 0, 1] or [1, -2, 1]).
    """
    taps = 3 if ksize == 1 and order > 0 else ksize
    kernel = np.ones(1)
    for _ in range(taps - order - 1):
        kernel = np.convolve(kernel, [1.0, 1.0])
    for _ in range(order):
        kernel = np.convolve(kernel, [-1.0, 1.0])
    return kernel


def correlate_separable(image: np.ndarray, kx: np.ndarray, ky: np.ndarray, border: str) -> np.ndarray:
    """Correlate `image` (as float64) with the outer product ky ⊗ kx, padding with `border`."""
    rx, ry = len(kx) // 2, len(ky) // 2
    padded = np.pad(image.astype(np.float64), ((ry, ry), (rx, rx)), mode=PAD_MODES[border])
    h, w = image.shape
    rows = np.zeros((h + 2 * ry, w))
    for k, weight in enumerate(kx):
        if weight:
            rows += weight * padded[:, k : k + w]
    out = np.zeros((h, w))
    for k, weight in enumerate(ky):
        if weight:
            out += weight * rows[k : k + h]
    return out
