"""Part B: PagedBTree persistence, page-I/O accounting, the LRU cache, free pages and corrupt files."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from btree import MAX_VALUE_SIZE, CorruptFileError, PagedBTree, min_page_size
from btree_harness import PagedSubject, check_height, run_and_report
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SMALL = {2: 256, 3: 512, 4: 512}  # page sizes used with tiny fanouts; each is >= min_page_size(t)
assert all(size >= min_page_size(t) for t, size in SMALL.items())


def _open(path: Path, t: int = 2, cache_pages: int = 4) -> PagedBTree:
    return PagedBTree(path, t=t, page_size=SMALL[t], cache_pages=cache_pages)


def _fill(path: Path, keys: list[int], t: int = 2, cache_pages: int = 4) -> dict[int, bytes]:
    model = {}
    with _open(path, t, cache_pages) as tree:
        for k in keys:
            tree[k] = b"v%d" % k
            model[k] = b"v%d" % k
    return model


def _stats(tree: PagedBTree) -> tuple[int, int, int]:
    s = tree.stats
    return int(s.page_reads), int(s.page_writes), int(s.cache_hits)


@pytest.mark.points(2)
def test_paged_rejects_bad_arguments(tmp_path, partial_credit):
    """PagedBTree rejects t < 2 and pages too small for t (ValueError), and bad keys/values."""
    partial_credit.total = 5
    for what, call, error in (
        ("PagedBTree(path, t=1)", lambda: PagedBTree(tmp_path / "a.db", t=1, page_size=4096), ValueError),
        ("page_size=64 at t=4", lambda: PagedBTree(tmp_path / "b.db", t=4, page_size=64), ValueError),
    ):
        try:
            PagedBTree.close(call())
            ok = False
        except error:
            ok = True
        except Exception:
            ok = False
        partial_credit.check(ok, f"{what} must raise {error.__name__}")
    with _open(tmp_path / "c.db") as tree:
        for what, key, value, error in (
            (f"a value over MAX_VALUE_SIZE={MAX_VALUE_SIZE}", 1, b"x" * (MAX_VALUE_SIZE + 1), ValueError),
            ("a str value (values are bytes)", 1, "text", TypeError),
            ("a str key (keys are int)", "one", b"x", TypeError),
        ):
            try:
                tree[key] = value
                ok = False
            except error:
                ok = True
            except Exception:
                ok = False
            partial_credit.check(ok, f"storing {what} must raise {error.__name__}")


@st.composite
def paged_ops(draw: st.DrawFn, keyspace: int) -> list[tuple]:
    key = st.integers(0, keyspace - 1)
    bound = st.none() | st.integers(-1, keyspace)
    op = st.one_of(
        st.tuples(st.just("set"), key, st.binary(max_size=MAX_VALUE_SIZE)),
        st.tuples(st.just("del"), key),
        st.tuples(st.just("reopen")),
        st.tuples(st.just("get"), key),
        st.tuples(st.just("range"), bound, bound),
        st.tuples(st.sampled_from(["min", "max", "items", "len"])),
        st.tuples(st.just("in"), key),
    )
    grow = draw(st.permutations(range(keyspace)))[: draw(st.integers(0, keyspace))]
    ops: list[tuple] = [("set", k, b"%d" % k) for k in grow]
    count = draw(st.integers(0, 40))
    ops += draw(st.lists(op, min_size=count, max_size=count))
    shrink = draw(st.permutations(range(keyspace)))[: draw(st.integers(0, keyspace))]
    return [*ops, ("reopen",), ("items",)] + [("del", k) for k in shrink] + [("reopen",), ("items",)]


@pytest.mark.points(8)
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=30,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate),  # the graders shrink failures themselves, within a time budget
    suppress_health_check=list(HealthCheck),
)
@given(ops=paged_ops(keyspace=40))
def test_paged_differential_with_reopen(tmp_path, ops):
    """t=2, tiny pages, 2-page cache: random operations (with close/reopen) match a dict model."""
    run_and_report(PagedSubject(tmp_path, t=2, page_size=SMALL[2], cache_pages=2), ops, budget=2.0)


@pytest.mark.points(4)
def test_paged_reopen_large(tmp_path, partial_credit):
    """Thousands of keys at t = 2, 3 and 16 survive close() and reopen, including after many deletes."""
    partial_credit.total = 6
    for t, page_size, n in ((2, SMALL[2], 1500), (3, SMALL[3], 1500), (16, 2048, 4000)):
        rng = random.Random(t)
        keys = rng.sample(range(-(10**12), 10**12), n)
        subject = PagedSubject(tmp_path, t=t, page_size=page_size, cache_pages=8)
        ops = [("set", k, b"%x" % abs(k)) for k in keys] + [("reopen",), ("items",), ("len",)]
        ops += [("del", k) for k in keys[: n * 2 // 3]] + [("reopen",), ("items",), ("min",), ("max",)]
        ops += [("set", k, b"again") for k in keys[: n // 3]] + [("reopen",), ("items",), ("len",)]
        try:
            run_and_report(subject, ops, check_every=250, budget=0)
            ok, why = True, ""
        except Exception as exc:
            ok, why = False, str(exc)
        partial_credit.check(ok, f"t={t}, page_size={page_size}: {why}")
        size = os.path.getsize(subject.path) if subject.path.exists() else 0
        partial_credit.check(
            size % page_size == 0 and size >= page_size * (n // (2 * t - 1)) // 2,
            f"t={t}: the file is {size} bytes; it should be whole pages of {page_size} bytes, "
            "one node per page",
        )


@pytest.mark.points(3)
def test_paged_cold_lookup_reads_at_most_height(tmp_path, partial_credit):
    """With no cache, a lookup reads at most `height` pages (exactly `height` for the smallest key)."""
    path = tmp_path / "t.db"
    keys = list(range(0, 3000, 3))
    random.Random(1).shuffle(keys)
    _fill(path, keys, t=2)
    with PagedBTree(path, t=2, page_size=SMALL[2], cache_pages=0) as tree:
        height = tree.height
        problem = check_height(height, len(keys), 2)
        assert problem is None, problem
        probes = [0, *random.Random(2).sample(range(-5, 3005), 60)]
        partial_credit.total = len(probes)
        for key in probes:
            before = _stats(tree)
            value = tree.get(key)
            reads, writes, hits = (a - b for a, b in zip(_stats(tree), before, strict=True))
            want = b"v%d" % key if key in keys else None
            exact = key == 0  # the smallest key lives in the leftmost leaf: the whole path is read
            right_reads = reads == height if exact else 1 <= reads <= height
            ok = value == want and writes == 0 and hits == 0 and right_reads
            partial_credit.check(
                ok,
                f"tree.get({key}) with cache_pages=0 on a tree of height {height}: returned {value!r} "
                f"(expected {want!r}) with {reads} page reads, {writes} writes, {hits} cache hits; a lookup "
                f"must read each page on its root-to-node path once: {'exactly' if exact else 'at most'} "
                f"{height} reads, no writes, no hits",
            )


def _height_two_tree(path: Path, t: int) -> list[int]:
    """2t keys 10, 20, ...: any valid tree holding them has height 2 and a root with a single key."""
    keys = [10 * (i + 1) for i in range(2 * t)]
    _fill(path, keys, t=t)
    return keys


@pytest.mark.points(3)
def test_paged_insert_without_split_writes_one_page(tmp_path, partial_credit):
    """An insert or overwrite that splits no node writes exactly one page."""
    checks: list[tuple[str, int]] = []
    partial_credit.total = 5 + 7 + 9

    def insert(tree: PagedBTree, key: int, value: bytes, name: str) -> None:
        before = tree.stats.page_writes
        tree[key] = value
        checks.append((name, tree.stats.page_writes - before))

    for t in (2, 3, 4):
        with _open(tmp_path / f"root{t}.db", t) as tree:  # a root-only tree: no split below 2t - 1 keys
            tree[0] = b"first"
            for k in range(1, 2 * t - 1):
                insert(tree, k, b"x", f"t={t}: inserting key {k} into a root leaf holding {k} keys")
                if k == 2 * t - 3:  # the root has room for one more key
                    insert(tree, 1, b"new", f"t={t}: overwriting key 1 in a root leaf that is not full")
        path = tmp_path / f"two{t}.db"
        keys = _height_two_tree(path, t)
        with _open(path, t) as tree:
            assert tree.height == 2, f"{2 * t} keys at t={t} must give a tree of height 2, got {tree.height}"
            for k in (5, keys[-1] + 5):  # into the leftmost / rightmost leaf, which holds <= t keys
                insert(tree, k, b"y", f"t={t}: inserting {k} into a leaf with room in a height-2 tree")
    partial_credit.total = len(checks)
    for name, writes in checks:
        partial_credit.check(writes == 1, f"{name} wrote {writes} pages; it must write exactly 1 (the leaf)")


@pytest.mark.points(3)
def test_paged_delete_without_rebalancing_writes_one_page(tmp_path, partial_credit):
    """A delete that needs no merge or borrow writes exactly one page."""
    checks: list[tuple[bool, str]] = []
    partial_credit.total = 3 + 5 + 7 + 3 * 3

    def delete(tree: PagedBTree, key: int, name: str) -> None:
        before = tree.stats.page_writes
        del tree[key]
        writes = tree.stats.page_writes - before
        checks.append((writes == 1, f"{name} wrote {writes} pages; it must write exactly 1"))

    for t in (2, 3, 4):
        path = tmp_path / f"root{t}.db"
        _fill(path, list(range(2 * t - 1)), t=t)
        with _open(path, t) as tree:  # a full root leaf: deleting from it never rebalances
            for k in range(2 * t - 1):
                delete(tree, k, f"t={t}: deleting {k} from a root leaf")
        path = tmp_path / f"two{t}.db"
        keys = _height_two_tree(path, t)
        with _open(path, t) as tree:
            for k in (5, keys[-1] + 5):  # first give the edge leaves a spare key ...
                tree[k] = b"spare"
            for k in (5, keys[-1] + 5):  # ... then deleting it touches only that leaf
                delete(tree, k, f"t={t}: deleting {k} from a leaf with a spare key (height-2 tree)")
            remaining = list(tree)
        checks.append((remaining == keys, f"t={t}: after the deletes the keys are {remaining}, not {keys}"))
    for ok, message in checks:
        partial_credit.check(ok, message)


@pytest.mark.points(3)
def test_paged_lru_cache(tmp_path, partial_credit):
    """The page cache is LRU, holds at most cache_pages pages, and counts hits and reads exactly."""
    path = tmp_path / "t.db"
    keys = [1, 2, 3, 4, 5]  # t=2: any valid tree of 5 keys has height 2
    _fill(path, keys, t=2)
    lookups = [1, 5, 5, 1]  # smallest key: leftmost leaf; largest key: rightmost leaf
    # cache_pages -> (page reads, cache hits) for the 8 page visits of these 4 lookups
    expected = {2: (4, 4), 3: (3, 5), 1: (8, 0), 0: (8, 0)}
    partial_credit.total = len(expected) + 1
    for cache_pages, (reads, hits) in expected.items():
        with PagedBTree(path, t=2, page_size=SMALL[2], cache_pages=cache_pages) as tree:
            if cache_pages == 2:
                partial_credit.check(tree.height == 2, f"5 keys at t=2 must have height 2, got {tree.height}")
            start = _stats(tree)
            values = [tree[k] for k in lookups]
            got = tuple(a - b for a, b in zip(_stats(tree), start, strict=True))
        partial_credit.check(
            values == [b"v1", b"v5", b"v5", b"v1"] and got[0] == reads and got[2] == hits and got[1] == 0,
            f"cache_pages={cache_pages}: lookups of keys {lookups} (root + leaf each) gave {got[0]} reads "
            f"and {got[2]} cache hits, expected {reads} reads and {hits} hits with an LRU cache "
            "(on a hit move the page to most-recent; on a miss evict the least recently used page)",
        )


@pytest.mark.points(2)
def test_paged_wrong_magic(tmp_path, partial_credit):
    """Opening a file that is not a tree (wrong magic, text, random bytes) raises CorruptFileError."""
    good = tmp_path / "good.db"
    _fill(good, list(range(50)))
    data = good.read_bytes()
    variants = {
        "magic bytes overwritten": b"NOTATREE" + data[8:],
        "first byte flipped": bytes([data[0] ^ 0xFF]) + data[1:],
        "a text file": b"hello, this is certainly not a B-tree\n" * 40,
        "random bytes": random.Random(0).randbytes(4096),
        "a few bytes": b"\x00\x01",
    }
    partial_credit.total = len(variants)
    for name, content in variants.items():
        path = tmp_path / "bad.db"
        path.write_bytes(content)
        try:
            PagedBTree(path, t=2, page_size=SMALL[2]).close()
            ok, got = False, "it opened without error"
        except CorruptFileError as exc:
            ok, got = bool(str(exc)), "CorruptFileError without a message"
        except Exception as exc:
            ok, got = False, f"{type(exc).__name__}: {exc}"
        partial_credit.check(ok, f"{name}: opening must raise CorruptFileError with a message; {got}")


@pytest.mark.points(2)
def test_paged_truncated_file(tmp_path, partial_credit):
    """A truncated tree file raises CorruptFileError (when opened or, at the latest, when read)."""
    good = tmp_path / "good.db"
    keys = list(range(300))
    random.Random(4).shuffle(keys)
    _fill(good, keys)
    data = good.read_bytes()
    page = SMALL[2]
    lengths = {
        "last byte missing": len(data) - 1,
        "last page missing": len(data) - page,
        "half the file": (len(data) // page // 2) * page,
        "header page only": page,
        "half a header": 20,
        "half the magic": 4,
    }
    partial_credit.total = len(lengths)
    for name, length in lengths.items():
        path = tmp_path / "cut.db"
        path.write_bytes(data[:length])
        try:
            with PagedBTree(path, t=2, page_size=page) as tree:
                len(tree)
                list(tree.items())
            ok, got = False, "the tree opened and read without error"
        except CorruptFileError:
            ok, got = True, ""
        except Exception as exc:
            ok, got = False, f"{type(exc).__name__}: {exc}"
        partial_credit.check(ok, f"file cut to {length} bytes ({name}) must raise CorruptFileError; {got}")


@pytest.mark.points(2)
def test_paged_free_page_reuse(tmp_path, partial_credit):
    """Pages freed by merges are reused: insert/delete churn (also across reopen) does not grow the file."""
    partial_credit.total = 2
    keys = list(range(400))
    random.Random(8).shuffle(keys)
    path = tmp_path / "churn.db"
    sizes = []
    with _open(path) as tree:
        for cycle in range(5):
            for k in keys:
                tree[k] = b"%d" % cycle
            for k in reversed(keys):
                del tree[k]
            tree.flush()
            sizes.append(os.path.getsize(path))
    partial_credit.check(
        sizes[-1] <= sizes[0] * 1.2,
        f"file size after each of 5 fill/empty cycles: {sizes}; freed pages must be reused before growing",
    )
    reopened = []
    for _ in range(4):
        with _open(path) as tree:
            for k in keys:
                tree[k] = b"x"
        with _open(path) as tree:
            for k in keys:
                del tree[k]
        reopened.append(os.path.getsize(path))
    partial_credit.check(
        reopened[-1] <= sizes[0] * 1.2,
        f"file size after fill/empty cycles that close and reopen in between: {reopened} (first fill: "
        f"{sizes[0]}); the free-page list must be saved in the file so it survives reopening",
    )
