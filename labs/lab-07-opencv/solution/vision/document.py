"""The practical use: binarizing a scanned page whose lighting is uneven."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vision.threshold import adaptive_threshold

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

    The page is read as grey (`cv2.imread(..., cv2.IMREAD_GRAYSCALE)`; OpenCV is used for file I/O only)
    and thresholded with `adaptive_threshold(gray, block_size, C, method)`: a pixel becomes white (255)
    unless it is clearly darker than its neighbourhood, so shadows and gradients in the lighting cancel
    out. The output format follows path_out's extension (use .png: lossless).

    Returns:
        The binary uint8 image that was written (0 = ink, 255 = paper).

    Raises:
        FileNotFoundError: if path_in does not exist.
        ValueError: if path_in is not a readable image, path_out cannot be written, or the
            parameters are invalid.
    """
    source = Path(path_in)
    if not source.is_file():
        raise FileNotFoundError(f"no such image file: {source}")
    gray = cv2.imread(str(source), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise ValueError(f"{source} is not an image OpenCV can read")
    page = adaptive_threshold(gray, block_size, C, method)
    try:
        written = cv2.imwrite(str(path_out), page)
    except cv2.error:  # no encoder for the file extension
        written = False
    if not written:
        raise ValueError(f"could not write {path_out} (check the folder and the file extension)")
    return page
