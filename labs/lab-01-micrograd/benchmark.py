"""Benchmark the reference engine: backward() on a 100,000-node chain, against building that chain.

Building the graph is the baseline (it is the least a forward pass costs), so the printed ratio says how
much backward() adds on top of it, independent of how fast the machine is. It also reports the CPU time
of the graders' training problem (`fit` with its defaults, `MLP(2, [8, 8, 1])`, 24 points), in units of
that baseline:

    python labs/lab-01-micrograd/benchmark.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "solution"))
import random

from micrograd import MLP, Value
from micrograd.train import fit

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


def xor_points(n: int = 24, seed: int = 7) -> tuple[list[list[float]], list[int]]:
    """Four noisy clusters labelled sign(x1·x2), like the graders' training problem."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        sx, sy = (1 if i % 2 else -1), (1 if (i // 2) % 2 else -1)
        X.append([sx * 0.6 + rng.gauss(0.0, 0.2), sy * 0.6 + rng.gauss(0.0, 0.2)])
        y.append(sx * sy)
    return X, y


def training_cpu_seconds() -> float:
    X, y = xor_points()
    start = time.process_time()
    fit(MLP(2, [8, 8, 1], rng=random.Random(1)), X, y)
    return time.process_time() - start


def main() -> None:
    graphs = [build() for _ in range(3)]
    forward = best_of(3, build)
    backward = min(best_of(1, y.backward) for _x, y in graphs)
    nodes = 2 * NODES + 1
    print(f"chain of {nodes:,} nodes: build {forward * 1000:.0f} ms, backward {backward * 1000:.0f} ms")
    print(f"backward / build ratio: {backward / forward:.2f}x")
    train = min(training_cpu_seconds() for _ in range(3))
    start = time.process_time()
    build()
    build_cpu = time.process_time() - start
    print(
        f"fit() on the graders' XOR problem: {train:.2f} CPU s, {train / build_cpu:.2f}x the chain build's CPU time"
    )


if __name__ == "__main__":
    main()
