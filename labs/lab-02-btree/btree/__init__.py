"""B-trees: an in-memory CLRS B-tree (Parts A and B) and a paged, persistent B-tree (Parts C and D)."""

from btree.paged import MAX_VALUE_SIZE, CorruptFileError, PagedBTree, PageStats, min_page_size
from btree.tree import BTree, Node

__all__ = ["MAX_VALUE_SIZE", "BTree", "CorruptFileError", "Node", "PageStats", "PagedBTree", "min_page_size"]
