"""Example tests to start from. Add your own: the coverage gate needs 90% of `btree` covered by `tests/`."""

import random

from btree import BTree, PagedBTree


def check(node, t, is_root=True):
    """Return the depth of the leaves under `node`, asserting the B-tree invariants on the way down."""
    low = 1 if is_root else t - 1
    assert low <= len(node.keys) <= 2 * t - 1, f"node {node.keys} has the wrong number of keys for t={t}"
    assert node.keys == sorted(node.keys), f"node keys out of order: {node.keys}"
    if not node.children:
        return 1
    assert len(node.children) == len(node.keys) + 1, "an internal node needs one more child than keys"
    depths = {check(child, t, is_root=False) for child in node.children}
    assert len(depths) == 1, "all leaves must be at the same depth"
    return depths.pop() + 1


def test_insert_then_lookup():
    tree = BTree(t=2)
    for key in [5, 1, 9, 3, 7]:
        tree[key] = str(key)
    assert tree[3] == "3"
    assert list(tree) == [1, 3, 5, 7, 9]
    assert check(tree.root, 2) == tree.height


def test_random_inserts_and_deletes_keep_invariants():
    rng = random.Random(0)
    tree, model = BTree(t=3), {}
    for step in range(2000):
        key = rng.randrange(300)
        if rng.random() < 0.6:
            tree[key] = model[key] = step
        elif key in model:
            del tree[key]
            del model[key]
    assert list(tree.items()) == sorted(model.items())
    assert check(tree.root, 3) == tree.height


def test_paged_tree_survives_reopen(tmp_path):
    path = tmp_path / "example.db"
    with PagedBTree(path, t=2, page_size=256, cache_pages=4) as tree:
        for key in range(100):
            tree[key] = b"value %d" % key
    with PagedBTree(path, t=2, page_size=256, cache_pages=4) as tree:
        assert len(tree) == 100
        assert tree[42] == b"value 42"
        assert [k for k, _ in tree.range(10, 13)] == [10, 11, 12]
