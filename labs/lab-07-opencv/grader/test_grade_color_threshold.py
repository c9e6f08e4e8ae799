"""Graders: grey conversion, histogram, fixed thresholds and Otsu."""

from __future__ import annotations

import lab07_support as support
import numpy as np
import pytest
from vision import histogram, otsu, threshold, to_gray

KINDS = tuple(support.KIND_FLAGS)


@pytest.mark.points(4)
@pytest.mark.part("A")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "OpenCV stores colour images as B, G, R; check which channel gets which weight.",
    "Half the credit needs an exact match: use OpenCV's 15-bit integer weights and round before "
    "shifting (the README gives the constants).",
)
def test_to_gray_within_one_of_opencv(partial_credit, datasets_dir):
    """to_gray matches cv2.cvtColor(BGR2GRAY): within ±1 for half the credit, exactly for the rest."""
    rng = np.random.default_rng(701)
    images = [("astronaut", support.bundled_color(datasets_dir))]
    for h, w in [(1, 1), (1, 7), (5, 1), (33, 47), (64, 64)]:
        images.append((f"random {h}x{w}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)))
    pure = np.zeros((1, 3, 3), dtype=np.uint8)
    pure[0, 0, 0] = pure[0, 1, 1] = pure[0, 2, 2] = 255  # pure blue, green, red pixels
    images.append(("pure blue/green/red", pure))
    partial_credit.total = 2 * len(images)
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
        partial_credit.check(
            worst == 0,
            f"{name}: {int((got != want).sum())} pixels differ from OpenCV by one level: for an exact match "
            "use the 15-bit weights (R 9798, G 19235, B 3735), add 2**14 and shift right by 15",
        )


@pytest.mark.points(4)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Every one of the 256 levels gets a bin, even the levels no pixel has.",
    "np.bincount with minlength=256, converted to int64.",
)
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
        ok = got.dtype == np.int64 and bool(np.array_equal(got, want))
        partial_credit.check(
            ok, f"{name}: bin counts differ from OpenCV (or are not int64; dtype {got.dtype})"
        )


@pytest.mark.points(8)
@pytest.mark.part("B")
@pytest.mark.visibility("visible")
@pytest.mark.critical("fixed thresholds are bit-exact with OpenCV, as the README promises")
@pytest.mark.hints(
    "Write the five rules of the README's table as five whole-array expressions.",
    "The comparison is strict: a pixel exactly equal to T is not above it. Never change the input array.",
)
def test_threshold_kinds_match_opencv(partial_credit, bundled, datasets_dir):
    """threshold is bit-exact with cv2.threshold for all five kinds on real and synthetic images."""
    rng = np.random.default_rng(703)
    images = bundled + list(support.synthetic(datasets_dir, 703, 140))
    for name, gray in images:
        for kind in KINDS:
            level = int(rng.integers(0, gray.size))
            t = int(gray.ravel()[level]) if level % 2 else int(rng.integers(0, 255))  # often a pixel's value
            maxval = int(rng.choice([255, 1, 200]))
            work = gray.copy()
            got_t, got = threshold(work, t, maxval, kind)
            want_t, want = support.cv_threshold(gray, t, maxval, kind)
            same, why = support.same_image(got, want)
            if not np.array_equal(work, gray):
                same, why = False, "the input image was modified (return a new array, never change the input)"
            elif isinstance(got, np.ndarray) and np.shares_memory(got, work):
                same, why = False, "the result shares memory with the input (return a new array)"
            partial_credit.check(
                same and support.plain_float(got_t) == want_t,
                f"{name}, t={t}, maxval={maxval}, kind={kind!r}: "
                + (why or f"returned t={got_t}, expected {want_t}"),
            )


@pytest.mark.points(6)
@pytest.mark.part("B")
@pytest.mark.hints(
    "For 8-bit images OpenCV turns t and maxval into integers before comparing anything.",
    "T is floor(t) (also for negative t), returned as a float; maxval is rounded half to even and "
    "saturated to 0..255.",
)
def test_threshold_fractional_threshold_and_saturation(partial_credit, bundled, datasets_dir):
    """Fractional thresholds are floored (and returned floored); maxval is rounded and saturated to 0..255."""
    kinds = ("gradient", "noise", "tiny", "constant")
    images = [bundled[0], *support.synthetic(datasets_dir, 704, 10, kinds)]
    cases = [
        (127.5, 255), (127.999, 255), (-0.5, 255), (-1, 255), (254.5, 255), (255, 255), (255.5, 255),
        (300, 255), (-50, 255), (100, 300), (100, -5), (100, 127.5), (100, 128.5), (100, 254.6),
        (100.2, 0), (0.0, 256), (99.9, 1.4), (-1.5, 255), (-0.0001, 255), (126.5, 0.5), (127, 1.5),
        (128, 2.5), (50, 254.5), (50, 255.49), (-300, 255),
        # NumPy scalars are numbers too (a pixel value such as gray[0, 0] is a np.uint8)
        (np.uint8(127), 255), (np.int64(-3), np.int32(300)), (np.float32(99.5), np.float64(128.5)),
    ]  # fmt: skip
    for name, gray in images:
        for t, maxval in cases:
            for kind in KINDS:
                try:
                    got_t, got = threshold(gray.copy(), t, maxval, kind)
                except Exception as exc:  # NumPy scalars must be accepted: a crash is a failed case
                    partial_credit.check(
                        False,
                        f"{name}, t={t!r}, maxval={maxval!r}, kind={kind!r}: raised "
                        f"{type(exc).__name__}: {exc}",
                    )
                    continue
                want_t, want = support.cv_threshold(gray, float(t), float(maxval), kind)
                same, why = support.same_image(got, want)
                partial_credit.check(
                    same and support.plain_float(got_t) == want_t,
                    f"{name}, t={t}, maxval={maxval}, kind={kind!r}: "
                    + (why or f"returned t={got_t}, expected {want_t} (8-bit thresholds are floored)"),
                )


@pytest.mark.points(8)
@pytest.mark.part("C")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Follow the README's loop line by line, in double precision and in bin order.",
    "Class 1 is the pixels <= T; the output is the binary threshold at T with maxval 255.",
)
def test_otsu_matches_opencv(partial_credit, bundled, datasets_dir):
    """otsu returns OpenCV's threshold and image on real photographs and 300 synthetic images."""
    kinds = ("bimodal", "gradient", "noise", "shapes")
    images = bundled + list(support.synthetic(datasets_dir, 705, 300, kinds))
    for name, gray in images:
        got_t, got = otsu(gray.copy())
        want_t, want = support.cv_otsu(gray)
        same, why = support.same_image(got, want)
        partial_credit.check(
            same and support.plain_float(got_t) == want_t,
            f"{name}: " + (why or f"threshold {got_t!r}, expected {want_t} (a float)"),
        )


@pytest.mark.points(6)
@pytest.mark.part("C")
@pytest.mark.hints(
    "When several thresholds give the same variance, only the README's exact order of operations and "
    "a strictly-greater comparison reproduce OpenCV.",
    "Keep OpenCV's FLT_EPSILON guard on nearly empty classes; an invalid image raises ValueError "
    "naming `gray`.",
)
def test_otsu_ties_constant_and_tiny_images(partial_credit, datasets_dir):
    """otsu agrees with OpenCV on histogram ties (lowest threshold wins), constant, 1×1 and 2-level images."""
    support.check_refusals(
        partial_credit,
        [
            ("otsu(uint16 image)", lambda: otsu(np.zeros((4, 4), np.uint16)), ("gray",)),
            ("otsu(empty image)", lambda: otsu(np.zeros((0, 5), np.uint8)), ("gray",)),
            ("otsu(colour image)", lambda: otsu(np.zeros((4, 4, 3), np.uint8)), ("gray",)),
        ],
    )
    rng = np.random.default_rng(708)
    near_empty = np.full(
        2**23 + 7, 90, np.uint8
    )  # one dark pixel in 8 million: its class is under FLT_EPSILON
    near_empty[0] = 10
    near_empty = near_empty.reshape(1, -1)
    exact_eps = np.full((2**11, 2**12), 90, np.uint8)  # q1 = 2**-23 exactly: the guard's strict < and >
    exact_eps[0, 0] = 10
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
        ("one dark pixel in 2**23 + 7", near_empty),
        ("one dark pixel in exactly 2**23: its class weight equals FLT_EPSILON, not below", exact_eps),
        ("three equal spikes", np.array([[20] * 4 + [120] * 4 + [220] * 4], np.uint8)),
        ("random 3x4", rng.integers(0, 256, (3, 4), dtype=np.uint8)),
    ]
    images += list(support.synthetic(datasets_dir, 706, 200, ("ties",)))
    images += list(support.synthetic(datasets_dir, 707, 40, ("constant", "tiny")))
    for name, gray in images:
        got_t, got = otsu(gray.copy())
        want_t, want = support.cv_otsu(gray)
        same, why = support.same_image(got, want)
        partial_credit.check(
            same and support.plain_float(got_t) == want_t,
            f"{name}: "
            + (why or f"threshold {got_t!r}, expected {want_t} (see the README on ties and rounding)"),
        )


@pytest.mark.points(1)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Check the input before computing anything, and say which argument is wrong.",
    "to_gray wants a non-empty uint8 (H, W, 3) array `bgr`; histogram a non-empty 2-D uint8 `gray`.",
)
def test_color_rejects_invalid_input(partial_credit):
    """to_gray and histogram refuse wrong dtypes, shapes and empty images with a ValueError naming the argument."""
    gray = np.zeros((8, 8), np.uint8)
    bgr = np.zeros((8, 8, 3), np.uint8)
    support.check_refusals(
        partial_credit,
        [
            ("to_gray(grey 2-D image)", lambda: to_gray(gray), ("bgr",)),
            ("to_gray(4-channel image)", lambda: to_gray(np.zeros((4, 4, 4), np.uint8)), ("bgr",)),
            ("to_gray(float image)", lambda: to_gray(bgr.astype(np.float32)), ("bgr",)),
            ("to_gray(empty image)", lambda: to_gray(np.zeros((0, 4, 3), np.uint8)), ("bgr",)),
            ("to_gray(a list)", lambda: to_gray([[[0, 0, 0]]]), ("bgr",)),
            ("histogram(float image)", lambda: histogram(gray.astype(np.float64)), ("gray",)),
            ("histogram(colour image)", lambda: histogram(bgr), ("gray",)),
            ("histogram(empty image)", lambda: histogram(np.zeros((3, 0), np.uint8)), ("gray",)),
        ],
    )


@pytest.mark.points(1)
@pytest.mark.part("B")
@pytest.mark.hints(
    "Each wrong argument gets its own clear ValueError that names it.",
    "t and maxval must be finite real numbers (not bool, not str); kind one of the five names.",
)
def test_threshold_rejects_invalid_input(partial_credit):
    """threshold refuses a bad image, non-finite or non-numeric t/maxval and unknown kinds, naming the argument."""
    gray = np.zeros((8, 8), np.uint8)
    support.check_refusals(
        partial_credit,
        [
            ("threshold(float image)", lambda: threshold(gray.astype(np.float32), 10), ("gray",)),
            ("threshold(colour image)", lambda: threshold(np.zeros((8, 8, 3), np.uint8), 10), ("gray",)),
            ("threshold(kind='otsu')", lambda: threshold(gray, 10, kind="otsu"), ("kind",)),
            ("threshold(kind='BINARY')", lambda: threshold(gray, 10, kind="BINARY"), ("kind",)),
            ("threshold(t=nan)", lambda: threshold(gray, float("nan")), ("t",)),
            ("threshold(t=inf)", lambda: threshold(gray, float("inf")), ("t",)),
            ("threshold(t='5')", lambda: threshold(gray, "5"), ("t",)),
            ("threshold(t=True)", lambda: threshold(gray, True), ("t",)),
            ("threshold(maxval=nan)", lambda: threshold(gray, 5, float("nan")), ("maxval",)),
            ("threshold(maxval=None)", lambda: threshold(gray, 5, None), ("maxval",)),
        ],
    )
