"""Benchmark: adaptive mean thresholding of a 1024×1024 image, `vision` against OpenCV in the same run.

    python labs/lab-07-opencv/benchmark.py                     # your workspace
    python labs/lab-07-opencv/benchmark.py --target solution   # the reference

Prints the best-of-N time of each and the ratio (vision / OpenCV) for several block sizes; the goal is
a ratio within 10× of single-threaded OpenCV, and times that do not grow with the block size.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

LAB = Path(__file__).resolve().parent


def best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target", default="workspace", help="workspace, solution or a folder holding vision/"
    )
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--blocks", type=int, nargs="+", default=[3, 25, 51, 101])
    args = parser.parse_args()
    folder = {"workspace": LAB, "solution": LAB / "solution"}.get(args.target, Path(args.target))
    sys.path.insert(0, str(folder.resolve()))
    from vision import adaptive_threshold

    gray = np.random.default_rng(0).integers(0, 256, (args.size, args.size), dtype=np.uint8)
    print(
        f"adaptive mean threshold, {args.size}x{args.size} uint8, C=5, best of {args.repeat}; "
        f"vision from {folder}"
    )
    print(
        f"{'block':>5} {'vision ms':>10} {'OpenCV ms':>10} {'ratio':>7} "
        f"{'OpenCV 1-thread ms':>19} {'ratio':>7}"
    )
    threads = cv2.getNumThreads()
    for block in args.blocks:

        def ours(block: int = block) -> object:
            return adaptive_threshold(gray, block, 5, "mean")

        def opencv(block: int = block) -> object:
            return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5)

        assert np.array_equal(ours(), opencv()), f"vision differs from OpenCV at block size {block}"
        mine = best_time(ours, args.repeat)
        theirs = best_time(opencv, args.repeat)
        cv2.setNumThreads(1)
        single = best_time(opencv, args.repeat)
        cv2.setNumThreads(threads)
        print(
            f"{block:>5} {mine * 1e3:>10.2f} {theirs * 1e3:>10.2f} {mine / theirs:>6.1f}x "
            f"{single * 1e3:>19.2f} "
              f"{mine / single:>6.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
