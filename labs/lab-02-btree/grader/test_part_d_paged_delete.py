"""Part D: PagedBTree deletion: random deletes with close/reopen, the pages a delete writes, free pages."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from btree import MAX_VALUE_SIZE, PagedBTree
from btree_harness import PagedSubject, run_and_report, same, stats_of
from btree_sequences import reopen_ops
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.part("D")

SMALL = {2: 256, 3: 512, 4: 512}  # page sizes used with tiny fanouts; each is >= min_page_size(t)
REPRO_HINT = (
    "Run the reproduction file the feedback names: it replays every operation and stops where yours differs."
)


def _open(path: Path, t: int = 2, cache_pages: int = 4) -> PagedBTree:
    return PagedBTree(path, t=t, page_size=SMALL[t], cache_pages=cache_pages)


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


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.critical("deleting from the paged tree loses no other key, also across close() and reopening")
@pytest.mark.hints(
    REPRO_HINT,
    "A borrow changes three pages (the child, its sibling and the parent): write all three.",
    "A root shrink changes the root page number and the number of levels: both belong in the header.",
)
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
def test_paged_differential_with_deletes(tmp_path, ops, repro):
    """t=2, tiny pages, 2-page cache: random inserts and deletes with close/reopen match a dict model."""
    subject = PagedSubject(tmp_path, t=2, page_size=SMALL[2], cache_pages=2)
    run_and_report(subject, ops, repro, "test_paged_differential_with_deletes", budget=2.0)


@pytest.mark.points(1)
@pytest.mark.hints(
    REPRO_HINT, "Deletes at t = 16 rarely rebalance, but when they do, every changed page must be written."
)
def test_paged_reopen_large_with_deletes(tmp_path, partial_credit, repro):
    """Thousands of keys at t = 2, 3 and 16, two thirds deleted, survive close() and reopen."""
    partial_credit.total = 3
    for t, page_size, n in ((2, SMALL[2], 1500), (3, SMALL[3], 1500), (16, 2048, 4000)):
        subject = PagedSubject(tmp_path, t=t, page_size=page_size, cache_pages=8)
        generator = (reopen_ops, {"seed": t, "count": n, "deletes": True})
        ops = reopen_ops(**generator[1])
        try:
            run_and_report(
                subject,
                ops,
                repro,
                f"test_paged_reopen_large_with_deletes[t={t}]",
                check_every=250,
                budget=0,
                generator=generator,
            )
            ok, why = True, ""
        except AssertionError as exc:
            ok, why = False, str(exc)
        partial_credit.check(ok, f"t={t}, page_size={page_size}: {why}")


def _root_key(tree: PagedBTree, keys: list[int]) -> int | None:
    """The key stored in the root: with no cache, looking it up reads exactly one page."""
    for key in keys:
        before = stats_of(tree)[0]
        tree.get(key)
        if stats_of(tree)[0] - before == 1:
            return key
    return None


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A delete that needs no borrow or merge writes only the leaf it removed the key from.",
    "Replacing an internal key by its predecessor changes two pages: the internal node and the leaf.",
)
def test_paged_delete_writes(tmp_path, partial_credit):
    """A delete without rebalancing writes 1 page, a predecessor swap exactly 2; every changed page is counted."""
    checks: list[tuple[bool, str]] = []

    def delete(tree: PagedBTree, key: int, name: str, want: int = 1) -> None:
        height = tree.height
        before = stats_of(tree)
        del tree[key]
        reads, writes, hits = (a - b for a, b in zip(stats_of(tree), before, strict=True))
        checks.append((writes == want, f"{name} wrote {writes} pages; it must write exactly {want}"))
        if want == 1:
            checks.append(
                (
                    reads + hits == height,
                    f"{name} visited {reads + hits} pages (reads + cache hits) in a tree of height {height}; a "
                    "delete that needs no borrow or merge visits each page of its path exactly once",
                )
            )

    for t in (2, 3, 4):
        path = tmp_path / f"root{t}.db"
        with _open(path, t) as tree:
            for k in range(2 * t - 1):
                tree[k] = b"r"
        with _open(path, t) as tree:  # a full root leaf: deleting from it never rebalances
            for k in range(2 * t - 1):
                delete(tree, k, f"t={t}: deleting {k} from a root leaf")
        if t == 2:
            continue  # at t = 2 a leaf has no room for the spare keys below without a split
        path = tmp_path / f"two{t}.db"
        keys = [10 * (i + 1) for i in range(2 * t)]  # any valid tree of these keys has height 2, one root key
        with _open(path, t) as tree:
            for k in keys:
                tree[k] = b"v%d" % k
        with _open(path, t, cache_pages=0) as tree:
            root = _root_key(tree, keys)
            checks.append(
                (root is not None, f"t={t}: no key of the height-2 tree {keys} is found by reading one page")
            )
            if root is None:
                continue
            for k in (root - 1, root + 1, 5, keys[-1] + 5):  # every leaf gets a key to spare ...
                tree[k] = b"spare"
            for k in (5, keys[-1] + 5):  # ... so deleting from a leaf touches only that leaf
                delete(tree, k, f"t={t}: deleting {k} from a leaf with a key to spare (height-2 tree)")
            delete(tree, root, f"t={t}: deleting the root key {root} whose left leaf has a key to spare", 2)
            remaining = list(tree)
        want = sorted({*keys, root - 1, root + 1} - {root})
        checks.append((remaining == want, f"t={t}: after the deletes the keys are {remaining}, not {want}"))
    # Every page whose bytes change in the file was written, free pages included: compare the file before
    # and after each delete (merges, borrows, root shrinks all happen at t = 2) with the writes counted.
    path = tmp_path / "changed.db"
    keys = list(range(120))
    random.Random(5).shuffle(keys)
    page = SMALL[2]
    with _open(path, 2, cache_pages=0) as tree:
        for k in keys:
            tree[k] = b"c%d" % k
        random.Random(6).shuffle(keys)
        undercounted = None
        for k in keys[:100]:
            tree.flush()
            old, before = path.read_bytes(), stats_of(tree)[1]
            del tree[k]
            tree.flush()
            new, writes = path.read_bytes(), stats_of(tree)[1] - before
            pages = max(len(old), len(new)) // page
            changed = sum(
                1 for p in range(1, pages) if old[p * page : (p + 1) * page] != new[p * page : (p + 1) * page]
            )
            if writes < changed:
                undercounted = (k, writes, changed)
                break
    checks.append(
        (
            undercounted is None,
            f"t=2: deleting key {undercounted[0] if undercounted else None} changed "
            f"{undercounted[2] if undercounted else 0} pages of the file but counted "
            f"{undercounted[1] if undercounted else 0} page writes; every page written counts, also a page "
            "put on the free list",
        )
    )
    partial_credit.total = len(checks)
    for ok, message in checks:
        partial_credit.check(ok, message)


@pytest.mark.points(2)
@pytest.mark.hints(
    "Pages emptied by merges and root shrinks go on a free list; new nodes take pages from it first.",
    "Keep the head of the free list in the header so that it survives close() and reopening.",
    "Filling and emptying the same tree again and again must not grow the file by a single page.",
)
def test_paged_free_page_reuse(tmp_path, partial_credit):
    """Pages freed by merges and root shrinks are reused: fill/empty cycles, also across reopen, never grow the file."""
    partial_credit.total = 3
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
        empty = len(tree) == 0 and tree.height == 0
    partial_credit.check(
        sizes == [sizes[0]] * len(sizes),
        f"file size after each of 5 fill/empty cycles: {sizes}; freed pages must be reused before the file grows",
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
        reopened == [sizes[0]] * len(reopened),
        f"file size after fill/empty cycles that close and reopen in between: {reopened} (first fill: "
        f"{sizes[0]}); the free-page list must be saved in the file so it survives reopening",
    )
    with _open(path) as tree:
        for k in keys[:50]:
            tree[k] = b"back"
        got = [tree[k] for k in keys[:50]]
    partial_credit.check(
        empty and all(same(v, b"back") for v in got) and os.path.getsize(path) == sizes[0],
        "after the cycles the emptied tree must have len 0 and height 0 and accept new keys in its free pages",
    )
