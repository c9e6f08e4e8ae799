"""Shared helpers of the lab-07 graders: images, OpenCV oracles and the "no OpenCV shortcuts" guard.

OpenCV is the oracle here, never the learner's tool: while the learner's package runs, its image
processing functions raise. Oracle calls go through the originals saved below.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np

# ----------------------------------------------------------------------------------------------
# The guard: OpenCV's processing functions refuse to run when called from the learner's package.
# ----------------------------------------------------------------------------------------------
GUARDED = (
    "threshold",
    "adaptiveThreshold",
    "Canny",
    "Sobel",
    "Scharr",
    "Laplacian",
    "cvtColor",
    "calcHist",
    "connectedComponents",
    "connectedComponentsWithStats",
    "connectedComponentsWithAlgorithm",
    "connectedComponentsWithStatsWithAlgorithm",
    "boxFilter",
    "blur",
    "GaussianBlur",
    "filter2D",
    "sepFilter2D",
    "integral",
    "integral2",
    "integral3",
    "magnitude",
    "cartToPolar",
    "phase",
    "equalizeHist",
    "sqrBoxFilter",
    "medianBlur",
    "spatialGradient",
    "findContours",
    "getGaussianKernel",
    "getDerivKernels",
)
ORIGINAL: dict[str, Callable[..., Any]] = {}


def _guard(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "vision" or caller.startswith("vision."):
            raise RuntimeError(
                f"cv2.{name} was called from {caller}: this lab rebuilds these operations with NumPy, "
                "so OpenCV may only be used for file I/O (cv2.imread / cv2.imwrite)"
            )
        return original(*args, **kwargs)

    return guarded


def install_guard() -> None:
    for name in GUARDED:
        original = getattr(cv2, name, None)
        if original is not None and name not in ORIGINAL:
            ORIGINAL[name] = original
            setattr(cv2, name, _guard(name, original))


install_guard()


def cv(name: str) -> Callable[..., Any]:
    """The unguarded OpenCV function `name` (for oracles)."""
    return ORIGINAL.get(name) or getattr(cv2, name)


# ----------------------------------------------------------------------------------------------
# Oracles
# ----------------------------------------------------------------------------------------------
KIND_FLAGS = {
    "binary": cv2.THRESH_BINARY,
    "binary_inv": cv2.THRESH_BINARY_INV,
    "trunc": cv2.THRESH_TRUNC,
    "tozero": cv2.THRESH_TOZERO,
    "tozero_inv": cv2.THRESH_TOZERO_INV,
}


def cv_threshold(gray: np.ndarray, t: float, maxval: float, kind: str) -> tuple[float, np.ndarray]:
    return cv("threshold")(gray, t, maxval, KIND_FLAGS[kind])


def cv_otsu(gray: np.ndarray) -> tuple[float, np.ndarray]:
    """OpenCV's portable Otsu. Intel IPP, when OpenCV dispatches to it, breaks some exact ties
    differently; the lab specifies the portable algorithm, so IPP is switched off for this call."""
    use_ipp = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    try:
        return cv("threshold")(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    finally:
        cv2.ipp.setUseIPP(use_ipp)


def cv_adaptive(
    gray: np.ndarray, block: int, c: float, method: str, maxval: float, inverse: bool
) -> np.ndarray:
    flag = cv2.ADAPTIVE_THRESH_MEAN_C if method == "mean" else cv2.ADAPTIVE_THRESH_GAUSSIAN_C
    kind = cv2.THRESH_BINARY_INV if inverse else cv2.THRESH_BINARY
    return cv("adaptiveThreshold")(gray, maxval, flag, kind, block, c)


def cv_sobel(
    gray: np.ndarray, dx: int, dy: int, ksize: int, border: int = cv2.BORDER_REFLECT_101
) -> np.ndarray:
    return cv("Sobel")(gray, cv2.CV_64F, dx, dy, ksize=ksize, borderType=border)


def cv_canny(gray: np.ndarray, low: float, high: float, l2: bool = False) -> np.ndarray:
    return cv("Canny")(gray, low, high, L2gradient=l2)


def cv_components(binary: np.ndarray, connectivity: int) -> tuple[int, np.ndarray]:
    return cv("connectedComponents")(binary.astype(np.uint8), connectivity=connectivity)


def cv_gray(bgr: np.ndarray) -> np.ndarray:
    return cv("cvtColor")(bgr, cv2.COLOR_BGR2GRAY)


# ----------------------------------------------------------------------------------------------
# Images
# ----------------------------------------------------------------------------------------------
BUNDLED = ("camera", "coins", "text", "astronaut", "brick")


def bundled_gray(datasets_dir: Path) -> list[tuple[str, np.ndarray]]:
    """The real photographs of datasets/images as grey uint8 arrays."""
    out = []
    for name in BUNDLED:
        image = cv2.imread(str(datasets_dir / "images" / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
        assert image is not None, f"missing dataset image {name}.png"
        out.append((name, image))
    return out


def bundled_color(datasets_dir: Path) -> np.ndarray:
    image = cv2.imread(str(datasets_dir / "images" / "astronaut.png"), cv2.IMREAD_COLOR)
    assert image is not None, "missing dataset image astronaut.png"
    return image


_GENERATOR: ModuleType | None = None


def generator(datasets_dir: Path) -> ModuleType:
    """datasets/images/generate.py, imported by path (it is not a package)."""
    global _GENERATOR
    if _GENERATOR is None:
        path = datasets_dir / "images" / "generate.py"
        spec = importlib.util.spec_from_file_location("lab07_image_generator", path)
        assert spec is not None and spec.loader is not None, f"cannot import {path}"
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _GENERATOR = module
    return _GENERATOR


def synthetic(
    datasets_dir: Path, seed: int, count: int, kinds: tuple[str, ...] = ()
) -> Iterator[tuple[str, np.ndarray]]:
    yield from generator(datasets_dir).synthetic_images(seed, count, kinds)


# ----------------------------------------------------------------------------------------------
# Checking learner results without trusting them
# ----------------------------------------------------------------------------------------------
def as_image(value: object, what: str) -> np.ndarray:
    """A learner result as a real ndarray (never a subclass with a lying __eq__)."""
    assert isinstance(value, np.ndarray), f"{what} must return a NumPy array, got {type(value).__name__}"
    return np.asarray(value).view(np.ndarray)


def same_image(got: object, want: np.ndarray) -> tuple[bool, str]:
    """(equal?, short description of the first difference) for uint8 images."""
    if not isinstance(got, np.ndarray):
        return False, f"returned {type(got).__name__}, expected a NumPy array"
    got = np.asarray(got).view(np.ndarray)
    if got.shape != want.shape:
        return False, f"shape {got.shape}, expected {want.shape}"
    if got.dtype != want.dtype:
        return False, f"dtype {got.dtype}, expected {want.dtype}"
    diff = np.argwhere(got != want)
    if diff.size:
        r, c = (int(v) for v in diff[0])
        return False, (
            f"{len(diff)} pixels differ, first at (row {r}, col {c}): got {got[r, c]}, expected {want[r, c]}"
        )
    return True, ""


def timed(fn: Callable[[], object], repeat: int) -> float:
    """The best of `repeat` wall-clock timings (robust against a busy machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def edge_f1(got: np.ndarray, want: np.ndarray) -> float:
    """Pixel-wise F1 of two edge maps (1.0 when both are empty)."""
    g, w = got > 0, want > 0
    denominator = int(g.sum() + w.sum())
    return 1.0 if denominator == 0 else 2.0 * int((g & w).sum()) / denominator


def same_partition(labels: np.ndarray, count: int, want: np.ndarray) -> bool:
    """Do two label images describe the same regions (up to renumbering), with 0 as background?"""
    if labels.shape != want.shape or ((labels == 0) != (want == 0)).any():
        return False
    fg = want != 0
    mine, theirs = labels[fg].astype(np.int64), want[fg].astype(np.int64)
    if not np.array_equal(np.unique(mine), np.arange(1, count)):
        return False  # the components must be numbered 1..count-1
    pairs = np.unique(np.stack([mine, theirs]), axis=1)
    # A bijection between the labels: each label pairs with exactly one label on the other side.
    return len(np.unique(pairs[0])) == pairs.shape[1] == len(np.unique(pairs[1]))


def plain_float(value: object) -> float | None:
    """`value` as a float if it is a real Python or NumPy float (no subclass that could lie), else None."""
    if type(value) is float or type(value) in (np.float64, np.float32):
        return float(value)  # type: ignore[arg-type]
    return None


def plain_int(value: object) -> int | None:
    """`value` as an int if it is a real Python or NumPy integer (no lying subclass), else None."""
    if type(value) is int or (type(value).__module__ == "numpy" and isinstance(value, np.integer)):
        return int(value)  # type: ignore[call-overload]
    return None


def refusal(
    call: Callable[[], object], names: tuple[str, ...], kind: type[BaseException] = ValueError
) -> str | None:
    """None when `call()` raises `kind` with a message naming one of `names`; else what happened instead."""
    try:
        call()
    except kind as exc:
        message = str(exc)
        if any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w(])", message) for name in names):
            return None
        return f"raised {kind.__name__} but its message {message[:120]!r} does not name {' or '.join(names)}"
    except Exception as exc:  # an incidental error from NumPy or Python is not validation
        return f"raised {type(exc).__name__}: {str(exc)[:120]} instead of {kind.__name__}"
    return "returned normally"


def check_refusals(credit: Any, cases: list[tuple[str, Callable[[], object], tuple[str, ...]]]) -> None:
    """One partial-credit case per (label, call, names the ValueError message must mention)."""
    for label, call, names in cases:
        outcome = refusal(call, names)
        credit.check(
            outcome is None,
            f"{label} must raise ValueError with a message naming {' or '.join(names)}; it {outcome}",
        )
