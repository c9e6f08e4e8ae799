"""Benchmark: BTree against sortedcontainers.SortedDict on the same 100,000 mixed operations.

Both structures replay one seeded operation stream in the same process (40% insert/overwrite, 30% lookup,
20% delete, 10% range scan of up to 10 items); the best of five interleaved runs is kept and the time ratio
BTree / SortedDict is printed (lower is better; the lab's target is within 3x at the headline t).

    python benchmark.py                      # the reference solution
    python benchmark.py --target workspace   # your btree package in this folder
    python benchmark.py --t 8 32 64 --ops 200000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

from sortedcontainers import SortedDict

HERE = Path(__file__).resolve().parent
Op = tuple[int, int, int]  # (kind, key, argument)
INSERT, LOOKUP, DELETE, SCAN = range(4)


def make_ops(count: int, seed: int = 2) -> list[Op]:
    rng = random.Random(seed)
    keyspace = count  # about half the keys are live at any time
    ops: list[Op] = []
    for i in range(count):
        roll, key = rng.random(), rng.randrange(keyspace)
        kind = INSERT if roll < 0.4 else LOOKUP if roll < 0.7 else DELETE if roll < 0.9 else SCAN
        ops.append((kind, key, i))
    return ops


def replay_btree(tree: Any, ops: list[Op]) -> int:
    checksum = 0
    get, scan = tree.get, tree.range
    for kind, key, arg in ops:
        if kind == INSERT:
            tree[key] = arg
        elif kind == LOOKUP:
            checksum += get(key, 0)
        elif kind == DELETE:
            if key in tree:
                del tree[key]
        else:
            checksum += len(list(islice(scan(key, None), 10)))
    return checksum + len(tree)


def replay_sorteddict(sd: SortedDict, ops: list[Op]) -> int:
    checksum = 0
    get, irange = sd.get, sd.irange
    for kind, key, arg in ops:
        if kind == INSERT:
            sd[key] = arg
        elif kind == LOOKUP:
            checksum += get(key, 0)
        elif kind == DELETE:
            if key in sd:
                del sd[key]
        else:
            checksum += len([(k, sd[k]) for k in islice(irange(key, None), 10)])
    return checksum + len(sd)


def timed(
    make: Callable[[], Any], replay: Callable[[Any, list[Op]], int], ops: list[Op]
) -> tuple[float, int]:
    subject = make()
    start = time.perf_counter()
    result = replay(subject, ops)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="solution", help="solution (default), workspace, or a folder")
    parser.add_argument("--t", type=int, nargs="+", default=[2, 8, 32, 64], help="minimum degrees to try")
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = {"solution": HERE / "solution", "workspace": HERE}.get(args.target, Path(args.target))
    sys.path.insert(0, str(folder))
    from btree import BTree

    ops = make_ops(args.ops)
    contenders: dict[str, tuple[Callable[[], Any], Callable[[Any, list[Op]], int]]] = {
        "SortedDict": (SortedDict, replay_sorteddict)
    }
    for t in args.t:
        contenders[f"BTree(t={t})"] = (lambda t=t: BTree(t=t), replay_btree)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(args.runs):  # interleaved, so that a busy machine slows every contender alike
        results = set()
        for name, (make, replay) in contenders.items():
            took, result = timed(make, replay, ops)
            best[name] = min(best[name], took)
            results.add(result)
        assert len(results) == 1, "the BTree and SortedDict runs gave different results"
    base = best["SortedDict"]
    print(f"{args.ops:,} mixed operations, best of {args.runs} interleaved runs, BTree from {folder.name}/")
    for name, took in best.items():
        ratio = "" if name == "SortedDict" else f"   ratio {took / base:5.2f}x"
        print(f"  {name:<14} {took * 1000:8.1f} ms{ratio}")


if __name__ == "__main__":
    main()
