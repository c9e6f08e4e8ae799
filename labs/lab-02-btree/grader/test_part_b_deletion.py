"""Part B: deletion. Missing keys, emptying the tree, and one scenario per CLRS deletion case, found in
the shape of *your* tree.

Correct trees of the same keys can differ in shape, so each scenario grows a tree with seeded inserts,
then looks in your tree for a key whose deletion meets the named situation, deletes it and checks every
invariant and the contents. Random deletions in between keep the tree moving until enough instances of
the situation have been exercised.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from btree import BTree
from btree_harness import MemorySubject, Repro, apply, check_structure, fail_sequence, run
from sortedcontainers import SortedDict

pytestmark = pytest.mark.part("B")

WANTED = 4  # instances of the situation per t


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Deleting a key that is not there raises KeyError and changes nothing, not even len(tree).",
    "Decrement the size only once you know a key was removed.",
    "Deleting the last key leaves an empty root leaf and height 0; the tree must then accept inserts again.",
)
def test_delete_missing_and_emptying(partial_credit):
    """del of an absent key raises KeyError and changes nothing; deleting every key leaves an empty tree."""
    partial_credit.total = 6
    tree = BTree(t=2)
    try:
        del tree[5]
        partial_credit.check(False, "del tree[5] on an empty tree must raise KeyError")
    except KeyError:
        partial_credit.check(len(tree) == 0, "after a failed delete an empty tree must still have len 0")
    keys = list(range(0, 80, 2))
    random.Random(1).shuffle(keys)
    model = {}
    for k in keys:
        tree[k] = k
        model[k] = k
    failed = []
    for k in (-1, 1, 39, 79, 1000):
        try:
            del tree[k]
            failed.append(f"del tree[{k}] did not raise")
        except KeyError:
            if len(tree) != len(model):
                failed.append(f"after the failed del tree[{k}] len(tree) is {len(tree)}, not {len(model)}")
    partial_credit.check(
        not failed, "deleting absent keys must raise KeyError and change nothing: " + "; ".join(failed)
    )
    problem = check_structure(tree, dict(sorted(model.items())), 2)
    partial_credit.check(problem is None, f"after deleting absent keys the tree is broken: {problem}")
    try:
        for k in keys:
            del tree[k]
            del model[k]
        problem = check_structure(tree, {}, 2)
    except Exception as exc:
        problem = f"deleting the stored key {k} raised {type(exc).__name__}: {exc}"
    partial_credit.check(problem is None, f"after deleting every key the tree must be empty: {problem}")
    try:
        del tree[keys[0]]
        partial_credit.check(False, "deleting from the emptied tree must raise KeyError")
    except KeyError:
        partial_credit.check(len(tree) == 0, "len must stay 0")
    model = {}
    for k in keys:
        tree[k] = -k
        model[k] = -k
    problem = check_structure(tree, dict(sorted(model.items())), 2)
    partial_credit.check(problem is None, f"refilling the emptied tree: {problem}")


def _nodes(root: Any) -> Iterator[tuple[Any, Any, int]]:
    """(node, parent, index in parent) for every node; the root has parent None."""
    stack = [(root, None, -1)]
    while stack:
        node, parent, i = stack.pop()
        yield node, parent, i
        stack.extend((child, node, j) for j, child in enumerate(node.children))


def _size(node: Any) -> int:
    return len(node.keys)


def leaf_plenty(root: Any, t: int) -> Any:
    """Case 1: the key sits in a non-root leaf that has at least t keys."""
    for node, parent, _ in _nodes(root):
        if parent is not None and not node.children and _size(node) >= t:
            return node.keys[-1]
    return None


def _internal(root: Any, test: Callable[[int, int], bool]) -> Any:
    for node, _, _ in _nodes(root):
        if node.children:
            for i, key in enumerate(node.keys):
                if test(_size(node.children[i]), _size(node.children[i + 1])):
                    return key
    return None


def internal_predecessor(root: Any, t: int) -> Any:
    """Case 2a: the key sits in an internal node and the child before it has at least t keys."""
    return _internal(root, lambda left, right: left >= t)


def internal_successor(root: Any, t: int) -> Any:
    """Case 2b: the key sits in an internal node; the child before it is minimal, the one after it is not."""
    return _internal(root, lambda left, right: left == t - 1 and right >= t)


def internal_merge(root: Any, t: int) -> Any:
    """Case 2c: the key sits in an internal node and both neighbouring children are minimal."""
    return _internal(root, lambda left, right: left == t - 1 and right == t - 1)


def _minimal_leaf(root: Any, t: int, test: Callable[[int | None, int | None], bool]) -> Any:
    for node, parent, i in _nodes(root):
        if parent is not None and not node.children and _size(node) == t - 1:
            left = _size(parent.children[i - 1]) if i > 0 else None
            right = _size(parent.children[i + 1]) if i + 1 < len(parent.children) else None
            if test(left, right):
                return node.keys[0]
    return None


def _minimal_internal(root: Any, t: int, test: Callable[[int | None, int | None], bool]) -> Any:
    """A key below a minimal non-root internal node whose siblings pass `test`: reaching it passes the node."""
    for node, parent, i in _nodes(root):
        if parent is not None and node.children and _size(node) == t - 1:
            left = _size(parent.children[i - 1]) if i > 0 else None
            right = _size(parent.children[i + 1]) if i + 1 < len(parent.children) else None
            if test(left, right):
                leaf = node.children[-1]
                while leaf.children:
                    leaf = leaf.children[-1]
                return leaf.keys[-1]
    return None


def borrow_left(root: Any, t: int) -> Any:
    """Case 3a (left): the key's leaf is minimal and its left sibling can spare a key."""
    return _minimal_leaf(root, t, lambda left, right: left is not None and left >= t)


def borrow_right(root: Any, t: int) -> Any:
    """Case 3a (right): the key's leaf is minimal, its left sibling (if any) too, its right sibling is not."""
    return _minimal_leaf(
        root, t, lambda left, right: (left is None or left == t - 1) and right is not None and right >= t
    )


def merge_siblings(root: Any, t: int) -> Any:
    """Case 3b: the key's leaf and all its siblings next to it are minimal, so two must merge."""
    return _minimal_leaf(root, t, lambda left, right: (left or t - 1) == t - 1 and (right or t - 1) == t - 1)


def borrow_left_internal(root: Any, t: int) -> Any:
    """Case 3a (left) one level up: the path passes a minimal internal node whose left sibling can spare a key."""
    return _minimal_internal(root, t, lambda left, right: left is not None and left >= t)


def borrow_right_internal(root: Any, t: int) -> Any:
    """Case 3a (right) one level up: a minimal internal node, its left sibling (if any) minimal, its right not."""
    return _minimal_internal(
        root, t, lambda left, right: (left is None or left == t - 1) and right is not None and right >= t
    )


def merge_internal(root: Any, t: int) -> Any:
    """Case 3b one level up: the path passes a minimal internal node whose neighbouring siblings are minimal."""
    return _minimal_internal(
        root, t, lambda left, right: (left or t - 1) == t - 1 and (right or t - 1) == t - 1
    )


def root_shrink(root: Any, t: int) -> Any:
    """Root shrink: the root holds one key and both its children are minimal; a merge empties the root."""
    if root is None or not root.children or _size(root) != 1:
        return None
    if _size(root.children[0]) != t - 1 or _size(root.children[1]) != t - 1:
        return None
    leaf = root.children[0]
    while leaf.children:
        leaf = leaf.children[0]
    return leaf.keys[0]


CASES: dict[
    str, tuple[Callable[[Any, int], Any], ...]
] = {  # each situation at the leaves and, for 3a/3b, above
    "case 1: delete from a leaf": (leaf_plenty,),
    "case 2a: replace by predecessor": (internal_predecessor,),
    "case 2b: replace by successor": (internal_successor,),
    "case 2c: merge around the key": (internal_merge,),
    "case 3a: borrow from the left sibling": (borrow_left, borrow_left_internal),
    "case 3a: borrow from the right sibling": (borrow_right, borrow_right_internal),
    "case 3b: merge with a sibling": (merge_siblings, merge_internal),
    "root shrink": (root_shrink,),
}


HINTS = {
    "case 1: delete from a leaf": (
        "Removing a key from a leaf that has a key to spare must remove its value too.",
    ),
    "case 2a: replace by predecessor": (
        "The predecessor is the largest key of the whole left subtree: follow children[-1] down to a leaf.",
        "Replace the key and its value, then delete the predecessor from children[i], not from the node.",
    ),
    "case 2b: replace by successor": (
        "The successor is the smallest key of the right subtree: follow children[0] down to a leaf.",
        "Copy the successor's value as well as its key, then continue deleting in children[i + 1].",
    ),
    "case 2c: merge around the key": (
        "Both children are minimal: merge children[i], the key and children[i + 1] into one node of 2t - 1 keys.",
        "The merged node must receive the right node's children too; then continue deleting inside it.",
    ),
    "case 3a: borrow from the left sibling": (
        "The separator moves down to the front of the child, the sibling's last key moves up into the parent.",
        "For internal nodes the left sibling's last child moves to the front of the child's children.",
    ),
    "case 3a: borrow from the right sibling": (
        "The separator moves down to the end of the child, the sibling's first key moves up into the parent.",
        "For internal nodes the right sibling's first child moves to the end of the child's children.",
    ),
    "case 3b: merge with a sibling": (
        "A sibling lends a key only if it has at least t keys; otherwise merge the child with it.",
        "After merging with the left sibling, continue in the merged node, not in the detached child.",
    ),
    "root shrink": (
        "When a merge takes the root's last key, the merged child becomes the new root.",
        "height must drop by one; an empty root with one child breaks invariant 1.",
    ),
}


def _exercise(name: str, t: int, budget: float, repro: Repro) -> None:
    """Drive `t`-trees until each finder of situation `name` met it WANTED times; raise a reproducer on failure."""
    finders = CASES[name]
    rng = random.Random(f"{name}/{t}")
    found = [0] * len(finders)
    for _ in range(80):
        subject, model = MemorySubject(t=t), SortedDict()
        subject.start()
        size = rng.randrange(2 * t, 14 * t * t)
        keys = rng.sample(range(10 * size), size)
        ops = [("set", k, i) for i, k in enumerate(keys)]
        pending = list(ops)
        while True:
            for op in pending:
                try:
                    problem = apply(subject, model, op) or subject.verify(model)
                except Exception:
                    problem = "error"
                if problem:
                    failure = run(MemorySubject(t=t), ops)
                    assert failure is not None, f"{name}: t={t}: the tree misbehaved, but not reproducibly"
                    raise fail_sequence(
                        MemorySubject(t=t),
                        ops,
                        failure,
                        repro,
                        f"test_deletion_case[{name}]",
                        budget,
                        note=f" (exercising {name})",
                    )
            if not model or min(found) >= WANTED:
                break
            key = None
            for index, find in enumerate(finders):
                if found[index] < WANTED and (key := find(subject.tree.root, t)) is not None:
                    found[index] += 1
                    break
            if key is None:
                key = rng.choice(list(model))
            pending = [("del", key)]
            ops += pending
        if min(found) >= WANTED:
            return
    missing = [find.__doc__ for find, count in zip(finders, found, strict=True) if count < WANTED]
    raise AssertionError(
        f"{name}: t={t}: in 80 random trees the situation arose too rarely in your tree's shape "
        f"({'; '.join(str(doc) for doc in missing)}); a correct B-tree reaches it often, so check how your "
        "nodes fill up"
    )


def _ignore(source: str) -> None:
    """Only the first failure of a test records its reproduction."""


@pytest.mark.points(2)
@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=pytest.mark.hints(*HINTS[name], "Run the reproduction file the feedback names."))
     for name in CASES],
)  # fmt: skip
def test_deletion_case(name, partial_credit, repro):
    """Each CLRS deletion situation (at t = 2, 3, 4; 3a and 3b also above the leaves) leaves a valid tree."""
    partial_credit.total = 3
    budget = 1.5  # shrink only the first failure, to stay within the time limit
    for t in (2, 3, 4):
        try:
            _exercise(name, t, budget, repro if budget else _ignore)
            partial_credit.check(True, f"t={t}")
        except Exception as exc:
            partial_credit.check(False, f"t={t}: {type(exc).__name__}: {exc}")
            budget = 0
