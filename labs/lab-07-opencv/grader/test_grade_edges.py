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
def test_sobel_replicate_border_and_magnitude(partial_credit, bundled, datasets_dir):
    """sobel(border="replicate") matches BORDER_REPLICATE; gradient_magnitude gives L2 or L1 (|gx|+|gy|)."""
    images = [(name, gray[100:220, 50:230]) for name, gray in bundled]
    images += list(support.synthetic(datasets_dir, 722, 10, ("shapes", "tiny")))
    for name, gray in images:
        for ksize in (3, 5):
            want = support.cv_sobel(gray, 1, 0, ksize, cv2.BORDER_REPLICATE)
            ok, why = _close(sobel(gray.copy(), 1, 0, ksize, border="replicate"), want)
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
    for name, mag, gx, gy in cases:
        got = non_max_suppression(mag.copy(), gx.copy(), gy.copy())
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


@pytest.mark.points(8)
def test_canny_f1_against_opencv(partial_credit, bundled, datasets_dir):
    """canny finds the same edges as cv2.Canny: pixel F1 >= 0.9 on photographs and synthetic images."""
    cases = [
        (name, gray, low, high, False) for name, gray in bundled for low, high in ((50, 150), (100, 200))
    ]
    cases += [(name, gray, 30, 90, True) for name, gray in bundled[:2]]
    rng = np.random.default_rng(724)
    for name, gray in support.synthetic(datasets_dir, 724, 40, ("shapes", "bimodal", "gradient", "noise")):
        low = float(rng.uniform(10, 120))
        cases.append((name, gray, low, low * float(rng.uniform(1.5, 3)), False))
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
        f1 = support.edge_f1(got, want)
        partial_credit.check(
            f1 >= 0.9,
            f"{name}, low={low:.1f}, high={high:.1f}, l2={l2}: F1 {f1:.3f} < 0.9 "
            f"({int((got > 0).sum())} edge pixels, OpenCV {int((want > 0).sum())})",
        )


@pytest.mark.points(2)
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
    want = support.cv_canny(ramp, 60, 400)
    got = canny(ramp.copy(), 60, 400)
    f1 = support.edge_f1(np.asarray(got), want) if isinstance(got, np.ndarray) else 0.0
    partial_credit.check(
        f1 >= 0.9,
        f"fading step edge, low=60, high=400: F1 {f1:.3f}; keep weak pixels 8-connected to a strong one "
        "(hysteresis)",
    )
