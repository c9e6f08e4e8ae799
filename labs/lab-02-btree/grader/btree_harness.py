"""Shared machinery for the lab-02 graders: structural checkers, a model-based op runner, a shrinker and
the writer of standalone reproduction files.

Nothing the learner's code returns is trusted: keys, values and flags are checked for their exact type
(`type(x) is int`) before they are compared, so an object with a lying `__eq__` gains nothing.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sortedcontainers import SortedDict

Op = tuple[Any, ...]
Repro = Callable[[str], None]
Generator = tuple[Callable[..., list[Op]], dict[str, Any]]  # a seeded function and its keyword arguments
MISSING = object()
SHOWN_OPS = (
    12  # a failing sequence this short is printed whole in the feedback; longer ones only in the repro
)


# --------------------------------------------------------------------------------------------------
# Exact-type views of learner results
# --------------------------------------------------------------------------------------------------
def same(got: object, want: object) -> bool:
    """`got` equals `want` and has exactly its type (so a lying subclass never matches)."""
    return type(got) is type(want) and bool(want == got)


def plain_pairs(result: Any, key_type: type, value_type: type) -> list[tuple[Any, Any]] | str:
    """The (key, value) pairs of a scan as plain values, or a description of the first bad item."""
    out = []
    for item in result:
        if type(item) is not tuple or len(item) != 2:
            return f"items must be (key, value) tuples, got {item!r}"
        key, value = item
        if type(key) is not key_type:
            return f"key {key!r} should be of type {key_type.__name__}, got {type(key).__name__}"
        if type(value) is not value_type:
            return f"value {value!r} should be of type {value_type.__name__}, got {type(value).__name__}"
        out.append((key, value))
    return out


def plain_keys(result: Any, key_type: type) -> list[Any] | str:
    out = []
    for key in result:
        if type(key) is not key_type:
            return f"iterating the tree must yield keys of type {key_type.__name__}, got {key!r}"
        out.append(key)
    return out


# --------------------------------------------------------------------------------------------------
# Structural invariants of an in-memory BTree (Parts A and B)
# --------------------------------------------------------------------------------------------------
def _where(path: list[int]) -> str:
    return "root" + "".join(f".children[{i}]" for i in path)


def check_structure(tree: Any, model: Any, t: int) -> str | None:
    """Check every B-tree invariant of `tree` and that it holds exactly `model`; None when all is well."""
    count = len(model)
    size = len(tree)
    if size != count:
        return f"len(tree) is {size} but the tree should hold {count} keys"
    root = tree.root
    height = tree.height
    if type(height) is not int:
        return f"tree.height must be an int, got {type(height).__name__}"
    if count == 0:
        if root is None or list(root.keys) or list(root.children):
            return "an empty tree's root must be a leaf without keys"
        if height != 0:
            return f"an empty tree must have height 0, got {height}"
        return None
    key_type = type(next(iter(model)))
    keys_seen: list[Any] = []
    values_seen: list[Any] = []
    leaf_depths: set[int] = set()
    budget = [4 * count + 16]  # more nodes than this means a cycle or a leak of empty nodes

    def visit(node: Any, path: list[int], lo: Any, hi: Any) -> str | None:
        budget[0] -= 1
        if budget[0] < 0:
            return "the tree has far more nodes than keys: is a node reachable twice (a cycle)?"
        keys, values, children = list(node.keys), list(node.values), list(node.children)
        where = _where(path)
        for key in keys:
            if type(key) is not key_type:
                return (
                    f"{where} holds {key!r} of type {type(key).__name__}; keys must stay {key_type.__name__}"
                )
        if len(values) != len(keys):
            return f"{where} has {len(keys)} keys but {len(values)} values"
        low = 1 if not path else t - 1
        if not low <= len(keys) <= 2 * t - 1:
            kind = "the root" if not path else "a non-root node"
            return (
                f"{where} holds {len(keys)} keys {keys[:8]}, but with t={t} {kind} must hold "
                f"{low}..{2 * t - 1} keys"
            )
        for a, b in itertools.pairwise(keys):
            if not a < b:
                return f"{where} keys are not strictly ascending: {keys[:8]}"
        if lo is not MISSING and not lo < keys[0]:
            return f"{where} holds key {keys[0]!r}, which is not greater than its parent's separator {lo!r}"
        if hi is not MISSING and not keys[-1] < hi:
            return f"{where} holds key {keys[-1]!r}, which is not less than its parent's separator {hi!r}"
        if not children:
            leaf_depths.add(len(path) + 1)
            keys_seen.extend(keys)
            values_seen.extend(values)
            return None
        if len(children) != len(keys) + 1:
            return f"{where} is internal with {len(keys)} keys but has {len(children)} children (need k + 1)"
        for i, child in enumerate(children):
            problem = visit(child, [*path, i], keys[i - 1] if i else lo, keys[i] if i < len(keys) else hi)
            if problem:
                return problem
            if i < len(keys):
                keys_seen.append(keys[i])
                values_seen.append(values[i])
        return None

    problem = visit(root, [], MISSING, MISSING)
    if problem:
        return problem
    if len(leaf_depths) != 1:
        return f"leaves are at different depths {sorted(leaf_depths)}; all leaves must be at the same depth"
    depth = leaf_depths.pop()
    if height != depth:
        return f"tree.height is {height} but the leaves are at depth {depth} (a root-only tree has height 1)"
    expected = list(model)
    if keys_seen != expected:
        extra = sorted(set(keys_seen) - set(expected))[:5]
        lost = sorted(set(expected) - set(keys_seen))[:5]
        return f"the tree's keys differ from what was inserted: unexpected {extra}, missing {lost}"
    for key, value in zip(keys_seen, values_seen, strict=True):
        want = model[key]
        if not same(value, want):
            return f"key {key!r} is stored with value {value!r}, expected {want!r}"
    return None


def height_bounds(n: int, t: int) -> tuple[int, int]:
    """The heights a B-tree of n >= 1 keys and minimum degree t can have (CLRS theorem 18.1 and its converse)."""
    low, capacity = 1, 2 * t - 1
    while capacity < n:
        low, capacity = low + 1, capacity * 2 * t + 2 * t - 1
    high, minimum = 1, 1
    while minimum + 2 * (t - 1) * t ** (high - 1) <= n:
        minimum += 2 * (t - 1) * t ** (high - 1)
        high += 1
    return low, high


def check_height(height: object, n: int, t: int) -> str | None:
    if type(height) is not int:
        return f"tree.height must be an int, got {type(height).__name__}"
    if n == 0:
        return None if height == 0 else f"an empty tree must have height 0, got {height}"
    low, high = height_bounds(n, t)
    if not low <= height <= high:
        return f"tree.height is {height}, impossible for {n} keys at t={t} (must be {low}..{high})"
    return None


def stats_of(tree: Any) -> tuple[int, int, int]:
    """(page_reads, page_writes, cache_hits) as plain ints."""
    stats = tree.stats
    counts = (stats.page_reads, stats.page_writes, stats.cache_hits)
    if not all(type(c) is int for c in counts):
        raise AssertionError(f"tree.stats counters must be ints, got {counts!r}")
    return counts


def check_paged(tree: Any, model: Any, t: int) -> str | None:
    """The paged tree's size and height; the height must be the real depth: `min()` visits `height` pages."""
    size = len(tree)
    if size != len(model):
        return f"len(tree) is {size} but the tree should hold {len(model)} keys"
    height = tree.height
    problem = check_height(height, len(model), t)
    if problem or not model:
        return problem
    reads, _, hits = stats_of(tree)
    smallest = tree.min()
    after_reads, _, after_hits = stats_of(tree)
    visits = after_reads - reads + after_hits - hits
    if not same(smallest, next(iter(model))):
        return f"tree.min() is {smallest!r}, expected {next(iter(model))!r}"
    if visits != height:
        return (
            f"tree.min() visited {visits} pages (reads + cache hits) but tree.height is {height}; a lookup "
            "visits each page of its root-to-leaf path once, so the stored height is not the tree's depth"
        )
    return None


# --------------------------------------------------------------------------------------------------
# Subjects: how to build, reopen and describe the tree under test
# --------------------------------------------------------------------------------------------------
class MemorySubject:
    """Runs ops against `btree.BTree(t)`; keys and values are ints."""

    paged = False
    key_type = int
    value_type = int

    def __init__(self, t: int, check: bool = True) -> None:
        self.t = t
        self.check = check
        self.tree: Any = None

    def start(self) -> None:
        from btree import BTree

        self.tree = BTree(t=self.t)

    def verify(self, model: SortedDict) -> str | None:
        return check_structure(self.tree, model, self.t) if self.check else None

    def finish(self) -> None:
        self.tree = None

    def describe(self) -> str:
        return f"BTree(t={self.t})"


class PagedSubject:
    """Runs ops against `btree.PagedBTree` in a fresh file under `folder`; keys are ints, values bytes."""

    paged = True
    key_type = int
    value_type = bytes
    _serial = 0

    def __init__(self, folder: Path, t: int, page_size: int, cache_pages: int) -> None:
        self.folder, self.t, self.page_size, self.cache_pages = folder, t, page_size, cache_pages
        self.tree: Any = None
        self.path = folder / "tree.db"

    def arguments(self) -> str:
        return f"t={self.t}, page_size={self.page_size}, cache_pages={self.cache_pages}"

    def open(self) -> Any:
        from btree import PagedBTree

        return PagedBTree(self.path, t=self.t, page_size=self.page_size, cache_pages=self.cache_pages)

    def start(self) -> None:
        PagedSubject._serial += 1
        self.path = self.folder / f"tree{PagedSubject._serial}.db"
        self.tree = self.open()

    def reopen(self) -> None:
        self.tree.close()
        self.tree = self.open()

    def verify(self, model: SortedDict) -> str | None:
        return check_paged(self.tree, model, self.t)

    def finish(self) -> None:
        if self.tree is not None:
            with contextlib.suppress(Exception):
                self.tree.close()
            self.tree = None

    def describe(self) -> str:
        return f"PagedBTree(path, {self.arguments()})"


# --------------------------------------------------------------------------------------------------
# Running op sequences against a sorted-dict model
# --------------------------------------------------------------------------------------------------
def describe_op(op: Op) -> str:
    kind = op[0]
    if kind == "set":
        return f"tree[{op[1]!r}] = {op[2]!r}"
    if kind == "get":
        return f"tree[{op[1]!r}]"
    if kind == "getd":
        return f"tree.get({op[1]!r}, {op[2]!r})"
    if kind == "del":
        return f"del tree[{op[1]!r}]"
    if kind == "in":
        return f"{op[1]!r} in tree"
    if kind == "len":
        return "len(tree)"
    if kind in ("min", "max"):
        return f"tree.{kind}()"
    if kind == "range":
        return f"list(tree.range({op[1]!r}, {op[2]!r}))"
    if kind == "items":
        return "list(tree.items())"
    if kind == "iter":
        return "list(tree)"
    if kind == "reopen":
        return "tree.close(); tree = PagedBTree(path, ...same arguments...)"
    raise ValueError(op)


def _short(items: list[Any]) -> str:
    return f"{items[:10]}{' ...' if len(items) > 10 else ''}"


def apply(subject: Any, model: SortedDict, op: Op) -> str | None:
    """Run one op on the subject's tree and the model; a description of any difference, else None.

    Every expected value is taken from the model after the learner's call has returned.
    """
    tree, kind = subject.tree, op[0]
    key_type, value_type = subject.key_type, subject.value_type

    def expect_error(call: Callable[[], Any], error: type[BaseException], why: str) -> str | None:
        try:
            got = call()
        except error:
            return None
        return f"expected {error.__name__} ({why}), got {got!r}"

    if kind == "set":
        tree[op[1]] = op[2]
        model[op[1]] = op[2]
    elif kind in ("get", "getd"):
        key = op[1]
        if kind == "get" and key not in model:
            return expect_error(lambda: tree[key], KeyError, f"{key!r} is not in the tree")
        got = tree[key] if kind == "get" else tree.get(key, op[2])
        want = model.get(key, op[2] if kind == "getd" else None)
        if not same(got, want):
            return f"got {got!r}, expected {want!r}"
    elif kind == "del":
        key = op[1]
        if key not in model:
            return expect_error(lambda: tree.__delitem__(key), KeyError, f"{key!r} is not in the tree")
        del tree[key]
        del model[key]
    elif kind == "in":
        got = op[1] in tree
        if got is not (op[1] in model):
            return f"got {got}, expected {op[1] in model}"
    elif kind == "len":
        size = len(tree)
        if size != len(model):
            return f"got {size}, expected {len(model)}"
    elif kind in ("min", "max"):
        if not model:
            return expect_error(getattr(tree, kind), ValueError, "the tree is empty")
        got = getattr(tree, kind)()
        want = model.peekitem(0 if kind == "min" else -1)[0]
        if not same(got, want):
            return f"got {got!r}, expected {want!r}"
    elif kind in ("range", "items"):
        lo, hi = (op[1], op[2]) if kind == "range" else (None, None)
        got = plain_pairs(tree.range(lo, hi) if kind == "range" else tree.items(), key_type, value_type)
        if isinstance(got, str):
            return got
        if lo is not None and hi is not None and not lo < hi:
            want = []
        else:
            want = [(k, model[k]) for k in model.irange(lo, hi, inclusive=(True, False))]
        if got != want:
            return f"got {_short(got)}, expected {_short(want)}"
    elif kind == "iter":
        got_keys = plain_keys(tree, key_type)
        if isinstance(got_keys, str):
            return got_keys
        if got_keys != list(model):
            return f"got {_short(got_keys)}, expected {_short(list(model))}"
    elif kind == "reopen":
        subject.reopen()
    else:
        raise ValueError(op)
    return None


class Failure(Exception):
    """An op sequence failed at `index` with `problem`; `tb` keeps the learner's frames."""

    def __init__(self, index: int, problem: str, tb: Any) -> None:
        super().__init__(problem)
        self.index, self.problem, self.tb = index, problem, tb


def _checked(index: int, count: int, check_every: int) -> bool:
    return index % check_every == check_every - 1 or index == count - 1


def run(subject: Any, ops: Sequence[Op], check_every: int = 1) -> Failure | None:
    """Run `ops` on a fresh tree, checking the subject's invariants every `check_every` ops and at the end."""
    model = SortedDict()
    try:
        subject.start()
    except Exception as exc:
        return Failure(-1, f"{subject.describe()} raised {type(exc).__name__}: {exc}", exc.__traceback__)
    try:
        for index, op in enumerate(ops):
            try:
                problem = apply(subject, model, op)
                if problem is None and _checked(index, len(ops), check_every):
                    invariant = subject.verify(model)
                    if invariant:
                        problem = "afterwards the tree is broken: " + invariant
            except RecursionError:
                return Failure(index, "raised RecursionError (is there a cycle in the tree?)", None)
            except Exception as exc:
                return Failure(index, f"raised {type(exc).__name__}: {exc}", exc.__traceback__)
            if problem:
                return Failure(index, problem, None)
        return None
    finally:
        subject.finish()


def shrink(subject: Any, ops: list[Op], failure: Failure, budget: float = 2.0) -> tuple[list[Op], Failure]:
    """Greedily drop chunks of `ops` while the run still fails (delta debugging), within `budget` seconds.

    Candidates are checked sparsely (a failure found late is still a failure); the result is replayed with
    a check after every operation so that it ends exactly where the tree first goes wrong.
    """
    ops = ops[: failure.index + 1]
    original = len(ops)
    deadline = time.monotonic() + budget
    chunk = max(1, len(ops) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        start = 0
        while start < len(ops) and time.monotonic() < deadline:
            candidate = ops[:start] + ops[start + chunk :]
            result = run(subject, candidate, max(1, len(candidate) // 32)) if candidate else None
            if result is not None and result.index >= 0:
                ops = candidate[: result.index + 1]
            else:
                start += chunk
        chunk //= 2
    if len(ops) == original:
        return ops, failure
    exact = run(subject, ops)
    return (ops[: exact.index + 1], exact) if exact is not None else (ops, failure)


# --------------------------------------------------------------------------------------------------
# Reproduction files: a standalone pytest file with every operation of a failing sequence
# --------------------------------------------------------------------------------------------------
_REPRO_HELPERS = '''

def same(got, want):
    assert type(got) is type(want) and got == want, f"got {got!r}, expected {want!r}"


def scan(got, expected, lo=None, hi=None):
    """A scan's (key, value) pairs must be exactly the expected ones with lo <= key < hi, ascending."""
    inside = sorted(k for k in expected if (lo is None or lo <= k) and (hi is None or k < hi))
    want = [(type(k), k, type(expected[k]), expected[k]) for k in inside]
    got = [(type(k), k, type(v), v) for k, v in got]
    assert got == want, f"got {[g[1] for g in got][:10]}, expected {[w[1] for w in want][:10]}"


def keys(tree, expected):
    got = [(type(k), k) for k in tree]
    assert got == [(type(k), k) for k in sorted(expected)], "iterating the tree must yield its keys, ascending"
'''

_REPRO_MEMORY_CHECK = '''

def check(tree, expected, t):
    """Every invariant of README section 2, and that the tree holds exactly `expected`."""
    assert len(tree) == len(expected), f"len(tree) is {len(tree)}, expected {len(expected)}"
    height = tree.height
    assert type(height) is int, f"tree.height must be an int, got {height!r}"
    if not expected:
        assert height == 0, f"an empty tree has height 0, got {height}"
        assert not tree.root.keys and not tree.root.children, "an empty tree's root is a leaf without keys"
        return
    key_type = type(next(iter(expected)))
    pairs, depths = [], set()

    def walk(node, where, depth, lo, hi):
        keys, values, children = list(node.keys), list(node.values), list(node.children)
        assert all(type(k) is key_type for k in keys), f"{where} holds a key that is not a {key_type.__name__}"
        assert len(values) == len(keys), f"{where} has {len(keys)} keys but {len(values)} values"
        low = 1 if depth == 1 else t - 1
        assert low <= len(keys) <= 2 * t - 1, f"{where} holds {len(keys)} keys; t={t} allows {low}..{2 * t - 1}"
        assert all(a < b for a, b in zip(keys, keys[1:])), f"{where} keys are not ascending: {keys}"
        assert lo is None or lo < keys[0], f"{where} holds {keys[0]!r}, not above its separator {lo!r}"
        assert hi is None or keys[-1] < hi, f"{where} holds {keys[-1]!r}, not below its separator {hi!r}"
        if not children:
            depths.add(depth)
            pairs.extend(zip(keys, values))
            return
        assert len(children) == len(keys) + 1, f"{where}: {len(keys)} keys need {len(keys) + 1} children"
        bounds = [lo, *keys, hi]
        for i, child in enumerate(children):
            walk(child, f"{where}.children[{i}]", depth + 1, bounds[i], bounds[i + 1])
            if i < len(keys):
                pairs.append((keys[i], values[i]))

    walk(tree.root, "root", 1, None, None)
    assert len(depths) == 1, f"leaves at different depths {sorted(depths)}"
    assert height == depths.pop(), f"tree.height is {height}, but that is not the depth of the leaves"
    want = [(type(k), k, type(v), v) for k, v in sorted(expected.items())]
    assert [(type(k), k, type(v), v) for k, v in pairs] == want, "the keys/values in the tree are wrong"
'''

_REPRO_PAGED_CHECK = '''

def height_bounds(n, t):
    """The heights a B-tree of n >= 1 keys can have at minimum degree t (CLRS theorem 18.1)."""
    low, capacity = 1, 2 * t - 1
    while capacity < n:
        low, capacity = low + 1, capacity * 2 * t + 2 * t - 1
    high, minimum = 1, 1
    while minimum + 2 * (t - 1) * t ** (high - 1) <= n:
        minimum += 2 * (t - 1) * t ** (high - 1)
        high += 1
    return low, high


def check(tree, expected, t):
    """len and height are right; min() visits `height` pages (reads + cache hits), one per level."""
    assert len(tree) == len(expected), f"len(tree) is {len(tree)}, expected {len(expected)}"
    height = tree.height
    assert type(height) is int, f"tree.height must be an int, got {height!r}"
    if not expected:
        assert height == 0, f"an empty tree has height 0, got {height}"
        return
    low, high = height_bounds(len(expected), t)
    assert low <= height <= high, f"height {height} is impossible for {len(expected)} keys at t={t}"
    before = tree.stats.page_reads + tree.stats.cache_hits
    same(tree.min(), min(expected))
    visits = tree.stats.page_reads + tree.stats.cache_hits - before
    assert visits == height, f"min() visited {visits} pages, but tree.height is {height}"
'''


_REPRO_REPLAY = '''

def replay(tree, expected, op, reopen):
    """Apply one operation to the tree and to `expected`, checking its result; returns the tree."""
    kind, *args = op
    if kind == "set":
        tree[args[0]] = expected[args[0]] = args[1]
    elif kind == "get" and args[0] in expected:
        same(tree[args[0]], expected[args[0]])
    elif kind == "get":
        with pytest.raises(KeyError):
            tree[args[0]]
    elif kind == "getd":
        same(tree.get(args[0], args[1]), expected.get(args[0], args[1]))
    elif kind == "del" and args[0] in expected:
        del tree[args[0]], expected[args[0]]
    elif kind == "del":
        with pytest.raises(KeyError):
            del tree[args[0]]
    elif kind == "in":
        same(args[0] in tree, args[0] in expected)
    elif kind == "len":
        same(len(tree), len(expected))
    elif kind in ("min", "max") and not expected:
        with pytest.raises(ValueError):
            getattr(tree, kind)()
    elif kind in ("min", "max"):
        same(getattr(tree, kind)(), min(expected) if kind == "min" else max(expected))
    elif kind == "range":
        scan(tree.range(args[0], args[1]), expected, args[0], args[1])
    elif kind == "items":
        scan(tree.items(), expected)
    elif kind == "iter":
        keys(tree, expected)
    elif kind == "reopen":
        tree.close()
        tree = reopen()
    return tree
'''

MAX_LISTED = 200_000  # characters: a longer reproduction regenerates its operations instead of listing them


def _repro_line(subject: Any, model: dict[Any, Any], op: Op) -> list[str]:
    """The repro-file statements for one op (the model is the state before it, updated here)."""
    kind = op[0]
    if kind == "set":
        model[op[1]] = op[2]
        return [f"tree[{op[1]!r}] = expected[{op[1]!r}] = {op[2]!r}"]
    if kind == "get":
        if op[1] in model:
            return [f"same(tree[{op[1]!r}], expected[{op[1]!r}])"]
        return ["with pytest.raises(KeyError):", f"    tree[{op[1]!r}]"]
    if kind == "getd":
        return [f"same(tree.get({op[1]!r}, {op[2]!r}), expected.get({op[1]!r}, {op[2]!r}))"]
    if kind == "del":
        if op[1] in model:
            del model[op[1]]
            return [f"del tree[{op[1]!r}], expected[{op[1]!r}]"]
        return ["with pytest.raises(KeyError):", f"    del tree[{op[1]!r}]"]
    if kind == "in":
        return [f"same({op[1]!r} in tree, {op[1]!r} in expected)"]
    if kind == "len":
        return ["same(len(tree), len(expected))"]
    if kind in ("min", "max"):
        if not model:
            return ["with pytest.raises(ValueError):", f"    tree.{kind}()"]
        return [f"same(tree.{kind}(), {kind}(expected))"]
    if kind == "range":
        return [f"scan(tree.range({op[1]!r}, {op[2]!r}), expected, {op[1]!r}, {op[2]!r})"]
    if kind == "items":
        return ["scan(tree.items(), expected)"]
    if kind == "iter":
        return ["keys(tree, expected)"]
    if kind == "reopen":
        return ["tree.close()", f"tree = PagedBTree(path, {subject.arguments()})"]
    raise ValueError(op)


def _repro_head(subject: Any, count: int, test: str, imports: list[str]) -> str:
    paged = subject.paged
    lines = [
        f'"""Replays, operation by operation, a sequence on which the lab-02 grader `{test}` failed.',
        "",
        f"{count} operations on a {subject.describe()}; `expected` is a plain dict kept beside the tree, and",
        "`check` tests the tree against it at the points where the grader checked. Run it with pytest; it",
        'fails at the first operation that goes wrong. Keep it as a regression test once it passes."""',
        "",
        *imports,
        "import pytest",
        f"from btree import {'PagedBTree' if paged else 'BTree'}",
    ]
    helpers = _REPRO_HELPERS + (_REPRO_PAGED_CHECK if paged else _REPRO_MEMORY_CHECK)
    return "\n".join(lines) + "\n" + helpers + "\n"


def _repro_start(subject: Any) -> list[str]:
    if subject.paged:
        return [
            "def test_replay(tmp_path):",
            '    path = tmp_path / "tree.db"',
            f"    tree = {subject.describe()}",
        ]
    return ["def test_replay():", f"    tree = {subject.describe()}"]


def repro_source(
    subject: Any, ops: Sequence[Op], check_every: int, test: str, generator: Generator | None = None
) -> str:
    """A standalone pytest file that replays every op in `ops`, checking where the grader checked.

    The ops are listed one statement each; when that would be too long and `generator` (a self-contained
    function and its arguments that produce a sequence starting with `ops`) is given, the file carries the
    function and replays its first len(ops) operations instead.
    """
    body = [*_repro_start(subject), "    expected = {}"]
    model: dict[Any, Any] = {}
    size = 0
    for index, op in enumerate(ops):
        lines = ["    " + line for line in _repro_line(subject, model, op)]
        if _checked(index, len(ops), check_every):
            lines.append(f"    check(tree, expected, {subject.t})")
        body += lines
        size += sum(len(line) + 1 for line in lines)
        if size > MAX_LISTED and generator is not None:
            return _generated_repro(subject, ops, check_every, test, generator)
    if subject.paged:
        body.append("    tree.close()")
    return _repro_head(subject, len(ops), test, []) + "\n\n" + "\n".join(body) + "\n"


def _generated_repro(
    subject: Any, ops: Sequence[Op], check_every: int, test: str, generator: Generator
) -> str:
    function, kwargs = generator
    assert list(function(**kwargs)[: len(ops)]) == list(ops), "the generator does not produce these ops"
    arguments = ", ".join(f"{name}={value!r}" for name, value in kwargs.items())
    source = inspect.getsource(function)
    body = [*_repro_start(subject), "    expected = {}"]
    reopen = f"lambda: PagedBTree(path, {subject.arguments()})" if subject.paged else "None"
    body += [
        f"    ops = {function.__name__}({arguments})[:{len(ops)}]  # every operation, generated from a seed",
        "    for index, op in enumerate(ops):",
        f"        tree = replay(tree, expected, op, {reopen})",
        f"        if index % {check_every} == {check_every - 1} or index == len(ops) - 1:",
        f"            check(tree, expected, {subject.t})",
    ]
    if subject.paged:
        body.append("    tree.close()")
    head = _repro_head(subject, len(ops), test, ["import random", ""])
    return head + _REPRO_REPLAY + "\n\n" + source + "\n\n" + "\n".join(body) + "\n"


# --------------------------------------------------------------------------------------------------
# Reporting a failure
# --------------------------------------------------------------------------------------------------
def report(subject: Any, ops: Sequence[Op], failure: Failure, note: str = "") -> AssertionError:
    """An AssertionError that says which operation of the sequence went wrong and how."""
    if failure.index < 0:
        return AssertionError(failure.problem)
    shown = list(ops[: failure.index + 1])
    head = (
        f"a sequence of {len(shown)} operations{note} on a {subject.describe()} goes wrong at its last one, "
        f"`{describe_op(shown[-1])}`: {failure.problem}"
    )
    if len(shown) <= SHOWN_OPS:
        steps = [*(describe_op(op) for op in shown[:-1]), f"{describe_op(shown[-1])}    # <-- fails here"]
        head += "\nthe whole sequence:\n" + "\n".join("    " + step for step in steps)
    head += "\nthe reproduction file replays every operation, with the checks the grader made"
    error = AssertionError(head)
    return error.with_traceback(failure.tb) if failure.tb is not None else error


def fail_sequence(
    subject: Any,
    ops: list[Op],
    failure: Failure,
    repro: Repro,
    test: str,
    budget: float,
    check_every: int = 1,
    note: str = "",
    generator: Generator | None = None,
) -> AssertionError:
    """Shrink a failing sequence within `budget` seconds, record its reproduction, return the error."""
    if budget > 0 and failure.index >= 0:
        ops, failure = shrink(subject, ops, failure, budget)
        check_every, note, generator = 1, note + " (shrunk)", None
    else:
        ops = ops[: failure.index + 1]
    repro(repro_source(subject, ops, check_every, test, generator))
    return report(subject, ops, failure, note)


_reports: dict[tuple[str, tuple[Op, ...]], tuple[str, AssertionError]] = {}


def run_and_report(
    subject: Any,
    ops: list[Op],
    repro: Repro,
    test: str,
    check_every: int = 1,
    budget: float = 2.0,
    generator: Generator | None = None,
) -> None:
    """Run `ops`; on failure shrink within `budget` seconds, record the reproduction and raise.

    A shrunk failure is remembered, so replaying the same failing sequence (as hypothesis does once it has
    found a failure) does not shrink again.
    """
    key = (subject.describe(), tuple(ops))
    if key in _reports:
        source, error = _reports[key]
        repro(source)
        raise error
    failure = run(subject, ops, check_every)
    if failure is None:
        return
    recorded: list[str] = []

    def keep(source: str) -> None:
        recorded.append(source)
        repro(source)

    error = fail_sequence(subject, ops, failure, keep, test, budget, check_every, generator=generator)
    _reports[key] = (recorded[-1], error)
    raise error
