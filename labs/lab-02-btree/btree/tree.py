"""Parts A and B: an in-memory B-tree of minimum degree t, after CLRS (Introduction to Algorithms, ch. 18).

Both insertion and deletion make a single pass from the root down. Insertion splits every full node it is
about to enter, so a split never has to travel back up; deletion tops up every child it is about to enter
to at least t keys (by borrowing from a sibling or merging with one), so removing a key never leaves a node
too small. Inside a node, keys are found by binary search (`bisect`).

Everything marked "given" is complete; replace each `raise NotImplementedError(...)` (README, Parts A and B).
You may add private helpers (methods or functions starting with `_`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Node:
    """One B-tree node: sorted `keys`, their `values`, and `children` (an empty list for a leaf).

    An internal node with k keys has k + 1 children; every key in `children[i]` lies between
    `keys[i - 1]` and `keys[i]`. (Given: complete.)
    """

    __slots__ = ("children", "keys", "values")

    def __init__(
        self,
        keys: list[Any] | None = None,
        values: list[Any] | None = None,
        children: list[Node] | None = None,
    ) -> None:
        self.keys: list[Any] = keys if keys is not None else []
        self.values: list[Any] = values if values is not None else []
        self.children: list[Node] = children if children is not None else []

    @property
    def leaf(self) -> bool:
        """True when the node has no children."""
        return not self.children

    def __repr__(self) -> str:
        return f"Node(keys={self.keys!r}, children={len(self.children)})"


class BTree:
    """A sorted mapping from unique, mutually comparable keys to values, stored in a B-tree.

    Every node except the root holds between t - 1 and 2t - 1 keys, the root between 1 and 2t - 1 (none
    when the tree is empty), and all leaves lie at the same depth. Mutating the tree while iterating over
    it gives undefined results.
    """

    def __init__(self, t: int = 2) -> None:
        """Create an empty tree of minimum degree `t` (an integer >= 2, else ValueError)."""
        raise NotImplementedError("BTree.__init__: validate t and start with an empty root (README A.1)")

    # -- introspection ---------------------------------------------------------------------------
    @property
    def root(self) -> Node:
        """The root node (an empty leaf when the tree is empty)."""
        raise NotImplementedError("BTree.root: return the root Node (README A.1)")

    @property
    def height(self) -> int:
        """Number of levels: 0 for an empty tree, 1 when the root is a leaf."""
        raise NotImplementedError("BTree.height (README A.1)")

    def __len__(self) -> int:
        raise NotImplementedError("BTree.__len__: keep a count of keys (README A.1)")

    def __repr__(self) -> str:
        raise NotImplementedError("BTree.__repr__: a short description, e.g. BTree(t=2, len=5, height=2)")

    # -- lookup ----------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        raise NotImplementedError("BTree.__getitem__: search from the root with bisect (README A.2)")

    def get(self, key: Any, default: Any = None) -> Any:
        """The value stored under `key`, or `default` when it is absent."""
        raise NotImplementedError("BTree.get (README A.2)")

    def __contains__(self, key: object) -> bool:
        raise NotImplementedError("BTree.__contains__ (README A.2)")

    def min(self) -> Any:
        """The smallest key (ValueError when the tree is empty)."""
        raise NotImplementedError("BTree.min: follow the leftmost children (README A.2)")

    def max(self) -> Any:
        """The largest key (ValueError when the tree is empty)."""
        raise NotImplementedError("BTree.max: follow the rightmost children (README A.2)")

    # -- ordered iteration -----------------------------------------------------------------------
    def range(self, lo: Any = None, hi: Any = None) -> Iterator[tuple[Any, Any]]:
        """Yield (key, value) pairs with lo <= key < hi in ascending order, lazily.

        A bound of None is open: `range()` yields everything, `range(lo)` everything from lo on.
        """
        raise NotImplementedError("BTree.range: a generator: descend to lo, then walk in order (README A.3)")

    def items(self) -> Iterator[tuple[Any, Any]]:
        """All (key, value) pairs in ascending key order."""
        raise NotImplementedError("BTree.items (README A.3)")

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("BTree.__iter__: the keys in ascending order (README A.3)")

    # -- insertion -------------------------------------------------------------------------------
    def __setitem__(self, key: Any, value: Any) -> None:
        raise NotImplementedError("BTree.__setitem__: insert or overwrite, splitting full nodes (README A.4)")

    # -- deletion --------------------------------------------------------------------------------
    def __delitem__(self, key: Any) -> None:
        raise NotImplementedError("BTree.__delitem__: the CLRS deletion cases (README section 3, Part B)")
