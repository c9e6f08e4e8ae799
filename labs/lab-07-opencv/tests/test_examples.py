"""Starter tests: a few examples with OpenCV as the oracle. Add your own (the coverage gate needs 90%).

Run them with `python -m pytest tests` from the lab folder. In tests you may call OpenCV freely; in the
`vision` package you may not (file I/O aside).
"""

from __future__ import annotations

import cv2
import numpy as np
from vision import adaptive_threshold, connected_components, otsu, sobel, threshold


def test_threshold_binary_floors_a_fractional_threshold():
    gray = np.arange(120, 136, dtype=np.uint8).reshape(4, 4)
    t, out = threshold(gray, 127.5, 255, "binary")
    want_t, want = cv2.threshold(gray, 127.5, 255, cv2.THRESH_BINARY)
    assert t == want_t == 127.0
    assert out.dtype == np.uint8 and np.array_equal(out, want)


def test_otsu_splits_two_populations():
    rng = np.random.default_rng(0)
    gray = np.clip(np.concatenate([rng.normal(60, 10, 500), rng.normal(180, 15, 300)]), 0, 255)
    gray = gray.astype(np.uint8).reshape(20, 40)
    t, out = otsu(gray)
    want_t, want = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    assert t == want_t and np.array_equal(out, want)


def test_adaptive_mean_matches_opencv():
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (32, 48), dtype=np.uint8)
    out = adaptive_threshold(gray, 7, 3, "mean")
    want = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 7, 3)
    assert np.array_equal(out, want)


def test_sobel_x_of_a_vertical_step():
    gray = np.zeros((5, 6), np.uint8)
    gray[:, 3:] = 10
    gx = sobel(gray, 1, 0)
    assert gx.dtype == np.float64
    assert np.array_equal(gx, cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3))
    assert gx[2].tolist() == [0, 0, 40, 40, 0, 0]


def test_connected_components_counts_the_background_too():
    binary = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.uint8)
    assert connected_components(binary, 8)[0] == 2  # background + one diagonal line
    assert connected_components(binary, 4)[0] == 4  # background + three single pixels
