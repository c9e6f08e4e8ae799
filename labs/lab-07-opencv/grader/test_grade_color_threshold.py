"""Graders: grey conversion, histogram, fixed thresholds and Otsu."""

from __future__ import annotations

import lab07_support as support
import numpy as np
import pytest
from vision import histogram, otsu, threshold, to_gray

KINDS = tuple(support.KIND_FLAGS)


@pytest.mark.points(4)
def test_to_gray_within_one_of_opencv(partial_credit, datasets_dir):
    """to_gray matches cv2.cvtColor(BGR2GRAY) within ±1 (B, G, R channel order, uint8 H×W output)."""
    rng = np.random.default_rng(701)
    images = [("astronaut", support.bundled_color(datasets_dir))]
    for h, w in [(1, 1), (1, 7), (5, 1), (33, 47), (64, 64)]:
        images.append((f"random {h}x{w}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)))
    pure = np.zeros((1, 3, 3), dtype=np.uint8)
    pure[0, 0, 0] = pure[0, 1, 1] = pure[0, 2, 2] = 255  # pure blue, green, red pixels
    images.append(("pure blue/green/red", pure))
    for name, bgr in images:
        got = support.as_image(to_gray(bgr.copy()), "to_gray")
        want = support.cv_gray(bgr)
        if got.shape != want.shape or got.dtype != np.uint8:
            partial_credit.check(
                False, f"{name}: got shape {got.shape} dtype {got.dtype}, expected {want.shape} uint8"
            )
            continue
        worst = int(np.abs(got.astype(int) - want.astype(int)).max())
        partial_credit.check(
            worst <= 1,
            f"{name}: differs from OpenCV by up to {worst} grey levels; Y = 0.299 R + 0.587 G + 0.114 B "
            "and OpenCV stores channels as B, G, R",
        )


@pytest.mark.points(4)
def test_histogram_counts_every_level(partial_credit, bundled, datasets_dir):
    """histogram returns 256 integer bin counts equal to cv2.calcHist's."""
    images = bundled + list(support.synthetic(datasets_dir, 702, 40))
    for name, gray in images:
        got = histogram(gray.copy())
        want = support.cv("calcHist")([gray], [0], None, [256], [0, 256]).ravel().astype(np.int64)
        if not isinstance(got, np.ndarray) or got.shape != (256,):
            partial_credit.check(False, f"{name}: expected an array of shape (256,), got {got!r:.80}")
            continue
        got = np.asarray(got).view(np.ndarray)
        ok = got.dtype.kind in "iu" and bool(np.array_equal(got.astype(np.int64), want))
        partial_credit.check(
            ok, f"{name}: bin counts differ from OpenCV (or are not integers; dtype {got.dtype})"
        )


@pytest.mark.points(8)
def test_threshold_kinds_match_opencv(partial_credit, bundled, datasets_dir):
    """threshold is bit-exact with cv2.threshold for all five kinds on real and synthetic images."""
    rng = np.random.default_rng(703)
    images = bundled + list(support.synthetic(datasets_dir, 703, 140))
    for name, gray in images:
        for kind in KINDS:
            t = int(rng.integers(0, 255))
            maxval = int(rng.choice([255, 1, 200]))
            got_t, got = threshold(gray.copy(), t, maxval, kind)
            want_t, want = support.cv_threshold(gray, t, maxval, kind)
            same, why = support.same_image(got, want)
            partial_credit.check(
                same and float(got_t) == want_t,
                f"{name}, t={t}, maxval={maxval}, kind={kind!r}: "
                + (why or f"returned t={got_t}, expected {want_t}"),
            )


@pytest.mark.points(6)
def test_threshold_fractional_threshold_and_saturation(partial_credit, bundled, datasets_dir):
    """Fractional thresholds are floored (and returned floored); maxval is rounded and saturated to 0..255."""
    kinds = ("gradient", "noise", "tiny", "constant")
    images = [bundled[0], *support.synthetic(datasets_dir, 704, 10, kinds)]
    cases = [
        (127.5, 255), (127.999, 255), (-0.5, 255), (-1, 255), (254.5, 255), (255, 255), (255.5, 255),
        (300, 255), (-50, 255), (100, 300), (100, -5), (100, 127.5), (100, 128.5), (100, 254.6),
        (100.2, 0), (0.0, 256), (99.9, 1.4),
    ]  # fmt: skip
    for name, gray in images:
        for t, maxval in cases:
            for kind in KINDS:
                got_t, got = threshold(gray.copy(), t, maxval, kind)
                want_t, want = support.cv_threshold(gray, t, maxval, kind)
                same, why = support.same_image(got, want)
                partial_credit.check(
                    same and float(got_t) == want_t,
                    f"{name}, t={t}, maxval={maxval}, kind={kind!r}: "
                    + (why or f"returned t={got_t}, expected {want_t} (8-bit thresholds are floored)"),
                )


@pytest.mark.points(8)
def test_otsu_matches_opencv(partial_credit, bundled, datasets_dir):
    """otsu returns OpenCV's threshold and image on real photographs and 300 synthetic images."""
    kinds = ("bimodal", "gradient", "noise", "shapes")
    images = bundled + list(support.synthetic(datasets_dir, 705, 300, kinds))
    for name, gray in images:
        got_t, got = otsu(gray.copy())
        want_t, want = support.cv_otsu(gray)
        same, why = support.same_image(got, want)
        partial_credit.check(
            same and float(got_t) == want_t, f"{name}: " + (why or f"threshold {got_t}, expected {want_t}")
        )


@pytest.mark.points(6)
def test_otsu_ties_constant_and_tiny_images(partial_credit, datasets_dir):
    """otsu agrees with OpenCV on histogram ties (lowest threshold wins), constant, 1×1 and 2-level images."""
    symmetric = np.tile(np.array([63, 77, 124, 131, 178, 192], np.uint8), (3, 1))
    images: list[tuple[str, np.ndarray]] = [
        ("all 0", np.zeros((7, 9), np.uint8)),
        ("all 255", np.full((4, 4), 255, np.uint8)),
        ("constant 77", np.full((10, 3), 77, np.uint8)),
        ("1x1", np.array([[200]], np.uint8)),
        ("two equal spikes 50/200", np.array([[50] * 10 + [200] * 10], np.uint8)),
        ("two spikes 0/255", np.array([[0, 255, 0, 255]], np.uint8)),
        ("adjacent levels 10/11", np.array([[10, 11] * 5], np.uint8)),
        ("symmetric 63,77,124,131,178,192", symmetric),
    ]
    images += list(support.synthetic(datasets_dir, 706, 200, ("ties",)))
    images += list(support.synthetic(datasets_dir, 707, 40, ("constant", "tiny")))
    for name, gray in images:
        got_t, got = otsu(gray.copy())
        want_t, want = support.cv_otsu(gray)
        same, why = support.same_image(got, want)
        partial_credit.check(
            same and float(got_t) == want_t,
            f"{name}: "
            + (why or f"threshold {got_t}, expected {want_t} (see the README on ties and rounding)"),
        )
