"""Model tests for Part A: BTree against a dict, with the invariants checked after every operation."""

import itertools
import random

import pytest
from btree import BTree, Node


def leaf_depth(node: Node, t: int, lo=None, hi=None, is_root=True) -> int:
    """Assert every B-tree invariant below `node`; return the depth of its leaves."""
    low = 1 if is_root else t - 1
    assert low <= len(node.keys) <= 2 * t - 1
    assert len(node.values) == len(node.keys)
    assert all(a < b for a, b in itertools.pairwise(node.keys))
    assert lo is None or lo < node.keys[0]
    assert hi is None or node.keys[-1] < hi
    if node.leaf:
        return 1
    assert len(node.children) == len(node.keys) + 1
    bounds = [lo, *node.keys, hi]
    depths = {leaf_depth(c, t, bounds[i], bounds[i + 1], False) for i, c in enumerate(node.children)}
    assert len(depths) == 1
    return depths.pop() + 1


def check(tree: BTree, model: dict) -> None:
    assert len(tree) == len(model)
    assert list(tree.items()) == sorted(model.items())
    if model:
        assert leaf_depth(tree.root, tree.t) == tree.height
    else:
        assert tree.height == 0 and not tree.root.keys


def test_rejects_small_t():
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ValueError):
            BTree(t=bad)


def test_empty_tree():
    tree = BTree()
    check(tree, {})
    assert tree.get(1, "d") == "d" and 1 not in tree
    with pytest.raises(KeyError):
        tree[1]
    with pytest.raises(KeyError):
        del tree[1]
    with pytest.raises(ValueError):
        tree.min()
    with pytest.raises(ValueError):
        tree.max()
    assert list(tree.range(0, 10)) == []
    assert "len=0" in repr(tree) and "Node" in repr(tree.root)


@pytest.mark.parametrize("t", [2, 3, 4, 16])
def test_random_operations_match_a_dict(t):
    rng = random.Random(t)
    tree, model = BTree(t), {}
    for step in range(1500):
        key = rng.randrange(400)
        roll = rng.random()
        if roll < 0.5:
            tree[key] = model[key] = step
        elif roll < 0.9:
            if key in model:
                del tree[key]
                del model[key]
            else:
                with pytest.raises(KeyError):
                    del tree[key]
        else:
            assert tree.get(key) == model.get(key)
            assert (key in tree) == (key in model)
        if step % 50 == 0 or t == 2:
            check(tree, model)
    for key in list(model):
        del tree[key]
        del model[key]
    check(tree, model)


def test_ascending_and_descending_fill_and_drain():
    for order in (range(500), range(499, -1, -1)):
        tree = BTree(2)
        for k in order:
            tree[k] = -k
        assert tree.min() == 0 and tree.max() == 499 and tree[250] == -250
        model = {k: -k for k in order}
        for k in order:
            del tree[k]
            del model[k]
            if k % 25 == 0:
                check(tree, model)
        check(tree, {})


def test_overwrite_keeps_size():
    tree = BTree(2)
    for k in range(20):
        tree[k] = k
    for k in range(20):
        tree[k] = k * 2  # overwrites hit keys in the root, in internal nodes and in leaves
    assert len(tree) == 20 and tree[7] == 14
    check(tree, {k: 2 * k for k in range(20)})


def test_range_bounds():
    tree = BTree(3)
    for k in range(0, 100, 2):
        tree[k] = str(k)
    keys = lambda lo, hi: [k for k, _ in tree.range(lo, hi)]  # noqa: E731
    assert keys(None, None) == list(range(0, 100, 2)) == list(tree)
    assert keys(10, 20) == [10, 12, 14, 16, 18]
    assert keys(11, 19) == [12, 14, 16, 18]
    assert keys(None, 5) == [0, 2, 4]
    assert keys(95, None) == [96, 98]
    assert keys(50, 50) == [] and keys(60, 40) == [] and keys(200, None) == [] and keys(None, -1) == []
    scan = tree.range(40)
    assert next(scan) == (40, "40") and next(scan) == (42, "42")


def test_string_keys():
    tree = BTree(2)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    for word in words:
        tree[word] = len(word)
    assert list(tree) == sorted(set(words))
