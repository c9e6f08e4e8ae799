"""Seeded synthetic grey images for the thresholding and edge labs.

Every image comes from a `numpy.random.Generator` seeded by the caller, so the same seed always gives
the same pixels. Graders import this module and generate hundreds of images in memory; running it as a
script writes the small sample PNGs committed next to it:

    python datasets/images/generate.py            # rewrites the synthetic_*.png samples

Only NumPy and OpenCV (for drawing text and writing PNGs) are needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
WORDS = (
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "pale",
    "light",
    "falls",
    "across",
    "the",
    "page",
    "edges",
    "and",
    "thresholds",
    "decide",
    "which",
    "pixels",
    "are",
    "ink",
    "and",
    "which",
    "are",
    "paper",
)


def _u8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _size(rng: np.random.Generator, low: int = 8, high: int = 160) -> tuple[int, int]:
    return int(rng.integers(low, high)), int(rng.integers(low, high))


def bimodal(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Two Gaussian populations (objects on a background): the textbook case for Otsu."""
    h, w = shape or _size(rng)
    dark, light = sorted(rng.uniform(20, 235, size=2))
    spread = rng.uniform(3, 30, size=2)
    yy, xx = np.mgrid[:h, :w]
    objects = np.zeros((h, w), dtype=bool)
    for _ in range(int(rng.integers(1, 6))):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(2, max(3, min(h, w) / 3))
        objects |= (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    values = np.where(objects, rng.normal(light, spread[1], (h, w)), rng.normal(dark, spread[0], (h, w)))
    return _u8(values)


def gradient(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A linear or radial ramp, sometimes with noise: smooth images with many tied grey levels."""
    h, w = shape or _size(rng)
    yy, xx = np.mgrid[:h, :w].astype(np.float64)
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(angle) * xx + np.sin(angle) * yy
    else:
        ramp = np.hypot(yy - rng.uniform(0, h), xx - rng.uniform(0, w))
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-9)
    lo, hi = sorted(rng.uniform(0, 255, size=2))
    noise = rng.normal(0, rng.choice([0.0, 2.0, 8.0]), (h, w))
    return _u8(lo + (hi - lo) * ramp + noise)


def noise(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Uniform random grey levels."""
    h, w = shape or _size(rng)
    return rng.integers(0, 256, (h, w), dtype=np.uint8)


def shapes(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Flat rectangles, discs and lines on a flat background: sharp edges, many connected regions."""
    h, w = shape or _size(rng, 24, 200)
    image = np.full((h, w), int(rng.integers(0, 256)), dtype=np.uint8)
    for _ in range(int(rng.integers(1, 12))):
        colour = int(rng.integers(0, 256))
        x0, x1 = sorted(int(v) for v in rng.integers(0, w, 2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, h, 2))
        kind = rng.integers(0, 3)
        if kind == 0:
            cv2.rectangle(image, (x0, y0), (x1, y1), colour, -1)
        elif kind == 1:
            cv2.circle(image, (x0, y0), int(rng.integers(1, max(2, min(h, w) // 3))), colour, -1)
        else:
            cv2.line(image, (x0, y0), (x1, y1), colour, int(rng.integers(1, 4)))
    return image


def ties(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A few grey levels with equal pixel counts, often placed symmetrically (v and 255 − v).

    Many thresholds then give exactly or nearly the same Otsu between-class variance, so only the
    exact tie-breaking rule picks OpenCV's answer.
    """
    k = int(rng.integers(1, 4))
    levels = rng.choice(256, size=k, replace=False)
    if rng.random() < 0.6:
        levels = np.concatenate([levels, 255 - levels])
    levels = np.unique(levels)
    repeat = int(rng.integers(1, 40))
    flat = np.repeat(levels, repeat)
    rng.shuffle(flat)
    rows = int(rng.choice([d for d in range(1, flat.size + 1) if flat.size % d == 0]))
    return flat.reshape(rows, -1).astype(np.uint8)


def constant(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Every pixel the same (including the extremes 0 and 255)."""
    h, w = shape or _size(rng, 1, 40)
    value = int(rng.choice([0, 255, int(rng.integers(0, 256))]))
    return np.full((h, w), value, dtype=np.uint8)


def tiny(rng: np.random.Generator, shape: tuple[int, int] | None = None) -> np.ndarray:
    """1×1, 1×n, n×1 and 2×2-ish images: borders everywhere."""
    h, w = (
        shape
        or [(1, 1), (1, int(rng.integers(2, 9))), (int(rng.integers(2, 9)), 1), (2, 2), (3, 2)][
            int(rng.integers(0, 5))
        ]
    )
    return rng.integers(0, 256, (h, w), dtype=np.uint8)


def document(rng: np.random.Generator, shape: tuple[int, int] = (360, 480)) -> tuple[np.ndarray, np.ndarray]:
    """A page of dark text lit unevenly (a bright corner, a soft shadow, a paper gradient), with noise.

    Returns:
        (page, ink): the uint8 grey page and the boolean mask of the pixels where text was drawn.
    """
    h, w = shape
    ink = np.zeros((h, w), dtype=np.uint8)
    scale = max(0.4, h / 720)
    line_height = int(34 * scale)
    y = line_height
    while y < h - line_height // 2:
        x = int(rng.integers(8, 30))
        while True:
            word = str(rng.choice(WORDS))
            (tw, _), _ = cv2.getTextSize(word, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
            if x + tw > w - 8:
                break
            cv2.putText(ink, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2, cv2.LINE_8)
            x += tw + int(rng.integers(8, 16))
        y += line_height
    mask = ink > 0
    yy, xx = np.mgrid[:h, :w] / max(h, w)
    cy, cx = rng.uniform(0, 1, size=2)
    light = 215 - 120 * np.hypot(yy - cy, xx - cx)  # a lamp off to one side
    light -= 60 / (1 + np.exp(-(xx - rng.uniform(0.5, 0.8)) * 30))  # the shadow of a hand or a fold
    paper = light + rng.normal(0, 4, (h, w))
    page = np.where(mask, paper * rng.uniform(0.25, 0.45), paper)
    page = cv2.GaussianBlur(_u8(page), (3, 3), 0)
    return page, mask


GENERATORS: dict[str, Callable[..., np.ndarray]] = {
    "bimodal": bimodal,
    "gradient": gradient,
    "noise": noise,
    "shapes": shapes,
    "ties": ties,
    "constant": constant,
    "tiny": tiny,
}


def synthetic_images(
    seed: int = 0, count: int = 200, kinds: tuple[str, ...] = ()
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield `count` (name, uint8 image) pairs cycling through the kinds; the same seed, the same images."""
    rng = np.random.default_rng(seed)
    names = kinds or tuple(GENERATORS)
    for i in range(count):
        kind = names[i % len(names)]
        yield f"{kind}-{seed}-{i}", GENERATORS[kind](rng)


def main() -> None:
    """Write the committed sample PNGs (small, deterministic)."""
    rng = np.random.default_rng(2024)
    page, _ = document(rng)
    samples = {
        "synthetic_document.png": page,
        "synthetic_bimodal.png": bimodal(rng, (128, 160)),
        "synthetic_gradient.png": gradient(rng, (128, 160)),
        "synthetic_shapes.png": shapes(rng, (128, 160)),
    }
    for name, image in samples.items():
        cv2.imwrite(str(HERE / name), image)
        print(f"wrote {name} {image.shape}")


if __name__ == "__main__":
    main()
