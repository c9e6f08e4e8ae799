"""The practical use: binarizing a scanned page whose lighting is uneven."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from vision.color import to_gray
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
    source = Path(path_in)
    if not source.is_file():
        raise FileNotFoundError(f"no such image file: {source}")
    gray = _read_gray(source)
    page = adaptive_threshold(gray, block_size, C, method)
    try:
        Image.fromarray(page).save(path_out)
    except (OSError, ValueError, KeyError) as exc:  # a missing folder, an unknown extension
        raise ValueError(f"path_out: could not write {path_out} ({exc})") from None
    return page


def _read_gray(source: Path) -> np.ndarray:
    """The image at `source` as a 2-D uint8 grey array (colour converted with `to_gray`)."""
    try:
        with Image.open(source) as image:
            pixels = np.asarray(image if image.mode == "L" else image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValueError(f"path_in: {source} is not an image that can be read ({exc})") from None
    if pixels.ndim == 3:
        pixels = to_gray(np.ascontiguousarray(pixels[..., ::-1]))  # RGB to OpenCV's B, G, R order
    return np.ascontiguousarray(pixels, dtype=np.uint8)
