"""Generate the 3-class spiral data set (`spiral.csv`) used by lab-08.

Each class is one arm of a spiral in the plane: point i of class k sits at radius r = i / (n - 1) and
angle t = 4k + 4r plus Gaussian noise (std 0.2), so the classes interleave and no linear model separates
them. The layout follows the classic toy problem from Stanford's CS231n notes (neural-networks case
study). Seeded, so re-running it reproduces the committed file byte for byte.

    python datasets/spiral/generate.py            # rewrites spiral.csv next to this script
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SEED = 20240908
POINTS_PER_CLASS = 100
CLASSES = 3
NOISE = 0.2


def make_spiral(
    points_per_class: int = POINTS_PER_CLASS, classes: int = CLASSES, noise: float = NOISE, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Return `(X, y)`: X float64 of shape (points_per_class * classes, 2), y int64 class labels."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        jitter = noise * rng.standard_normal(points_per_class)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), points_per_class) + jitter
        xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(points_per_class, k, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "spiral.csv")
    args = parser.parse_args()
    X, y = make_spiral()
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("x0,x1,label\n")
        for (a, b), label in zip(X, y, strict=True):
            fh.write(f"{float(a)!r},{float(b)!r},{int(label)}\n")
    print(f"wrote {len(y)} points ({CLASSES} classes) to {args.out}")


if __name__ == "__main__":
    main()
