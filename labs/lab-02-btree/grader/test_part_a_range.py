"""Part A: ordered scans: range bounds, laziness, and scans checked against a model while the tree grows."""

from __future__ import annotations

import functools
import itertools
import random
import tracemalloc

import pytest
from btree import BTree
from btree_harness import MemorySubject, plain_keys, plain_pairs, run_and_report, same

pytestmark = pytest.mark.part("A")

KEYS = list(range(-300, 300, 2))  # even keys only, so odd bounds fall between keys; 0 is a key


def _range_tree(t: int) -> tuple[BTree, dict[int, int]]:
    tree, model = BTree(t=t), {}
    keys = KEYS[:]
    random.Random(7).shuffle(keys)
    for k in keys:
        tree[k] = k * 10
        model[k] = k * 10
    return tree, model


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "lo is included and hi is excluded: range(2, 6) yields 2 and 4 but never 6.",
    "A bound of None is open, but 0 is a real bound: test `lo is None`, never `if lo`.",
    "Stop at the first key >= hi, wherever it sits: in a leaf or in an internal node.",
)
def test_range_scans(partial_credit):
    """range(lo, hi) yields lo <= key < hi ascending; None is an open bound (0 is not); lo >= hi gives nothing."""
    cases = [
        (None, None), (None, 100), (100, None), (100, 200), (101, 199), (99, 101), (-50, 10), (590, 10**6),
        (-400, -299), (700, 800), (200, 200), (300, 100), (201, 202), (296, 299), (0, 1), (None, 0), (0, None),
        (0, 10), (-10, 0), (-1, 1), (298, None), (None, -298), (-300, -298), (-10**6, -300),
    ]  # fmt: skip
    ts = (2, 3, 5)
    partial_credit.total = len(ts) * (len(cases) + 1) + 1
    for t in ts:
        tree, model = _range_tree(t)
        for lo, hi in cases:
            inside = [k for k in sorted(model) if (lo is None or lo <= k) and (hi is None or k < hi)]
            want = [(k, model[k]) for k in inside]
            call = f"t={t}: list(tree.range({lo!r}, {hi!r}))"
            try:
                got = plain_pairs(tree.range(lo, hi), int, int)
            except Exception as exc:  # report as a failed case, keep grading the rest
                partial_credit.check(False, f"{call} raised {type(exc).__name__}: {exc}")
                continue
            if isinstance(got, str):
                partial_credit.check(False, f"{call}: {got}")
                continue
            got_keys = [k for k, _ in got]
            extra = [k for k in got_keys if k not in inside][:5]
            missing = [k for k in inside if k not in got_keys][:5]
            detail = (
                f"unexpected keys {extra}, missing keys {missing}"
                if extra or missing
                else "wrong order/values"
            )
            partial_credit.check(
                got == want, f"{call} is wrong ({len(got)} items, expected {len(want)}): {detail}"
            )
        got = plain_pairs(tree.range(), int, int)
        partial_credit.check(
            got == sorted(model.items()) and got == plain_pairs(tree.items(), int, int),
            f"t={t}: range() with no arguments and items() must both yield every pair, ascending",
        )
    empty = BTree(t=2)
    partial_credit.check(
        list(empty.range(None, None)) == [] and list(empty.range(1, 5)) == [],
        "range() over an empty tree must yield nothing",
    )


@functools.total_ordering
class CountingKey:
    """An int-like key that counts how often it is compared."""

    compared = 0

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        CountingKey.compared += 1
        return isinstance(other, CountingKey) and self.n == other.n

    def __lt__(self, other: CountingKey) -> bool:
        CountingKey.compared += 1
        return self.n < other.n

    def __hash__(self) -> int:
        return hash(self.n)

    def __repr__(self) -> str:
        return f"K({self.n})"


@pytest.mark.points(2)
@pytest.mark.hints(
    "range() must be a generator: nothing may be collected into a list before the first item is yielded (items() and iter(tree) too).",
    "Descend from the root to lo with a binary search in each node, pushing the path on an explicit stack.",
    "From there, walk in order: after a key of an internal node, descend to the leftmost leaf of the next child.",
)
def test_range_is_lazy(partial_credit):
    """range(), items() and iter() are lazy: the first item costs O(t log n), each further item O(1) amortised."""
    tree = BTree(t=4)
    keys = list(range(20000))
    random.Random(3).shuffle(keys)
    for k in keys:
        tree[CountingKey(k)] = k
    partial_credit.total = 6
    for what, make in (("tree.items()", tree.items), ("iter(tree)", lambda: iter(tree))):
        # Open scans compare no keys, so measure what the first next() allocates instead: a lazy scan
        # holds one root-to-leaf path, a list of 20000 keys or pairs takes well over 100 kB.
        tracemalloc.start()
        try:
            scan = make()
            first = next(scan, None)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        if what == "tree.items()":
            right = type(first) is tuple and len(first) == 2 and same(first[1], 0)
        else:
            right = type(first) is CountingKey and same(first.n, 0)
        partial_credit.check(
            peak < 32_000 and right,
            f"{what} over 20000 keys allocated {peak} bytes before its first item ({first!r}) came back; "
            "it must be as lazy as range(): yield from the scan instead of building a list of every key",
        )
    for lo in (10000, 19990):
        CountingKey.compared = 0
        scan = tree.range(CountingKey(lo), None)
        created = CountingKey.compared
        first = next(scan, None)
        cost = CountingKey.compared
        partial_credit.check(
            type(first) is tuple and len(first) == 2 and same(first[1], lo) and cost <= 300,
            f"getting the first item of range({lo}, None) over 20000 keys took {cost} key comparisons "
            f"({created} before the first next()) and gave {first!r}; descend from the root to lo (binary "
            "search in each node) instead of scanning or collecting everything",
        )
        CountingKey.compared = 0
        rest = [v for _, v in itertools.islice(scan, 8)]
        want = list(range(lo + 1, min(lo + 9, 20000)))
        partial_credit.check(
            all(type(v) is int for v in rest) and rest == want and CountingKey.compared <= 300,
            f"the next items of range({lo}, None) should be {want} at O(1) comparisons each; got {rest} "
            f"with {CountingKey.compared} comparisons",
        )


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "items() and iter(tree) are scans like range(): return iterators, not lists.",
    "next(tree.items()) must work; iter(tree) yields keys, not (key, value) pairs.",
)
def test_scans_are_iterators(partial_credit):
    """range(), items() and iter(tree) return iterators; iter(tree) yields the keys, ascending."""
    tree, model = _range_tree(3)
    partial_credit.total = 4
    for what, make in (
        ("tree.range()", tree.range),
        ("tree.items()", tree.items),
        ("iter(tree)", lambda: iter(tree)),
    ):
        try:
            scan = make()
            ok = iter(scan) is scan and next(scan) is not None
        except Exception:
            ok = False
        partial_credit.check(ok, f"{what} must return an iterator (a generator), so that next() works on it")
    keys = plain_keys(tree, int)
    partial_credit.check(
        keys == sorted(model), f"iter(tree) must yield the keys ascending, got {str(keys)[:80]}"
    )


def _grow_and_scan(seed: int, count: int, keyspace: int) -> list[tuple]:
    rng = random.Random(seed)
    ops: list[tuple] = []
    for i in range(count):
        roll = rng.random()
        k = rng.randrange(-keyspace // 4, keyspace)
        if roll < 0.45:
            ops.append(("set", k, i))
        else:
            lo = rng.choice([None, 0, k, k + 1, rng.randrange(-keyspace // 2, keyspace + 5)])
            hi = rng.choice([None, 0, k, k + 1, rng.randrange(-keyspace // 2, keyspace + 5)])
            ops.append(("range", lo, hi))
    return ops


@pytest.mark.points(2)
@pytest.mark.hints(
    "Scans must see every insert made before them, including keys that just moved up in a split.",
    "Run the reproduction file: it replays the inserts and scans and stops at the first wrong scan.",
)
def test_range_checked_against_model_while_growing(repro):
    """Random range queries (open, empty and zero bounds) interleaved with inserts match a sorted-dict model."""
    for t, seed in ((2, 11), (3, 12)):
        ops = _grow_and_scan(seed, 500, 160)
        run_and_report(
            MemorySubject(t), ops, repro, "test_range_checked_against_model_while_growing", budget=2.0
        )
