"""Model tests for Part B: PagedBTree persistence, page-I/O counts, cache, free pages, corrupt files."""

import random

import pytest
from btree import MAX_VALUE_SIZE, CorruptFileError, PagedBTree, min_page_size


def small(path, t=2, cache_pages=4):
    return PagedBTree(path, t=t, page_size=min_page_size(t), cache_pages=cache_pages)


def test_argument_checks(tmp_path):
    with pytest.raises(ValueError):
        PagedBTree(tmp_path / "a", t=1)
    with pytest.raises(ValueError):
        PagedBTree(tmp_path / "b", t=4, page_size=100)
    with pytest.raises(ValueError):
        PagedBTree(tmp_path / "c", cache_pages=-1)
    with small(tmp_path / "d") as tree:
        for key, value, error in (
            ("k", b"", TypeError),
            (True, b"", TypeError),
            (2**63, b"", ValueError),
            (1, "text", TypeError),
            (1, b"x" * (MAX_VALUE_SIZE + 1), ValueError),
        ):
            with pytest.raises(error):
                tree[key] = value
        assert len(tree) == 0 and "len=0" in repr(tree)


@pytest.mark.parametrize("t", [2, 3, 8])
def test_random_operations_with_reopen(tmp_path, t):
    rng = random.Random(t)
    path = tmp_path / "tree.db"
    tree, model = small(path, t, cache_pages=3), {}
    for step in range(2000):
        key = rng.randrange(-300, 300)
        roll = rng.random()
        if roll < 0.5:
            tree[key] = model[key] = b"%d" % step
        elif roll < 0.9:
            if key in model:
                del tree[key]
                del model[key]
            else:
                with pytest.raises(KeyError):
                    del tree[key]
        else:
            assert tree.get(key) == model.get(key) and (key in tree) == (key in model)
        if step % 500 == 0:
            tree.close()
            tree = PagedBTree(path, cache_pages=3)
            assert list(tree.items()) == sorted(model.items())
    assert list(tree) == sorted(model) and len(tree) == len(model)
    assert tree.min() == min(model) and tree.max() == max(model)
    assert [k for k, _ in tree.range(-10, 10)] == sorted(k for k in model if -10 <= k < 10)
    with pytest.raises(KeyError):
        tree[10**6]
    tree.close()
    tree.close()  # closing twice is harmless
    with pytest.raises(ValueError):
        tree[1]


def test_empty_tree(tmp_path):
    with small(tmp_path / "e.db") as tree:
        assert tree.height == 0 and list(tree.range()) == []
        with pytest.raises(ValueError):
            tree.min()
        with pytest.raises(ValueError):
            tree.max()
        tree[1] = b"one"
        assert tree.height == 1
        tree[1] = b"uno"
        assert tree[1] == b"uno"


def test_page_io_counts(tmp_path):
    path = tmp_path / "io.db"
    with small(path) as tree:
        for k in (10, 20, 30, 40):  # 2t keys: height 2, root with one key
            tree[k] = b"x"
        assert tree.height == 2
        writes = tree.stats.page_writes
        tree[5] = b"y"  # the left leaf has room: no split
        assert tree.stats.page_writes == writes + 1
        del tree[5]  # the left leaf can spare it: no rebalancing
        assert tree.stats.page_writes == writes + 2
    with PagedBTree(path, cache_pages=0) as tree:
        assert tree[10] == b"x"
        assert tree.stats.page_reads == tree.height and tree.stats.cache_hits == 0
    with PagedBTree(path, cache_pages=2) as tree:
        for k in (10, 40, 40, 10):
            tree.get(k)
        assert (tree.stats.page_reads, tree.stats.cache_hits) == (4, 4)  # LRU keeps the root
        tree.stats.reset()
        assert tree.stats.page_reads == 0


def test_free_pages_are_reused(tmp_path):
    path = tmp_path / "free.db"
    keys = list(range(300))
    random.Random(1).shuffle(keys)
    sizes = []
    for _ in range(4):
        with small(path) as tree:
            for k in keys:
                tree[k] = b"v"
        with small(path) as tree:
            for k in keys:
                del tree[k]
        sizes.append(path.stat().st_size)
    assert sizes[-1] == sizes[0]


def test_corrupt_files(tmp_path):
    good = tmp_path / "good.db"
    with small(good) as tree:
        for k in range(100):
            tree[k] = b"v"
    data = good.read_bytes()
    page = min_page_size(2)
    bad = tmp_path / "bad.db"
    cut_header = data[:page]
    for content in (b"NOTATREE" + data[8:], b"hello" * 100, data[:4], data[:20], cut_header, data[:-1]):
        bad.write_bytes(content)
        with pytest.raises(CorruptFileError):
            PagedBTree(bad)
    # Header fields that cannot be right.
    header = bytearray(data[:page])
    for offset, value in ((8, 99), (16, 1), (20, 0)):  # version, t, root page
        broken = bytearray(header)
        broken[offset : offset + 4] = value.to_bytes(4, "little")
        bad.write_bytes(bytes(broken) + data[page:])
        with pytest.raises(CorruptFileError):
            PagedBTree(bad)


def test_corrupt_pages(tmp_path):
    path = tmp_path / "p.db"
    page = min_page_size(2)
    with small(path) as tree:
        for k in range(30):
            tree[k] = b"v"
    data = bytearray(path.read_bytes())
    root = int.from_bytes(data[20:24], "little")
    data[root * page] = 9  # not a node kind
    path.write_bytes(bytes(data))
    with PagedBTree(path) as tree, pytest.raises(CorruptFileError):
        tree[1]
    data[root * page : root * page + 3] = bytes([1, 1, 0])  # a leaf with one key ...
    overrun = page.to_bytes(2, "little")  # ... whose value is longer than the page
    data[root * page + 3 + 8 : root * page + 3 + 10] = overrun
    path.write_bytes(bytes(data))
    with PagedBTree(path) as tree, pytest.raises(CorruptFileError):
        tree[1]


def test_free_list_corruption_is_detected(tmp_path):
    path = tmp_path / "f.db"
    page = min_page_size(2)
    with small(path) as tree:
        for k in range(40):
            tree[k] = b"v"
        for k in range(40):
            del tree[k]
    data = bytearray(path.read_bytes())
    free = int.from_bytes(data[32:36], "little")
    assert free
    data[free * page] = 1  # the head of the free list now claims to be a leaf
    path.write_bytes(bytes(data))
    with PagedBTree(path) as tree, pytest.raises(CorruptFileError):
        for k in range(40):
            tree[k] = b"v"
