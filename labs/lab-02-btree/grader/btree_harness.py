"""Shared machinery for the lab-02 graders: a structural checker, a model-based op runner and a shrinker.

Every failure is reported as a short Python snippet that rebuilds the failing tree step by step, so the
learner can paste it into a test of their own.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sortedcontainers import SortedDict

Op = tuple[Any, ...]
MISSING = object()
SHOWN_OPS = 24  # feedback is cut at about 1,500 characters


# --------------------------------------------------------------------------------------------------
# Structural invariants of an in-memory BTree (Part A)
# --------------------------------------------------------------------------------------------------
def _where(path: list[int]) -> str:
    return "root" + "".join(f".children[{i}]" for i in path)


def check_structure(tree: Any, model: dict[Any, Any], t: int) -> str | None:
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
        if root is not None and (list(root.keys) or list(root.children)):
            return "an empty tree's root must be None or a leaf without keys"
        if height != 0:
            return f"an empty tree must have height 0, got {height}"
        return None
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
    expected = sorted(model)
    if keys_seen != expected:
        extra = sorted(set(keys_seen) - set(expected))[:5]
        lost = sorted(set(expected) - set(keys_seen))[:5]
        return f"the tree's keys differ from what was inserted: unexpected {extra}, missing {lost}"
    for key, value in zip(keys_seen, values_seen, strict=True):
        want = model[key]
        if type(value) is not type(want) or value != want:
            return f"key {key!r} is stored with value {value!r}, expected {want!r}"
    return None


def check_height(height: object, n: int, t: int) -> str | None:
    """The heights a B-tree of n keys and minimum degree t can have (CLRS theorem 18.1 and its converse)."""
    if type(height) is not int:
        return f"tree.height must be an int, got {type(height).__name__}"
    if n == 0:
        return None if height == 0 else f"an empty tree must have height 0, got {height}"
    low, capacity = 1, 2 * t - 1
    while capacity < n:
        low, capacity = low + 1, capacity * 2 * t + 2 * t - 1
    high, minimum = 1, 1
    while minimum + 2 * (t - 1) * t ** (high - 1) <= n:
        minimum += 2 * (t - 1) * t ** (high - 1)
        high += 1
    if not low <= height <= high:
        return f"tree.height is {height}, impossible for {n} keys at t={t} (must be {low}..{high})"
    return None


# --------------------------------------------------------------------------------------------------
# Subjects: how to build, reopen and describe the tree under test
# --------------------------------------------------------------------------------------------------
class MemorySubject:
    """Runs ops against `btree.BTree(t)`; values are ints."""

    paged = False

    def __init__(self, t: int, check: bool = True) -> None:
        self.t = t
        self.check = check
        self.tree: Any = None

    def start(self) -> None:
        from btree import BTree

        self.tree = BTree(t=self.t)

    def value(self, n: int) -> Any:
        return n

    def setup(self) -> list[str]:
        return ["from btree import BTree", f"tree = BTree(t={self.t})"]

    def verify(self, model: SortedDict) -> str | None:
        return check_structure(self.tree, model, self.t) if self.check else None

    def finish(self) -> None:
        self.tree = None


class PagedSubject:
    """Runs ops against `btree.PagedBTree` in a fresh file under `folder`; values are bytes."""

    paged = True
    _serial = 0

    def __init__(self, folder: Path, t: int, page_size: int, cache_pages: int) -> None:
        self.folder, self.t, self.page_size, self.cache_pages = folder, t, page_size, cache_pages
        self.tree: Any = None
        self.path = folder / "tree.db"

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

    def value(self, n: int) -> Any:
        return b"v%d" % n

    def setup(self) -> list[str]:
        args = f"t={self.t}, page_size={self.page_size}, cache_pages={self.cache_pages}"
        return ["from btree import PagedBTree", f"tree = PagedBTree(path, {args})"]

    def verify(self, model: SortedDict) -> str | None:
        size = len(self.tree)
        if size != len(model):
            return f"len(tree) is {size} but the tree should hold {len(model)} keys"
        return check_height(self.tree.height, len(model), self.t)

    def finish(self) -> None:
        if self.tree is not None:
            with contextlib.suppress(Exception):
                self.tree.close()
            self.tree = None


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


def _pairs(result: Any, value_type: type) -> list[tuple[Any, Any]] | str:
    out = []
    for item in result:
        if type(item) is not tuple or len(item) != 2:
            return f"items must be (key, value) tuples, got {item!r}"
        key, value = item
        if type(value) is not value_type:
            return f"value {value!r} should be of type {value_type.__name__}"
        out.append((key, value))
    return out


def _short(items: list[Any]) -> str:
    return f"{items[:10]}{' ...' if len(items) > 10 else ''}"


def apply(subject: Any, model: SortedDict, op: Op) -> str | None:
    """Run one op on the subject's tree and the model; a description of any difference, else None."""
    tree, kind = subject.tree, op[0]
    value_type = type(subject.value(0))

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
        if type(got) is not type(want) or got != want:
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
        if len(tree) != len(model):
            return f"got {len(tree)}, expected {len(model)}"
    elif kind in ("min", "max"):
        if not model:
            return expect_error(getattr(tree, kind), ValueError, "the tree is empty")
        got, want = getattr(tree, kind)(), model.peekitem(0 if kind == "min" else -1)[0]
        if type(got) is not type(want) or got != want:
            return f"got {got!r}, expected {want!r}"
    elif kind in ("range", "items"):
        lo, hi = (op[1], op[2]) if kind == "range" else (None, None)
        got = _pairs(tree.range(lo, hi) if kind == "range" else tree.items(), value_type)
        if isinstance(got, str):
            return got
        if lo is not None and hi is not None and not lo < hi:
            want = []
        else:
            want = [(k, model[k]) for k in model.irange(lo, hi, inclusive=(True, False))]
        if got != want:
            return f"got {_short(got)}, expected {_short(want)}"
    elif kind == "iter":
        got_keys = list(tree)
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


def run(subject: Any, ops: Sequence[Op], check_every: int = 1) -> Failure | None:
    """Run `ops` on a fresh tree, checking the subject's invariants every `check_every` ops and at the end."""
    model = SortedDict()
    subject.start()
    try:
        for index, op in enumerate(ops):
            try:
                problem = apply(subject, model, op)
                if problem is None and (index % check_every == check_every - 1 or index == len(ops) - 1):
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
            if result is not None:
                ops = candidate[: result.index + 1]
            else:
                start += chunk
        chunk //= 2
    if len(ops) == original:
        return ops, failure
    exact = run(subject, ops)
    return (ops[: exact.index + 1], exact) if exact is not None else (ops, failure)


def report(subject: Any, ops: Sequence[Op], failure: Failure, note: str = "") -> AssertionError:
    """An AssertionError whose message is a runnable reproducer of `failure`."""
    shown = list(ops[: failure.index + 1])
    lines = subject.setup()
    if len(shown) > SHOWN_OPS:
        lines.append(f"# ... {len(shown) - SHOWN_OPS} earlier operations omitted ...")
        shown = shown[-SHOWN_OPS:]
    lines += [describe_op(op) for op in shown[:-1]]
    lines.append(f"{describe_op(shown[-1])}    # <-- fails here: {failure.problem}")
    head = f"a sequence of {failure.index + 1} operations goes wrong{note}. Reproduce it with:\n"
    error = AssertionError(head + "\n".join("    " + line for line in lines))
    return error.with_traceback(failure.tb) if failure.tb is not None else error


_reports: dict[tuple[tuple[str, ...], tuple[Op, ...]], tuple[list[Op], Failure]] = {}


def run_and_report(subject: Any, ops: list[Op], check_every: int = 1, budget: float = 2.0) -> None:
    """Run `ops`; on failure shrink within `budget` seconds and raise the reproducer.

    The shrunk result is remembered, so replaying the same failing sequence (as hypothesis does once it
    has found a failure) does not shrink again.
    """
    key = (tuple(subject.setup()), tuple(ops))
    if key in _reports:
        short, failure = _reports[key]
        raise report(subject, short, failure, " (shrunk)")
    failure = run(subject, ops, check_every)
    if failure is None:
        return
    if budget > 0:
        short, failure = shrink(subject, ops, failure, budget)
        _reports[key] = (short, failure)
        raise report(subject, short, failure, " (shrunk)")
    raise report(subject, ops, failure)
