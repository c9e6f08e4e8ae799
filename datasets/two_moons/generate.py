"""Generate the two-moons dataset used by lab-01 (micrograd).

Two interleaving half circles with Gaussian noise, labelled -1 and +1. Seeded, so re-running the
script reproduces `two_moons.csv` byte for byte:

    python datasets/two_moons/generate.py
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

SEED = 42
POINTS = 40
NOISE = 0.1


def make_moons(
    points: int = POINTS, noise: float = NOISE, seed: int = SEED
) -> list[tuple[float, float, int]]:
    rng = random.Random(seed)
    rows = []
    for i in range(points):
        upper = i % 2 == 0
        angle = math.pi * rng.random()
        if upper:
            x, y = math.cos(angle), math.sin(angle)
        else:
            x, y = 1.0 - math.cos(angle), 0.5 - math.sin(angle)
        rows.append((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), 1 if upper else -1))
    return rows


def main() -> None:
    out = Path(__file__).with_name("two_moons.csv")
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "label"])
        for x1, x2, label in make_moons():
            writer.writerow([f"{x1:.6f}", f"{x2:.6f}", label])


if __name__ == "__main__":
    main()
