"""Part A: the BTree mapping API, range scans and their edge cases."""

from __future__ import annotations

import functools
import itertools
import random

import pytest
from btree import BTree
from btree_harness import MemorySubject, check_structure, run_and_report


@pytest.mark.points(2)
def test_constructor_validates_t():
    """BTree(t) rejects a minimum degree below 2 with ValueError and accepts t >= 2."""
    for bad in (1, 0, -3):
        try:
            BTree(t=bad)
        except ValueError:
            continue
        raise AssertionError(f"BTree(t={bad}) must raise ValueError: CLRS B-trees need t >= 2")
    for good in (2, 3, 50):
        tree = BTree(t=good)
        assert len(tree) == 0, f"a new BTree(t={good}) must be empty, len() gave {len(tree)}"
    assert len(BTree()) == 0, "BTree() (default t=2) must create an empty tree"


@pytest.mark.points(3)
def test_empty_tree():
    """An empty tree: len 0, height 0, KeyError on lookup/delete, ValueError on min/max, empty scans."""
    tree = BTree(t=2)
    assert len(tree) == 0 and tree.height == 0, (
        f"empty tree: expected len 0 and height 0, got len {len(tree)} and height {tree.height}"
    )
    assert (5 in tree) is False, "5 in tree must be False for an empty tree"
    assert tree.get(5) is None and tree.get(5, "dflt") == "dflt", "get(key, default) must return the default"
    for what, call, error in (
        ("tree[5]", lambda: tree[5], KeyError),
        ("del tree[5]", lambda: tree.__delitem__(5), KeyError),
        ("tree.min()", tree.min, ValueError),
        ("tree.max()", tree.max, ValueError),
    ):
        try:
            got = call()
        except error:
            continue
        raise AssertionError(f"{what} on an empty tree must raise {error.__name__}, got {got!r}")
    assert list(tree) == [] and list(tree.items()) == [] and list(tree.range()) == [], (
        "iterating an empty tree must yield nothing"
    )
    tree[1] = "one"
    assert tree.height == 1, f"a tree with one key is a root-only tree: height must be 1, got {tree.height}"
    del tree[1]
    problem = check_structure(tree, {}, 2)
    assert problem is None, f"after inserting and deleting one key the tree should be empty again: {problem}"


@pytest.mark.points(4)
def test_mapping_basics():
    """Insert, overwrite, lookup, get with default, membership, delete and ascending iteration work."""
    tree = BTree(t=3)
    words = ["pear", "apple", "fig", "kiwi", "banana", "cherry", "date", "grape", "lemon", "mango", "olive"]
    for i, word in enumerate(words):
        tree[word] = i
    tree["fig"] = 100  # overwrite: no new key
    model = {w: i for i, w in enumerate(words)} | {"fig": 100}
    assert len(tree) == len(model), f"overwriting a key must not add one: len is {len(tree)}, expected 11"
    assert tree["fig"] == 100, f"tree['fig'] should be the overwritten value 100, got {tree['fig']!r}"
    assert list(tree) == sorted(model), f"iter(tree) must yield keys ascending, got {list(tree)}"
    assert list(tree.items()) == sorted(model.items()), "items() must yield (key, value) pairs ascending"
    assert tree.min() == "apple" and tree.max() == "pear", "min()/max() must return the smallest/largest key"
    assert ("kiwi" in tree) is True and ("zzz" in tree) is False, "`in` must report membership"
    assert tree.get("nope", 7) == 7 and tree.get("kiwi") == 3, "get(key, default) is wrong"
    try:
        tree["nope"]
    except KeyError:
        pass
    else:
        raise AssertionError("tree[key] for a missing key must raise KeyError")
    del tree["kiwi"]
    del model["kiwi"]
    try:
        del tree["kiwi"]
    except KeyError:
        pass
    else:
        raise AssertionError("deleting a missing key must raise KeyError")
    problem = check_structure(tree, model, 3)
    assert problem is None, f"after these operations the tree is broken: {problem}"


def _range_tree(t: int) -> tuple[BTree, dict[int, int]]:
    tree, model = BTree(t=t), {}
    keys = list(range(0, 600, 2))  # even keys only, so odd bounds fall between keys
    random.Random(7).shuffle(keys)
    for k in keys:
        tree[k] = k * 10
        model[k] = k * 10
    return tree, model


@pytest.mark.points(4)
def test_range_scans(partial_credit):
    """range(lo, hi) yields lo <= key < hi ascending; None is an open bound; lo >= hi gives nothing."""
    cases = [
        (None, None), (None, 100), (100, None), (100, 200), (101, 199), (99, 101), (-50, 10), (590, 10**6),
        (-10, -1), (700, 800), (200, 200), (300, 100), (201, 202), (598, 599), (0, 1), (None, 0), (598, None),
    ]  # fmt: skip
    partial_credit.total = 2 * len(cases) + 1
    for t in (2, 5):
        tree, model = _range_tree(t)
        for lo, hi in cases:
            inside = [k for k in sorted(model) if (lo is None or lo <= k) and (hi is None or k < hi)]
            want = [(k, model[k]) for k in inside]
            call = f"t={t}: list(tree.range({lo!r}, {hi!r}))"
            try:
                got = [(k, v) for k, v in tree.range(lo, hi)]
            except Exception as exc:  # report as a failed case, keep grading the rest
                partial_credit.check(False, f"{call} raised {type(exc).__name__}: {exc}")
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
def test_range_is_lazy():
    """range() is a lazy iterator: its first item costs O(t log n) comparisons, not a scan of all keys."""
    tree = BTree(t=4)
    keys = list(range(20000))
    random.Random(3).shuffle(keys)
    for k in keys:
        tree[CountingKey(k)] = k
    scan = tree.range(CountingKey(10000), None)
    assert iter(scan) is scan, "range() must return an iterator (write it as a generator with `yield`)"
    CountingKey.compared = 0
    first = next(scan)
    assert first[1] == 10000, f"the first item of range(10000, None) should have value 10000, got {first!r}"
    assert CountingKey.compared <= 300, (
        f"getting the first item of a range over 20000 keys took {CountingKey.compared} key comparisons; "
        "descend from the root to lo (binary search in each node) instead of scanning or collecting "
        "everything"
    )
    CountingKey.compared = 0
    rest = [v for _, v in itertools.islice(scan, 5)]
    assert rest == [10001, 10002, 10003, 10004, 10005], f"the next items should follow in order, got {rest}"
    assert CountingKey.compared <= 300, "each further item must cost O(1) comparisons amortised"


@pytest.mark.points(2)
def test_range_checked_against_model_with_open_bounds():
    """Random range queries with open and empty bounds interleaved with updates match a sorted-dict model."""
    rng = random.Random(11)
    ops = []
    for i in range(400):
        roll = rng.random()
        k = rng.randrange(120)
        if roll < 0.45:
            ops.append(("set", k, i))
        elif roll < 0.65:
            ops.append(("del", k))
        else:
            lo = rng.choice([None, rng.randrange(-5, 125)])
            hi = rng.choice([None, rng.randrange(-5, 125)])
            ops.append(("range", lo, hi))
    run_and_report(MemorySubject(3), ops, check_every=1, budget=2.0)
