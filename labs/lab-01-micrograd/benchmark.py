"""Benchmark the reference engine: backward() on a 100,000-node chain, against building that chain.

Building the graph is the baseline (it is the least a forward pass costs), so the printed ratio says how
much backward() adds on top of it, independent of how fast the machine is:

    python labs/lab-01-micrograd/benchmark.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "solution"))
from micrograd import Value

NODES = 100_000


def build() -> tuple[Value, Value]:
    x = Value(0.5)
    y = x
    for _ in range(NODES):
        y = y * 1.0001 + 0.0001
    return x, y


def best_of(runs: int, action: object) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    graphs = [build() for _ in range(3)]
    forward = best_of(3, build)
    backward = min(best_of(1, y.backward) for _x, y in graphs)
    nodes = 2 * NODES + 1
    print(f"chain of {nodes:,} nodes: build {forward * 1000:.0f} ms, backward {backward * 1000:.0f} ms")
    print(f"backward / build ratio: {backward / forward:.2f}x")


if __name__ == "__main__":
    main()
