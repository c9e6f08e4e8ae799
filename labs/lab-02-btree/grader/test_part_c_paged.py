"""Part C: PagedBTree without deletion: arguments, life cycle, persistence, page-I/O accounting, the LRU
cache, lazy scans and corrupt files. No test here deletes a key."""

from __future__ import annotations

import contextlib
import os
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from btree import MAX_VALUE_SIZE, CorruptFileError, PagedBTree, min_page_size
from btree.paged import KEY_MAX, KEY_MIN
from btree_harness import PagedSubject, check_height, plain_pairs, run_and_report, same, stats_of
from btree_sequences import reopen_ops
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.part("C")

SMALL = {2: 256, 3: 512, 4: 512}  # page sizes used with tiny fanouts; each is >= min_page_size(t)
assert all(size >= min_page_size(t) for t, size in SMALL.items())
REPRO_HINT = (
    "Run the reproduction file the feedback names: it replays every operation and stops where yours differs."
)


def _open(path: Path, t: int = 2, cache_pages: int = 4) -> PagedBTree:
    return PagedBTree(path, t=t, page_size=SMALL[t], cache_pages=cache_pages)


def _fill(path: Path, keys: list[int], t: int = 2, cache_pages: int = 4) -> dict[int, bytes]:
    model = {}
    with _open(path, t, cache_pages) as tree:
        for k in keys:
            tree[k] = b"v%d" % k
            model[k] = b"v%d" % k
    return model


def _raises(call: Callable[[], Any], error: type[BaseException], names: re.Pattern[str] | None) -> str | None:
    """None when `call` raises `error` (with a message matching `names`); else what happened instead."""
    try:
        got = call()
    except error as exc:
        if names is None or names.search(str(exc)):
            return None
        return f"raised {error.__name__}({str(exc)!r}), whose message does not say what is wrong"
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"
    if isinstance(got, PagedBTree):
        with contextlib.suppress(Exception):
            got.close()
        return "returned a PagedBTree"
    return f"returned {type(got).__name__}"


NAMES_T = re.compile(r"\bt\b|degree", re.IGNORECASE)
NAMES_PAGE = re.compile(r"page", re.IGNORECASE)
NAMES_CACHE = re.compile(r"cache", re.IGNORECASE)
NAMES_KEY = re.compile(r"key", re.IGNORECASE)
NAMES_VALUE = re.compile(r"value|bytes|MAX_VALUE_SIZE", re.IGNORECASE)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "README B.1 lists what the constructor rejects for a new file: check each argument's type and range.",
    "t and page_size are integers; page_size == min_page_size(t) is the smallest size that must work.",
    "Name the argument in every ValueError message, e.g. 'page_size 100 is too small for t=4'.",
)
def test_paged_rejects_bad_arguments(tmp_path, partial_credit):
    """New files: t < 2 or non-integer, too-small or non-integer page sizes, negative or bool cache_pages raise ValueError."""
    cases = [(f"t={t!r}", {"t": t, "page_size": 4096}, NAMES_T) for t in (1, 0, -2, 2.5, "4", None)]
    cases += [
        (f"t=4, page_size={size!r}", {"t": 4, "page_size": size}, NAMES_PAGE)
        for size in (min_page_size(4) - 1, 64, 0, -4096, 4096.5, "4096")
    ]
    cases += [
        (f"cache_pages={c!r}", {"t": 2, "page_size": 256, "cache_pages": c}, NAMES_CACHE)
        for c in (-1, 1.5, True)
    ]
    partial_credit.total = len(cases) + 4
    for i, (what, kwargs, names) in enumerate(cases):
        problem = _raises(
            lambda i=i, kwargs=kwargs: PagedBTree(tmp_path / f"bad{i}.db", **kwargs), ValueError, names
        )
        partial_credit.check(
            problem is None, f"PagedBTree(path, {what}) must raise ValueError naming it; it {problem}"
        )
    for t in (2, 3, 4, 8):  # the smallest page size that must be accepted, with full nodes of 32-byte values
        path = tmp_path / f"min{t}.db"
        try:
            value = b"\xff" * MAX_VALUE_SIZE
            with PagedBTree(path, t=t, page_size=min_page_size(t), cache_pages=0) as tree:
                for k in range(40 * t):
                    tree[KEY_MAX - k] = value
            with PagedBTree(path, t=t, page_size=min_page_size(t), cache_pages=0) as tree:
                got = plain_pairs(tree.items(), int, bytes)
            ok = got == [(KEY_MAX - k, value) for k in reversed(range(40 * t))]
            what = "" if ok else "the keys read back are wrong"
        except Exception as exc:
            ok, what = False, f"{type(exc).__name__}: {exc}"
        partial_credit.check(
            ok, f"page_size=min_page_size({t}) with full nodes of {MAX_VALUE_SIZE}-byte values: {what}"
        )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Validate the key and the value before touching any page: a rejected insert must not change the file.",
    "Keys are int (not float) in [KEY_MIN, KEY_MAX], both ends included; values are bytes of 0..32 bytes.",
)
def test_paged_rejects_bad_keys_and_values(tmp_path, partial_credit):
    """Bad keys/values raise TypeError/ValueError naming them and change nothing; the boundaries are accepted."""
    bad = [
        ("a str key", "one", b"x", TypeError, NAMES_KEY),
        ("a float key", 1.0, b"x", TypeError, NAMES_KEY),
        ("a bool key", True, b"x", TypeError, NAMES_KEY),
        ("key KEY_MAX + 1", KEY_MAX + 1, b"x", ValueError, NAMES_KEY),
        ("key KEY_MIN - 1", KEY_MIN - 1, b"x", ValueError, NAMES_KEY),
        ("a str value", 5, "text", TypeError, NAMES_VALUE),
        ("a bytearray value", 5, bytearray(b"x"), TypeError, NAMES_VALUE),
        ("an int value", 5, 7, TypeError, NAMES_VALUE),
        (f"a value of {MAX_VALUE_SIZE + 1} bytes", 5, b"x" * (MAX_VALUE_SIZE + 1), ValueError, NAMES_VALUE),
    ]
    partial_credit.total = len(bad) + 1
    path = tmp_path / "t.db"
    with _open(path, t=2) as tree:
        for k in (1, 2, 3):  # a full root leaf: the next accepted insert would split it
            tree[k] = b"v"
        for what, key, value, error, names in bad:
            before = (stats_of(tree)[1], len(tree), tree.height, os.path.getsize(path))

            def insert(key: Any = key, value: Any = value) -> None:
                tree[key] = value

            problem = _raises(insert, error, names)
            after = (stats_of(tree)[1], len(tree), tree.height, os.path.getsize(path))
            if problem is None and after != before:
                problem = f"raised, but changed the tree first (writes, len, height, file size: {before} -> {after})"
            partial_credit.check(
                problem is None, f"storing {what} must raise {error.__name__} naming it; it {problem}"
            )
        edges = {KEY_MIN: b"", KEY_MAX: b"m" * MAX_VALUE_SIZE, 0: b"\0" * MAX_VALUE_SIZE, -1: b"-"}
        try:
            for key, value in edges.items():
                tree[key] = value
            problem = None
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
    if problem is None:
        with _open(path, t=2) as tree:
            got = plain_pairs(tree.items(), int, bytes)
            empty_found = (KEY_MIN in tree, tree.get(KEY_MIN, b"default"), tree[KEY_MIN])
        want = sorted({1: b"v", 2: b"v", 3: b"v", **edges}.items())
        problem = None if got == want else f"after reopening the tree holds {got}, expected {want}"
        if problem is None and not (empty_found[0] is True and all(same(v, b"") for v in empty_found[1:])):
            problem = (
                f"KEY_MIN is stored with the empty value b'', yet (KEY_MIN in tree, tree.get(KEY_MIN, b'default'), "
                f"tree[KEY_MIN]) gave {empty_found!r}; expected (True, b'', b''): b'' is a value like any other"
            )
    partial_credit.check(
        problem is None, f"KEY_MIN, KEY_MAX, empty and {MAX_VALUE_SIZE}-byte values must be stored: {problem}"
    )


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "close() twice is harmless; after close, every lookup and update raises ValueError (even from the cache).",
    "Leaving a `with` block closes the tree, also when the block raised.",
    "For an existing file the header's t and page size win over the constructor's arguments; an empty file is a new tree.",
)
def test_paged_life_cycle(tmp_path, partial_credit):
    """close() twice, use after close, `with` (exceptions propagate), flush(), empty files, reopening with other arguments."""
    path = tmp_path / "t.db"
    model = _fill(path, list(range(50)))
    checks: list[tuple[bool, str]] = []
    tree = _open(path, cache_pages=8)
    same(tree[0], b"v0")  # pull some pages into the cache
    tree.close()
    try:
        tree.close()
        checks.append((True, ""))
    except Exception as exc:
        checks.append((False, f"closing a closed tree must be harmless, got {type(exc).__name__}: {exc}"))
    after_close: dict[str, Callable[[], Any]] = {
        "tree[0]": lambda: tree[0],
        "tree.get(1)": lambda: tree.get(1),
        "2 in tree": lambda: 2 in tree,
        "tree[99] = b'x'": lambda: tree.__setitem__(99, b"x"),
        "list(tree.range())": lambda: list(tree.range()),
        "tree.min()": tree.min,
    }
    for what, call in after_close.items():
        problem = _raises(call, ValueError, None)
        checks.append((problem is None, f"after close(), {what} must raise ValueError; it {problem}"))
    with _open(path) as tree:
        pass
    problem = _raises(lambda: tree[0], ValueError, None)
    checks.append(
        (
            problem is None,
            f"after a `with` block the tree is closed: tree[0] must raise ValueError; it {problem}",
        )
    )
    marker = RuntimeError("leave the block with an exception")
    try:
        with _open(path) as tree:
            tree[1000] = b"in with"
            raise marker
        escaped: BaseException | None = None
    except RuntimeError as exc:
        escaped = exc
    checks.append(
        (
            escaped is marker,
            "an exception raised inside `with PagedBTree(...)` must propagate out of the block after the tree "
            "is closed (__exit__ must not return True); it was swallowed",
        )
    )
    model[1000] = b"in with"
    with _open(path) as tree:
        got = plain_pairs(tree.items(), int, bytes)
    checks.append(
        (
            got == sorted(model.items()),
            "a `with` block left by an exception must still close the tree and write the header",
        )
    )
    first = _open(path)
    try:
        for k in range(2000, 2100):
            first[k] = b"flushed"
            model[k] = b"flushed"
        first.flush()
        with _open(path, cache_pages=0) as second:
            got = plain_pairs(second.items(), int, bytes)
        checks.append(
            (
                got == sorted(model.items()),
                "after flush() the file must describe the whole tree (a second PagedBTree opened on it must see every key)",
            )
        )
    finally:
        first.close()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    try:
        with PagedBTree(empty, t=3, page_size=512) as tree:
            ok = len(tree) == 0 and tree.height == 0
            tree[7] = b"seven"
        with PagedBTree(empty, t=3, page_size=512) as tree:
            ok = ok and plain_pairs(tree.items(), int, bytes) == [(7, b"seven")] and tree.t == 3
        what = ""
    except Exception as exc:
        ok, what = False, f"{type(exc).__name__}: {exc}"
    checks.append((ok, f"an existing empty file must be opened as a new, empty tree {what}"))
    text_path = str(tmp_path / "text-path.db")  # README C.1: the path is a str or a Path
    try:
        with PagedBTree(text_path, t=2, page_size=SMALL[2]) as tree:
            tree[3] = b"three"
        with PagedBTree(text_path, t=2, page_size=SMALL[2]) as tree:
            ok = plain_pairs(tree.items(), int, bytes) == [(3, b"three")]
        what = "" if ok else "the key stored was not read back"
    except Exception as exc:
        ok, what = False, f"{type(exc).__name__}: {exc}"
    checks.append(
        (ok, f"PagedBTree(path) with path a plain str (not a Path) must create and reopen the file: {what}")
    )
    try:
        with PagedBTree(path, t=4, page_size=1024, cache_pages=3) as tree:
            shape = (tree.t, tree.page_size)
            for k in range(3000, 3200):
                tree[k] = b"more"
                model[k] = b"more"
        with PagedBTree(path) as tree:
            shape2 = (tree.t, tree.page_size)
            got = plain_pairs(tree.items(), int, bytes)
        ok = shape == (2, SMALL[2]) == shape2 and got == sorted(model.items())
        what = f"t and page_size were {shape} and {shape2}"
    except Exception as exc:
        ok, what = False, f"{type(exc).__name__}: {exc}"
    checks.append(
        (
            ok,
            f"reopening with other t/page_size must use the file's t=2, page_size={SMALL[2]} and keep every key: {what}",
        )
    )
    for t, page_size in ((1, 16), (None, "big")):  # ignored for an existing file, even when invalid
        try:
            with PagedBTree(path, t=t, page_size=page_size, cache_pages=2) as tree:  # type: ignore[arg-type]
                shape = (tree.t, tree.page_size)
                ok = shape == (2, SMALL[2]) and len(tree) == len(model)
            what = f"t and page_size were {shape}"
        except Exception as exc:
            ok, what = False, f"{type(exc).__name__}: {exc}"
        checks.append(
            (
                ok,
                f"PagedBTree(existing_file, t={t!r}, page_size={page_size!r}) must ignore both arguments and "
                f"open the file's tree (t=2, page_size={SMALL[2]}): {what}",
            )
        )
    for cache in (-1, True):  # cache_pages is validated for existing files too
        problem = _raises(
            lambda cache=cache: PagedBTree(path, t=2, page_size=SMALL[2], cache_pages=cache),
            ValueError,
            NAMES_CACHE,
        )
        checks.append(
            (
                problem is None,
                f"PagedBTree(existing_file, cache_pages={cache!r}) must raise ValueError naming cache_pages; it {problem}",
            )
        )
    partial_credit.total = len(checks)
    for ok, message in checks:
        partial_credit.check(ok, message)


@st.composite
def paged_insert_ops(draw: st.DrawFn, keyspace: int) -> list[tuple]:
    key = st.integers(-5, keyspace - 1)
    bound = st.none() | st.just(0) | st.integers(-6, keyspace)
    op = st.one_of(
        st.tuples(st.just("set"), key, st.binary(max_size=MAX_VALUE_SIZE)),
        st.tuples(st.just("reopen")),
        st.tuples(st.just("get"), key),
        st.tuples(st.just("getd"), key, st.just(b"default")),
        st.tuples(st.just("range"), bound, bound),
        st.tuples(st.sampled_from(["min", "max", "items", "len", "iter"])),
        st.tuples(st.just("in"), key),
    )
    grow = draw(st.permutations(range(keyspace)))[: draw(st.integers(0, keyspace))]
    ops: list[tuple] = [("set", k, b"%d" % k) for k in grow]
    count = draw(st.integers(0, 40))
    ops += draw(st.lists(op, min_size=count, max_size=count))
    return [*ops, ("reopen",), ("items",)]


PAGED_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=30,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate),  # the graders shrink failures themselves, within a time budget
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.points(3)
@pytest.mark.critical("no key or value is lost or changed across close() and reopening")
@pytest.mark.hints(
    REPRO_HINT,
    "Every page you change must be written before the operation returns; the header is written by close().",
    "height is kept in the header: update it when the root splits, and min() must visit exactly height pages.",
)
@settings(PAGED_SETTINGS)
@given(ops=paged_insert_ops(keyspace=40))
def test_paged_differential_with_reopen(tmp_path, ops, repro):
    """t=2, tiny pages, 2-page cache: random inserts and lookups with close/reopen match a dict model."""
    subject = PagedSubject(tmp_path, t=2, page_size=SMALL[2], cache_pages=2)
    run_and_report(subject, ops, repro, "test_paged_differential_with_reopen", budget=2.0)


@pytest.mark.points(1)
@pytest.mark.hints(REPRO_HINT, "Check the layout with large t too: 31 keys and 32 children in one page.")
def test_paged_reopen_large(tmp_path, partial_credit, repro):
    """Thousands of keys at t = 2, 3 and 16 survive close() and reopen; the file is whole pages."""
    partial_credit.total = 6
    for t, page_size, n in ((2, SMALL[2], 1500), (3, SMALL[3], 1500), (16, 2048, 4000)):
        subject = PagedSubject(tmp_path, t=t, page_size=page_size, cache_pages=8)
        generator = (reopen_ops, {"seed": t, "count": n, "deletes": False})
        ops = reopen_ops(**generator[1])
        try:
            run_and_report(
                subject,
                ops,
                repro,
                f"test_paged_reopen_large[t={t}]",
                check_every=250,
                budget=0,
                generator=generator,
            )
            ok, why = True, ""
        except AssertionError as exc:
            ok, why = False, str(exc)
        partial_credit.check(ok, f"t={t}, page_size={page_size}: {why}")
        size = os.path.getsize(subject.path) if subject.path.exists() else 0
        partial_credit.check(
            size % page_size == 0 and size >= page_size * (n // (2 * t - 1)) // 2,
            f"t={t}: the file is {size} bytes; it should be whole pages of {page_size} bytes, one node per page",
        )


def _delta(tree: PagedBTree, call: Callable[[], Any]) -> tuple[Any, tuple[int, int, int]]:
    before = stats_of(tree)
    result = call()
    return result, tuple(a - b for a, b in zip(stats_of(tree), before, strict=True))  # type: ignore[return-value]


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Opening reads only the header; height and len come from the header too, without reading any page.",
    "Count a read only in the function that reads a node page from the file, a hit only on a cache hit.",
    "With no cache, a lookup reads exactly the pages of its root-to-node path: a miss always reaches a leaf.",
)
def test_paged_io_accounting(tmp_path, partial_credit):
    """Opening, height, len and flush read no node page; cold lookups read exactly their path, no writes."""
    path = tmp_path / "t.db"
    keys = list(range(0, 3000, 3))
    random.Random(1).shuffle(keys)
    model = _fill(path, keys, t=2)
    checks: list[tuple[bool, str]] = []
    with PagedBTree(path, t=2, page_size=SMALL[2], cache_pages=0) as tree:
        checks.append(
            (
                stats_of(tree) == (0, 0, 0),
                f"opening a tree must read and write no node page: stats {stats_of(tree)}",
            )
        )
        height, d_height = _delta(tree, lambda: tree.height)
        size, d_len = _delta(tree, lambda: len(tree))
        _, d_flush = _delta(tree, tree.flush)
        checks.append(
            (
                d_height == d_len == d_flush == (0, 0, 0),
                f"height, len() and flush() must not count node-page I/O: {d_height}, {d_len}, {d_flush}",
            )
        )
        problem = check_height(height, len(keys), 2)
        checks.append(
            (problem is None and size == len(keys), f"height/len after reopening: {problem or size}")
        )
        for what, call, want in (("tree.min()", tree.min, min(keys)), ("tree.max()", tree.max, max(keys))):
            got, delta = _delta(tree, call)
            checks.append(
                (
                    same(got, want) and delta == (height, 0, 0),
                    f"{what} with cache_pages=0 gave {got!r} with (reads, writes, hits) {delta}; it must read exactly the {height} pages of its path",
                )
            )
        probes = [min(keys), max(keys), *random.Random(2).sample(range(-5, 3005), 60)]
        for key in probes:
            value, (reads, writes, hits) = _delta(tree, lambda key=key: tree.get(key))
            want = model.get(key)
            exact = key not in model or key in (
                min(keys),
                max(keys),
            )  # a miss, the min and the max reach a leaf
            right_reads = reads == height if exact else 1 <= reads <= height
            checks.append(
                (
                    same(value, want) and writes == 0 and hits == 0 and right_reads,
                    f"tree.get({key}) with cache_pages=0 on a tree of height {height}: returned {value!r} (expected "
                    f"{want!r}) with {reads} page reads, {writes} writes, {hits} hits; a lookup reads each page on its "
                    f"path once: {'exactly' if exact else 'at most'} {height} reads, no writes, no hits",
                )
            )
        tree.stats.reset()
        checks.append((stats_of(tree) == (0, 0, 0), "stats.reset() must set every counter to 0"))
    partial_credit.total = len(checks)
    for ok, message in checks:
        partial_credit.check(ok, message)


def _height_two_tree(path: Path, t: int) -> list[int]:
    """2t keys 10, 20, ...: any valid tree holding them has height 2 and a root with a single key."""
    keys = [10 * (i + 1) for i in range(2 * t)]
    _fill(path, keys, t=t)
    return keys


@pytest.mark.points(2)
@pytest.mark.hints(
    "Write a page only when it changed: an insert into a leaf with room writes that leaf and nothing else.",
    "A split writes its two halves and the parent, plus the node that then receives the key.",
    "Write-through: a written page also goes into the cache, so reading it back right away is a hit.",
)
def test_paged_insert_writes(tmp_path, partial_credit):
    """Inserts without a split visit their path once and write 1 page, a split 3 or 4; written pages are cached."""
    checks: list[tuple[bool, str]] = []

    def insert(tree: PagedBTree, key: int, value: bytes, name: str, allowed: tuple[int, ...] = (1,)) -> None:
        height, overwrite = tree.height, key in tree
        before = stats_of(tree)
        tree[key] = value
        reads, writes, hits = (a - b for a, b in zip(stats_of(tree), before, strict=True))
        checks.append(
            (
                writes in allowed,
                f"{name} wrote {writes} pages; it must write {' or '.join(map(str, allowed))}",
            )
        )
        if allowed == (1,):  # no split: each page of the path to the node that holds or gets the key, once
            visits = reads + hits
            checks.append(
                (
                    1 <= visits <= height if overwrite else visits == height,
                    f"{name} visited {visits} pages (reads + cache hits) in a tree of height {height}; an insert "
                    "that splits nothing visits each page of its path once: exactly height pages for a new key "
                    "(it goes into a leaf), at most height for an overwrite",
                )
            )

    for t in (2, 3, 4):
        with _open(tmp_path / f"root{t}.db", t) as tree:  # a root-only tree: no split below 2t - 1 keys
            tree[0] = b"first"
            for k in range(1, 2 * t - 1):
                insert(tree, k, b"x", f"t={t}: inserting key {k} into a root leaf holding {k} keys")
                if k < 2 * t - 2:  # a full node may be split on the way down, even by an overwrite
                    insert(tree, k, b"y", f"t={t}: overwriting key {k} in a root leaf that is not full")
            insert(tree, 2 * t - 1, b"z", f"t={t}: inserting into a full root leaf (a root split)", (3, 4))
            checks.append(
                (tree.height == 2, f"t={t}: after the root split the height must be 2, got {tree.height}")
            )
        path = tmp_path / f"two{t}.db"
        keys = _height_two_tree(path, t)
        with _open(path, t) as tree:
            checks.append(
                (tree.height == 2, f"{2 * t} keys at t={t} must give a tree of height 2, got {tree.height}")
            )
            for k in keys:  # no node is full: the root holds one key, each leaf at most t
                insert(tree, k, b"o", f"t={t}: overwriting key {k} of a height-2 tree")
            for k in (5, keys[-1] + 5):  # into the leftmost / rightmost leaf, which holds <= t keys
                insert(tree, k, b"y", f"t={t}: inserting {k} into a leaf with room in a height-2 tree")
    path = tmp_path / "cached.db"
    with PagedBTree(path, t=2, page_size=SMALL[2], cache_pages=10_000) as tree:
        keys = list(range(400))
        random.Random(6).shuffle(keys)
        for k in keys:
            tree[k] = b"c"
        tree.stats.reset()
        values = [tree[k] for k in keys]
        reads, writes, hits = stats_of(tree)
    checks.append(
        (
            reads == 0 and writes == 0 and hits > 0 and all(same(v, b"c") for v in values),
            f"with a cache larger than the tree, looking up every key after the inserts read {reads} pages from "
            "the file; every page written (also the new halves of splits) must already be in the cache",
        )
    )
    partial_credit.total = len(checks)
    for ok, message in checks:
        partial_credit.check(ok, message)


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A hit moves the page to the most-recently-used end; a miss with a full cache evicts the least recently used.",
    "OrderedDict.move_to_end on a hit and popitem(last=False) on eviction; never hold more than cache_pages pages.",
)
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
            start = stats_of(tree)
            values = [tree[k] for k in lookups]
            got = tuple(a - b for a, b in zip(stats_of(tree), start, strict=True))
        partial_credit.check(
            all(same(v, w) for v, w in zip(values, [b"v1", b"v5", b"v5", b"v1"], strict=True))
            and got[0] == reads
            and got[2] == hits
            and got[1] == 0,
            f"cache_pages={cache_pages}: lookups of keys {lookups} (root + leaf each) gave {got[0]} reads "
            f"and {got[2]} cache hits, expected {reads} reads and {hits} hits with an LRU cache "
            "(on a hit move the page to most-recent; on a miss evict the least recently used page)",
        )


@pytest.mark.points(1)
@pytest.mark.hints(
    "range() on the paged tree is a generator too: read pages only as the scan reaches them.",
    "The first item of range(lo) costs one root-to-leaf descent: height page reads with no cache.",
)
def test_paged_range_is_lazy(tmp_path, partial_credit):
    """With no cache, the first item of a paged range costs one descent (height reads), not a read of every page."""
    path = tmp_path / "t.db"
    keys = list(range(3000))
    random.Random(9).shuffle(keys)
    _fill(path, keys, t=2)
    with PagedBTree(path, t=2, page_size=SMALL[2], cache_pages=0) as tree:
        height = tree.height
        partial_credit.total = 4
        for lo in (0, 1500, 2990, 2999):
            first, (reads, writes, _) = _delta(tree, lambda lo=lo: next(tree.range(lo, None), None))
            limit = height if lo == 0 else 2 * height
            partial_credit.check(
                type(first) is tuple
                and len(first) == 2
                and same(first[0], lo)
                and reads <= limit
                and writes == 0,
                f"next(tree.range({lo})) gave {first!r} after {reads} page reads on a tree of height {height}; "
                f"the first item must cost at most {limit} reads (one descent), not a pass over the file",
            )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Check all 8 bytes of the magic number before reading anything else from the header.",
    "A file shorter than the header must raise CorruptFileError too, not struct.error.",
)
def test_paged_wrong_magic(tmp_path, partial_credit):
    """Opening a file that is not a tree (wrong magic, text, random bytes, two bytes) raises CorruptFileError."""
    good = tmp_path / "good.db"
    _fill(good, list(range(50)))
    data = good.read_bytes()
    variants = {
        "magic bytes overwritten": b"NOTATREE" + data[8:],
        "first byte flipped": bytes([data[0] ^ 0xFF]) + data[1:],
        "last byte of the 8-byte magic flipped": data[:7] + bytes([data[7] ^ 0x01]) + data[8:],
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


@pytest.mark.points(1)
@pytest.mark.hints(
    "When opening, compare the page count in the header with the file's size.",
    "Every page read must return a whole page; a short read means the file was cut: CorruptFileError.",
)
def test_paged_truncated_file(tmp_path, partial_credit):
    """A truncated file raises CorruptFileError when opened; a file cut while open raises it when read."""
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
    partial_credit.total = len(lengths) + 1
    for name, length in lengths.items():
        path = tmp_path / "cut.db"
        path.write_bytes(data[:length])
        problem = _raises(lambda path=path: PagedBTree(path, t=2, page_size=page), CorruptFileError, None)
        partial_credit.check(
            problem is None,
            f"opening a file cut to {length} bytes ({name}) must raise CorruptFileError; it {problem}",
        )
    path = tmp_path / "cut-while-open.db"
    path.write_bytes(data)
    tree = PagedBTree(path, t=2, page_size=page, cache_pages=0)
    try:
        os.truncate(path, len(data) - page // 2)
        problem = _raises(lambda: list(tree.items()), CorruptFileError, None)
    finally:
        with contextlib.suppress(Exception):
            tree.close()
    partial_credit.check(
        problem is None,
        f"reading a page of a file cut while it is open must raise CorruptFileError; it {problem}",
    )
