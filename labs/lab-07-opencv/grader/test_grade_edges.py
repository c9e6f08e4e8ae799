"""Graders: Sobel derivatives, gradient magnitude, non-maximum suppression and Canny."""

from __future__ import annotations

import cv2
import lab07_support as support
import numpy as np
import pytest
from vision import canny, gradient_magnitude, non_max_suppression, sobel

ORDERS = ((1, 0), (0, 1), (1, 1), (2, 0), (0, 2), (2, 1), (1, 2))


def _close(got: object, want: np.ndarray) -> tuple[bool, str]:
    if not isinstance(got, np.ndarray):
        return False, f"returned {type(got).__name__}, expected a NumPy array"
    got = np.asarray(got).view(np.ndarray)
    if got.shape != want.shape:
        return False, f"shape {got.shape}, expected {want.shape}"
    if got.dtype != np.float64:
        return False, f"dtype {got.dtype}, expected float64"
    bad = np.argwhere(~np.isclose(got, want, rtol=1e-9, atol=1e-9))
    if bad.size:
        r, c = (int(v) for v in bad[0])
        return (
            False,
            f"{len(bad)} values differ, first at (row {r}, col {c}): got {got[r, c]}, expected {want[r, c]}",
        )
    return True, ""


@pytest.mark.points(6)
@pytest.mark.part("E")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Build the 1-D kernels from the binomial row and [-1, 1], then apply them as a correlation.",
    "A brightness rising to the right must give a positive x-derivative; reflect-101 does not repeat "
    "the edge pixel; ksize=1 still uses 3-tap derivative kernels.",
)
def test_sobel_matches_opencv(partial_credit, bundled, datasets_dir):
    """sobel equals cv2.Sobel(gray, CV_64F, dx, dy, ksize) for ksize 1/3/5/7 (default border reflect-101)."""
    images = [(name, gray[:160, :200]) for name, gray in bundled]
    images += list(support.synthetic(datasets_dir, 721, 40, ("shapes", "noise", "gradient", "tiny")))
    for i, (name, gray) in enumerate(images):
        for ksize in (1, 3, 5, 7):
            for dx, dy in ORDERS[i % 3 :: 3]:
                ok, why = _close(sobel(gray.copy(), dx, dy, ksize), support.cv_sobel(gray, dx, dy, ksize))
                partial_credit.check(ok, f"{name} {gray.shape}, dx={dx}, dy={dy}, ksize={ksize}: {why}")


@pytest.mark.points(3)
@pytest.mark.part("E")
@pytest.mark.hints(
    "border='replicate' repeats the edge pixel (np.pad mode 'edge').",
    "L2 is sqrt(gx² + gy²); L1 (l2=False) is |gx| + |gy|.",
)
def test_sobel_replicate_border_and_magnitude(partial_credit, bundled, datasets_dir):
    """sobel(border="replicate") matches BORDER_REPLICATE; gradient_magnitude gives L2 or L1 (|gx|+|gy|)."""
    images = [(name, gray[100:220, 50:230]) for name, gray in bundled]
    images += list(support.synthetic(datasets_dir, 722, 10, ("shapes", "tiny")))
    for name, gray in images:
        for ksize in (3, 5):
            got = sobel(gray.copy(), 1, 0, ksize, border="replicate")
            ok, why = _close(got, support.cv_sobel(gray, 1, 0, ksize, cv2.BORDER_REPLICATE))
            partial_credit.check(ok, f"{name}, dx=1, ksize={ksize}, border='replicate': {why}")
        gx, gy = support.cv_sobel(gray, 1, 0, 3), support.cv_sobel(gray, 0, 1, 3)
        ok, why = _close(gradient_magnitude(gx.copy(), gy.copy()), support.cv("magnitude")(gx, gy))
        partial_credit.check(ok, f"{name}: L2 magnitude: {why}")
        ok, why = _close(gradient_magnitude(gx.copy(), gy.copy(), l2=False), np.abs(gx) + np.abs(gy))
        partial_credit.check(ok, f"{name}: L1 magnitude (l2=False): {why}")


def _nms_oracle(mag: np.ndarray, gx: np.ndarray, gy: np.ndarray, tan22: float) -> np.ndarray:
    p = np.pad(mag, 1)
    m = p[1:-1, 1:-1]
    a, b = np.abs(gx), np.abs(gy)
    horizontal = b < tan22 * a
    vertical = ~horizontal & (b > (tan22 + 2) * a)
    diagonal = ~horizontal & ~vertical
    same = (gx < 0) == (gy < 0)
    keep = horizontal & (m > p[1:-1, :-2]) & (m >= p[1:-1, 2:])
    keep |= vertical & (m > p[:-2, 1:-1]) & (m >= p[2:, 1:-1])
    keep |= diagonal & same & (m > p[:-2, :-2]) & (m > p[2:, 2:])
    keep |= diagonal & ~same & (m > p[:-2, 2:]) & (m > p[2:, :-2])
    return np.where(keep, mag, 0.0)


@pytest.mark.points(5)
@pytest.mark.part("G")
@pytest.mark.hints(
    "Sort each pixel's gradient into one of four sectors with the README's tan 22.5° and tan 67.5° tests.",
    "Horizontal and vertical sectors use > on one side and >= on the other, diagonals > on both; a zero "
    "gradient component counts as positive; outside the image is 0.",
)
def test_non_max_suppression_thins_edges(partial_credit, bundled, datasets_dir):
    """non_max_suppression keeps exactly the maxima across the edge (the README's 4-sector rule, ties too)."""
    rng = np.random.default_rng(723)
    cases: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
    for name, gray in [
        *bundled[:3],
        *support.synthetic(datasets_dir, 723, 12, ("shapes", "bimodal", "tiny")),
    ]:
        gx, gy = support.cv_sobel(gray, 1, 0, 3), support.cv_sobel(gray, 0, 1, 3)
        cases.append((f"{name} L1", np.abs(gx) + np.abs(gy), gx, gy))
    for k in range(8):  # random real-valued gradients, including exact ties in magnitude
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        gx, gy = rng.normal(0, 50, (h, w)), rng.normal(0, 50, (h, w))
        mag = np.round(np.hypot(gx, gy) / 20) * 20 if k % 2 else np.hypot(gx, gy)
        cases.append((f"random {h}x{w}" + (" with ties" if k % 2 else ""), mag, gx, gy))
    cases.append(("horizontal plateau", np.array([[0.0, 5, 5, 5, 0]]), np.ones((1, 5)), np.zeros((1, 5))))
    cases.append(("vertical plateau", np.array([[0.0], [5], [5], [0]]), np.zeros((4, 1)), np.ones((4, 1))))
    cases.append(("flat plateau", np.full((1, 5), 5.0), np.ones((1, 5)), np.zeros((1, 5))))
    diag = np.array([[9.0, 0, 0], [0, 9, 0], [0, 0, 9]])
    cases.append(("diagonal, same signs", diag, np.ones((3, 3)), np.ones((3, 3))))
    cases.append(("diagonal, opposite signs", diag, np.ones((3, 3)), -np.ones((3, 3))))
    cases.append(
        ("zero gradients: the same-sign diagonal", diag[::-1].copy(), np.zeros((3, 3)), np.zeros((3, 3)))
    )
    slope = np.array([[1.0, 0.0, 0.0]]) * np.ones((3, 1))
    cases.append(("gy = 2.0 gx, just inside the diagonal sector", diag, slope + 1, 2.0 * (slope + 1)))
    cases.append(("gy = 2.5 gx, inside the vertical sector", diag, slope + 1, 2.5 * (slope + 1)))
    cases.append(("gy = 0.4 gx, inside the horizontal sector", diag, slope + 1, 0.4 * (slope + 1)))
    cases.append(
        (
            "gy/gx exactly 13573/32768: on the border, b < tan22.5·a is false, so the diagonal sector",
            diag,
            np.full((3, 3), 32768.0),
            np.full((3, 3), 13573.0),
        )
    )
    for name, mag, gx, gy in cases:
        args = (mag.copy(), gx.copy(), gy.copy())
        got = non_max_suppression(*args)
        if not all(np.array_equal(a, b) for a, b in zip(args, (mag, gx, gy), strict=True)):
            partial_credit.check(
                False, f"{name}: non_max_suppression changed its input arrays (return a new array)"
            )
            continue
        exact, rounded = _nms_oracle(mag, gx, gy, 13573 / 32768), _nms_oracle(mag, gx, gy, np.sqrt(2) - 1)
        if not isinstance(got, np.ndarray) or got.shape != mag.shape:
            partial_credit.check(False, f"{name}: expected an array of shape {mag.shape}")
            continue
        got = np.asarray(got).view(np.ndarray).astype(np.float64)
        ok = (got == exact) | (got == rounded)  # either tan(22.5°) constant is accepted at sector borders
        bad = np.argwhere(~ok)
        why = ""
        if bad.size:
            r, c = (int(v) for v in bad[0])
            why = (
                f": {len(bad)} pixels wrong, first at (row {r}, col {c}): got {got[r, c]}, expected "
                f"{exact[r, c]} (magnitude {mag[r, c]}, gx {gx[r, c]:.3f}, gy {gy[r, c]:.3f})"
            )
        partial_credit.check(not bad.size, f"{name}{why}")


@pytest.mark.points(7)
@pytest.mark.part("G")
@pytest.mark.visibility("visible")
@pytest.mark.critical("Canny edges are exactly OpenCV's when the README's steps are followed")
@pytest.mark.hints(
    "Follow the README's four steps exactly: replicate border, L1 magnitude, NMS, hysteresis.",
    "The thresholds are floored, compared strictly (>), swapped when low > high, squared for L2; "
    "weak pixels join through 8-connected chains.",
)
def test_canny_matches_opencv_exactly(partial_credit, bundled, datasets_dir):
    """canny finds exactly cv2.Canny's edges on photographs and synthetic images (the README's steps are exact)."""
    cases = [
        (name, gray, low, high, False) for name, gray in bundled for low, high in ((50, 150), (100, 200))
    ]
    cases += [(name, gray, 30, 90, True) for name, gray in bundled[:2]]
    rng = np.random.default_rng(724)
    for name, gray in support.synthetic(datasets_dir, 724, 40, ("shapes", "bimodal", "gradient", "noise")):
        low = float(rng.uniform(10, 120))
        cases.append((name, gray, low, low * float(rng.uniform(1.5, 3)), False))
    # Thresholds exactly at magnitudes that occur (L1 magnitudes of a 3x3 Sobel are integers), fractional
    # thresholds just above them, and L2 cases: strict comparisons and flooring decide these pixels.
    for name, gray in bundled[:3]:
        crop = gray[:120, :160]
        cases += [
            (f"{name} crop", crop, 100.0, 200.0, False),
            (f"{name} crop", crop, 100.5, 200.9, False),
            (f"{name} crop", crop, 64.0, 128.0, True),
            (f"{name} crop", crop, 64.7, 128.2, True),
        ]
    for name, gray, low, high, l2 in cases:
        got = canny(gray.copy(), low, high, l2)
        want = support.cv_canny(gray, low, high, l2)
        if not isinstance(got, np.ndarray) or got.shape != want.shape or got.dtype != np.uint8:
            partial_credit.check(False, f"{name}: expected a uint8 array of shape {want.shape}")
            continue
        got = np.asarray(got).view(np.ndarray)
        if not np.isin(got, (0, 255)).all():
            partial_credit.check(False, f"{name}: edge maps hold only 0 and 255")
            continue
        same, why = support.same_image(got, want)
        partial_credit.check(
            same,
            f"{name}, low={low}, high={high}, l2={l2}: {why} "
            f"({int((got > 0).sum())} edge pixels, OpenCV {int((want > 0).sum())}; F1 "
            f"{support.edge_f1(got, want):.3f})",
        )


@pytest.mark.points(2)
@pytest.mark.part("G")
@pytest.mark.hints(
    "Try canny(img, 150, 50) against canny(img, 50, 150), and a constant image.",
    "A weak edge pixel is kept only when a chain of weak pixels connects it to a strong one.",
)
def test_canny_thresholds_and_flat_images(partial_credit, bundled):
    """canny swaps low > high like OpenCV, finds no edges on flat images, keeps weak edges by hysteresis."""
    camera = bundled[0][1]
    got_swapped = canny(camera.copy(), 150, 50)
    got = canny(camera.copy(), 50, 150)
    partial_credit.check(
        isinstance(got, np.ndarray) and bool(np.array_equal(got_swapped, got)),
        "canny(low=150, high=50) differs from canny(50, 150): swap thresholds given in the wrong order",
    )
    for value in (0, 128, 255):
        flat = canny(np.full((20, 30), value, np.uint8), 10, 20)
        partial_credit.check(
            isinstance(flat, np.ndarray) and flat.shape == (20, 30) and not np.asarray(flat).any(),
            f"a constant image ({value}) has no edges",
        )
    # A step edge whose strength fades: only hysteresis keeps the weak part connected to the strong one.
    ramp = np.zeros((40, 60), np.uint8)
    ramp[:, 30:] = np.linspace(250, 40, 40).astype(np.uint8)[:, None]
    got = canny(ramp.copy(), 60, 400)
    want = support.cv_canny(ramp, 60, 400)
    same, why = support.same_image(got, want)
    partial_credit.check(
        same,
        f"fading step edge, low=60, high=400: {why}; keep weak pixels 8-connected to a strong one "
        "(hysteresis)",
    )
    # A diagonal line whose weak part touches the strong part only corner to corner: 8-connectivity.
    line = np.zeros((30, 30), np.uint8)
    for k in range(30):
        line[k, k:] = 200 if k < 15 else 90
    got = canny(line.copy(), 100, 500)
    want = support.cv_canny(line, 100, 500)
    same, why = support.same_image(got, want)
    partial_credit.check(same, f"diagonal step fading from strong to weak, low=100, high=500: {why}")
    # A negative low threshold: every NMS survivor is a candidate, but suppressed pixels never are.
    blurred = support.cv("GaussianBlur")(
        np.random.default_rng(724).integers(0, 256, (40, 50), dtype=np.uint8), (5, 5), 0
    )
    for low, high, l2 in ((-5, 60, False), (-0.5, 40, True)):
        got = canny(blurred.copy(), low, high, l2)
        want = support.cv_canny(blurred, low, high, l2)
        same, why = support.same_image(got, want)
        partial_credit.check(
            same,
            f"blurred noise, low={low} (negative), high={high}, l2={l2}: {why}; only pixels that survive "
            "non-maximum suppression can become edges",
        )


@pytest.mark.points(1)
@pytest.mark.part("E")
@pytest.mark.hints(
    "Each wrong argument raises ValueError with a message that names it.",
    "ksize in 1, 3, 5, 7; dx and dy in 0, 1, 2 with dx + dy > 0; border 'reflect101' or 'replicate'; "
    "gx and gy non-empty 2-D real arrays of one shape.",
)
def test_sobel_rejects_invalid_input(partial_credit):
    """sobel and gradient_magnitude refuse bad kernels, orders, borders and arrays, naming the argument."""
    gray = np.zeros((8, 8), np.uint8)
    g = np.zeros((3, 3))
    support.check_refusals(
        partial_credit,
        [
            ("sobel(ksize=4)", lambda: sobel(gray, 1, 0, ksize=4), ("ksize",)),
            ("sobel(ksize=True)", lambda: sobel(gray, 1, 0, ksize=True), ("ksize",)),
            ("sobel(dx=0, dy=0)", lambda: sobel(gray, 0, 0), ("dx", "dy")),
            ("sobel(dx=3)", lambda: sobel(gray, 3, 0, ksize=3), ("dx",)),
            ("sobel(dy=-1)", lambda: sobel(gray, 1, -1), ("dy",)),
            ("sobel(border='wrap')", lambda: sobel(gray, 1, 0, border="wrap"), ("border",)),
            ("sobel(float image)", lambda: sobel(gray.astype(np.float64), 1, 0), ("gray",)),
            (
                "gradient_magnitude(shapes differ)",
                lambda: gradient_magnitude(g, np.zeros((3, 4))),
                ("gx", "gy"),
            ),
            ("gradient_magnitude(1-D gx)", lambda: gradient_magnitude(np.zeros(3), np.zeros(3)), ("gx",)),
            ("gradient_magnitude(complex gy)", lambda: gradient_magnitude(g, g.astype(complex)), ("gy",)),
            (
                "gradient_magnitude(bool gx: booleans are not numbers here)",
                lambda: gradient_magnitude(g.astype(bool), g),
                ("gx",),
            ),
            (
                "gradient_magnitude(empty)",
                lambda: gradient_magnitude(np.zeros((0, 3)), np.zeros((0, 3))),
                ("gx",),
            ),
        ],
    )


@pytest.mark.points(1)
@pytest.mark.part("G")
@pytest.mark.hints(
    "Validate the inputs of non_max_suppression and canny before computing, naming what is wrong.",
    "magnitude, gx and gy must share one shape; canny needs a 2-D uint8 `gray` and finite `low`/`high`.",
)
def test_canny_rejects_invalid_input(partial_credit):
    """non_max_suppression and canny refuse mismatched arrays, bad images and thresholds, naming the argument."""
    g = np.zeros((3, 3))
    gray = np.zeros((8, 8), np.uint8)
    support.check_refusals(
        partial_credit,
        [
            (
                "non_max_suppression(magnitude of another shape)",
                lambda: non_max_suppression(np.zeros((4, 3)), g, g),
                ("magnitude",),
            ),
            (
                "non_max_suppression(gy of another shape)",
                lambda: non_max_suppression(g, g, np.zeros((4, 3))),
                ("gx", "gy"),
            ),
            ("canny(colour image)", lambda: canny(np.zeros((8, 8, 3), np.uint8), 10, 20), ("gray",)),
            ("canny(low=nan)", lambda: canny(gray, float("nan"), 20), ("low",)),
            ("canny(high=inf)", lambda: canny(gray, 10, float("inf")), ("high",)),
            ("canny(high='20')", lambda: canny(gray, 10, "20"), ("high",)),
        ],
    )
