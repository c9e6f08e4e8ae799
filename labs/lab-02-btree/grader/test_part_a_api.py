"""Part A: constructing a BTree, the empty tree, and the mapping API (insert, overwrite, lookups)."""

from __future__ import annotations

import re

import pytest
from btree import BTree
from btree_harness import check_structure, plain_pairs, same

pytestmark = pytest.mark.part("A")

NAMES_T = re.compile(r"\bt\b|degree", re.IGNORECASE)


def _construct(t: object) -> tuple[bool, str]:
    """Whether BTree(t=t) raised a ValueError whose message names the argument, and what happened."""
    try:
        BTree(t=t)  # type: ignore[arg-type]
    except ValueError as exc:
        message = str(exc)
        if NAMES_T.search(message):
            return True, ""
        return False, f"raised ValueError({message!r}), whose message does not name t (the minimum degree)"
    except Exception as exc:
        return False, f"raised {type(exc).__name__}: {exc}"
    return False, "accepted it"


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Read README A.1 again: what must t be, and which exception is raised otherwise?",
    "An integer is checked with isinstance(t, int); 2.5, '3' and None are not integers, and t must be >= 2.",
    "Raise ValueError with a message that names t, e.g. 'minimum degree t must be an integer >= 2, got 1'.",
)
def test_constructor_validates_t(partial_credit):
    """BTree(t) raises ValueError naming t for t < 2 or a non-integer t, and accepts every integer t >= 2."""
    bad = [1, 0, -3, 2.5, 3.0, "3", None]
    good = [2, 3, 50]
    partial_credit.total = len(bad) + len(good) + 1
    for t in bad:
        ok, what = _construct(t)
        partial_credit.check(ok, f"BTree(t={t!r}) must raise ValueError naming t; it {what}")
    for t in good:
        try:
            tree = BTree(t=t)
            size, height = len(tree), tree.height
            ok = size == 0 and type(height) is int and height == 0
            what = f"len {size}, height {height!r}"
        except Exception as exc:
            ok, what = False, f"raised {type(exc).__name__}: {exc}"
        partial_credit.check(ok, f"BTree(t={t}) must build an empty tree (len 0, height 0): {what}")
    try:
        ok = len(BTree()) == 0 and BTree().height == 0
    except Exception:
        ok = False
    partial_credit.check(ok, "BTree() (default t=2) must build an empty tree")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "An empty tree is a root leaf with no keys: what do len, height, min and max say about it?",
    "height is 0 for an empty tree and 1 once the root leaf holds a key; min()/max() raise ValueError.",
)
def test_empty_tree(partial_credit):
    """An empty tree: len 0, height 0, an empty root leaf, KeyError on lookup, ValueError on min/max."""
    tree = BTree(t=2)
    partial_credit.total = 10
    partial_credit.check(
        len(tree) == 0 and same(tree.height, 0),
        f"an empty tree must have len 0 and height 0, got len {len(tree)} and height {tree.height!r}",
    )
    root = tree.root
    partial_credit.check(
        root is not None and list(root.keys) == [] and list(root.children) == [],
        "an empty tree's root must be a leaf with no keys (README A.1)",
    )
    partial_credit.check((5 in tree) is False, "5 in tree must be False for an empty tree")
    partial_credit.check(
        tree.get(5) is None and same(tree.get(5, "dflt"), "dflt"), "get(key, default) must return the default"
    )
    for what, call, error in (
        ("tree[5]", lambda: tree[5], KeyError),
        ("tree.min()", tree.min, ValueError),
        ("tree.max()", tree.max, ValueError),
    ):
        try:
            got = call()
            partial_credit.check(False, f"{what} on an empty tree must raise {error.__name__}, got {got!r}")
        except error:
            partial_credit.check(True, what)
        except Exception as exc:
            partial_credit.check(
                False, f"{what} must raise {error.__name__}, got {type(exc).__name__}: {exc}"
            )
    partial_credit.check(
        list(tree) == [] and list(tree.items()) == [] and list(tree.range()) == [],
        "iterating an empty tree must yield nothing",
    )
    tree[1] = "one"
    partial_credit.check(
        same(tree.height, 1) and len(tree) == 1,
        f"a tree with one key is a root leaf: height must be 1 and len 1, got {tree.height!r} and {len(tree)}",
    )
    problem = check_structure(tree, {1: "one"}, 2)
    partial_credit.check(problem is None, f"after inserting one key: {problem}")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Check each operation of README A.2 and A.4 on a small tree of string keys.",
    "Overwriting an existing key replaces its value and must not change len(tree).",
    "When a split moves the median up and the new key equals it, overwrite the median's value in the parent.",
)
def test_mapping_basics(partial_credit):
    """Insert, overwrite, lookup, get with default, membership, min/max and ascending iteration work."""
    tree = BTree(t=2)
    words = ["pear", "apple", "fig", "kiwi", "banana", "cherry", "date", "grape", "lemon", "mango", "olive"]
    model: dict[str, int] = {}
    for i, word in enumerate(words):
        tree[word] = i
        model[word] = i
    partial_credit.total = 9
    overwritten = []
    for word in words:  # overwrite every key, wherever it sits (leaf, internal node, root)
        tree[word] = len(word) * 100
        model[word] = len(word) * 100
        overwritten.append(len(tree))
    partial_credit.check(
        overwritten == [len(words)] * len(words),
        f"overwriting existing keys must not change len(tree): it went {overwritten}",
    )
    got = [tree[w] for w in words]
    want = [model[w] for w in words]
    partial_credit.check(
        all(same(g, w) for g, w in zip(got, want, strict=True)),
        f"after overwriting every key, tree[key] gave {got}, expected {want}",
    )
    keys = list(tree)
    partial_credit.check(
        all(type(k) is str for k in keys) and keys == sorted(model),
        f"iter(tree) must yield keys ascending: {keys}",
    )
    pairs = plain_pairs(tree.items(), str, int)
    partial_credit.check(
        pairs == sorted(model.items()),
        f"items() must yield (key, value) tuples in ascending key order: {pairs}",
    )
    partial_credit.check(
        same(tree.min(), "apple") and same(tree.max(), "pear"),
        f"min()/max() must be the smallest/largest key: got {tree.min()!r} and {tree.max()!r}",
    )
    partial_credit.check(("kiwi" in tree) is True and ("zzz" in tree) is False, "`in` must report membership")
    partial_credit.check(
        same(tree.get("nope", 7), 7) and tree.get("nope") is None and same(tree.get("kiwi"), 400),
        "get(key, default) must return the value, or the default (None if not given) for a missing key",
    )
    try:
        got_missing = tree["nope"]
        partial_credit.check(False, f"tree[key] for a missing key must raise KeyError, got {got_missing!r}")
    except KeyError:
        partial_credit.check(True, "KeyError")
    problem = check_structure(tree, dict(sorted(model.items())), 2)
    partial_credit.check(problem is None, f"after these operations the tree is broken: {problem}")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Values are arbitrary: 0, '', None and False are values like any other.",
    "Membership and get() must look at whether the key was found, never at whether its value is truthy.",
)
def test_falsy_values_and_lookups(partial_credit):
    """Keys stored with falsy values (0, '', None, False) are found by `in`, [] and get()."""
    tree = BTree(t=2)
    values = [0, "", None, False, 0.0, b"", (), 7]
    keys = list(range(-40, 40))
    model = {}
    for i, k in enumerate(keys):
        tree[k] = values[i % len(values)]
        model[k] = values[i % len(values)]
    partial_credit.total = 4
    present = [k for k in keys if (k in tree) is not True]
    partial_credit.check(
        not present, f"`key in tree` is not True for stored keys {present[:8]} (falsy values?)"
    )
    wrong = [k for k in keys if not same(tree[k], model[k])]
    partial_credit.check(not wrong, f"tree[key] returned the wrong value for keys {wrong[:8]}")
    wrong = [k for k in keys if not same(tree.get(k, "missing"), model[k])]
    partial_credit.check(
        not wrong, f"get(key, 'missing') returned the wrong value for stored keys {wrong[:8]}"
    )
    absent = [k for k in (-41, 40, 1000) if (k in tree) is not False or not same(tree.get(k, "d"), "d")]
    partial_credit.check(
        not absent, f"absent keys {absent} are reported present or get() ignores the default"
    )
