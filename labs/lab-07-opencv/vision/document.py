"""The practical use: binarizing a scanned page whose lighting is uneven."""

from __future__ import annotations

from pathlib import Path

import numpy as np

DEFAULT_BLOCK_SIZE = 25
DEFAULT_C = 10.0


def binarize_document(
    path_in: str | Path,
    path_out: str | Path,
    block_size: int = DEFAULT_BLOCK_SIZE,
    C: float = DEFAULT_C,
    method: str = "gaussian",
) -> np.ndarray:
    """Read a page image, turn it into black ink on white paper and write it as an image file.

    The page is read with Pillow (`PIL.Image.open`): a grey page as it is, any other one as RGB
    converted with `to_gray`. It is thresholded with `adaptive_threshold(gray, block_size, C, method)`:
    a pixel becomes white (255) unless it is clearly darker than its neighbourhood, so shadows and
    gradients in the lighting cancel out. The result is written with Pillow as an 8-bit grey image
    whose format follows path_out's extension (use .png: lossless).

    Returns:
        The binary uint8 image that was written (0 = ink, 255 = paper).

    Raises:
        FileNotFoundError: if path_in does not exist.
        ValueError: if path_in is not a readable image, path_out cannot be written, or the
            parameters are invalid.
    """
    raise NotImplementedError("binarize_document: read, adaptive threshold, write; see README, Part H")
