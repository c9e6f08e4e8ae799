"""Seeded generators of long operation sequences.

Each function is self-contained (it needs only `random`), because a reproduction file of a sequence too
long to list operation by operation carries the function's source and replays exactly the same sequence.
"""

from __future__ import annotations

import random


def mixed_ops(seed: int, count: int, keyspace: int, sets: float, dels: float, gets: float) -> list[tuple]:
    """`count` random operations: inserts (share `sets`), deletes (`dels`), lookups (`gets`), short scans."""
    rng = random.Random(seed)
    ops: list[tuple] = []
    for i in range(count):
        roll, key = rng.random(), rng.randrange(keyspace)
        if roll < sets:
            ops.append(("set", key, i))
        elif roll < sets + dels:
            ops.append(("del", key))
        elif roll < sets + dels + gets:
            ops.append(("get", key))
        else:
            ops.append(("range", key, key + rng.randrange(1, 40)))
    return ops


def reopen_ops(seed: int, count: int, deletes: bool) -> list[tuple]:
    """Insert `count` random 64-bit keys, reopen, (delete two thirds, reopen,) overwrite a third, reopen."""
    rng = random.Random(seed)
    keys = rng.sample(range(-(10**12), 10**12), count)
    ops: list[tuple] = [("set", k, b"%x" % abs(k)) for k in keys] + [("reopen",), ("items",), ("len",)]
    if deletes:
        ops += [("del", k) for k in keys[: count * 2 // 3]] + [("reopen",), ("items",), ("min",), ("max",)]
    ops += [("set", k, b"again") for k in keys[: count // 3]] + [("reopen",), ("items",), ("len",)]
    return ops
