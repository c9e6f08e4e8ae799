"""Parts A and B: an in-memory B-tree of minimum degree t, after CLRS (Introduction to Algorithms, ch. 18).

Both insertion and deletion make a single pass from the root down. Insertion splits every full node it is
about to enter, so a split never has to travel back up; deletion tops up every child it is about to enter
to at least t keys (by borrowing from a sibling or merging with one), so removing a key never leaves a node
too small. Inside a node, keys are found by binary search (`bisect`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any


class Node:
    """One B-tree node: sorted `keys`, their `values`, and `children` (an empty list for a leaf).

    An internal node with k keys has k + 1 children; every key in `children[i]` lies between
    `keys[i - 1]` and `keys[i]`.
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
        if isinstance(t, bool) or not isinstance(t, int) or t < 2:
            raise ValueError(f"minimum degree t must be an integer >= 2, got {t!r}")
        self.t = t
        self._root = Node()
        self._len = 0

    # -- introspection ---------------------------------------------------------------------------
    @property
    def root(self) -> Node:
        """The root node (an empty leaf when the tree is empty)."""
        return self._root

    @property
    def height(self) -> int:
        """Number of levels: 0 for an empty tree, 1 when the root is a leaf."""
        if not self._root.keys:
            return 0
        levels, node = 1, self._root
        while node.children:
            levels, node = levels + 1, node.children[0]
        return levels

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"BTree(t={self.t}, len={self._len}, height={self.height})"

    # -- lookup ----------------------------------------------------------------------------------
    def _find(self, key: Any) -> tuple[Node, int] | None:
        """The node holding `key` and its index there, or None."""
        node = self._root
        while True:
            keys = node.keys
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                return node, i
            if not node.children:
                return None
            node = node.children[i]

    def __getitem__(self, key: Any) -> Any:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        node, i = found
        return node.values[i]

    def get(self, key: Any, default: Any = None) -> Any:
        """The value stored under `key`, or `default` when it is absent."""
        found = self._find(key)
        return default if found is None else found[0].values[found[1]]

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None

    def min(self) -> Any:
        """The smallest key (ValueError when the tree is empty)."""
        if not self._len:
            raise ValueError("min() of an empty BTree")
        node = self._root
        while node.children:
            node = node.children[0]
        return node.keys[0]

    def max(self) -> Any:
        """The largest key (ValueError when the tree is empty)."""
        if not self._len:
            raise ValueError("max() of an empty BTree")
        node = self._root
        while node.children:
            node = node.children[-1]
        return node.keys[-1]

    # -- ordered iteration -----------------------------------------------------------------------
    def range(self, lo: Any = None, hi: Any = None) -> Iterator[tuple[Any, Any]]:
        """Yield (key, value) pairs with lo <= key < hi in ascending order, lazily.

        A bound of None is open: `range()` yields everything, `range(lo)` everything from lo on.
        """
        # Stack entries (node, i): the next thing to yield from `node` is key i (for an internal node,
        # children[i] has been, or is being, visited by the entries above it).
        stack: list[tuple[Node, int]] = []
        node = self._root
        while True:
            stack.append((node, 0 if lo is None else bisect_left(node.keys, lo)))
            if not node.children:
                break
            node = node.children[stack[-1][1]]
        while stack:
            node, i = stack.pop()
            keys, values = node.keys, node.values
            if not node.children:
                for j in range(i, len(keys)):
                    if hi is not None and not keys[j] < hi:
                        return
                    yield keys[j], values[j]
            elif i < len(keys):
                if hi is not None and not keys[i] < hi:
                    return
                yield keys[i], values[i]
                stack.append((node, i + 1))
                child = node.children[i + 1]
                while True:  # descend to the leftmost leaf of the next subtree
                    stack.append((child, 0))
                    if not child.children:
                        break
                    child = child.children[0]

    def items(self) -> Iterator[tuple[Any, Any]]:
        """All (key, value) pairs in ascending key order."""
        return self.range()

    def __iter__(self) -> Iterator[Any]:
        return (key for key, _ in self.range())

    # -- insertion -------------------------------------------------------------------------------
    def _split_child(self, parent: Node, i: int) -> None:
        """Split the full child `parent.children[i]` around its median, which moves up into `parent`."""
        t = self.t
        child = parent.children[i]
        right = Node(child.keys[t:], child.values[t:], child.children[t:])
        parent.keys.insert(i, child.keys[t - 1])
        parent.values.insert(i, child.values[t - 1])
        parent.children.insert(i + 1, right)
        del child.keys[t - 1 :], child.values[t - 1 :], child.children[t:]

    def __setitem__(self, key: Any, value: Any) -> None:
        full = 2 * self.t - 1
        if len(self._root.keys) == full:  # the only way the tree grows taller
            self._root = Node(children=[self._root])
            self._split_child(self._root, 0)
        node = self._root
        while True:
            keys = node.keys
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                node.values[i] = value
                return
            if not node.children:
                keys.insert(i, key)
                node.values.insert(i, value)
                self._len += 1
                return
            if len(node.children[i].keys) == full:
                self._split_child(node, i)
                if keys[i] == key:
                    node.values[i] = value
                    return
                if keys[i] < key:
                    i += 1
            node = node.children[i]

    # -- deletion --------------------------------------------------------------------------------
    def _merge(self, parent: Node, i: int) -> Node:
        """Merge children i and i + 1 of `parent` around separator key i; return the merged node."""
        left, right = parent.children[i], parent.children.pop(i + 1)
        left.keys.append(parent.keys.pop(i))
        left.values.append(parent.values.pop(i))
        left.keys += right.keys
        left.values += right.values
        left.children += right.children
        return left

    def _fill(self, parent: Node, i: int) -> Node:
        """Give `parent.children[i]` (t - 1 keys) at least t keys; return the node to descend into."""
        t, siblings = self.t, parent.children
        child = siblings[i]
        if i > 0 and len(siblings[i - 1].keys) >= t:  # CLRS 3a: rotate a key in from the left sibling
            left = siblings[i - 1]
            child.keys.insert(0, parent.keys[i - 1])
            child.values.insert(0, parent.values[i - 1])
            parent.keys[i - 1], parent.values[i - 1] = left.keys.pop(), left.values.pop()
            if left.children:
                child.children.insert(0, left.children.pop())
            return child
        if i + 1 < len(siblings) and len(siblings[i + 1].keys) >= t:  # 3a: ... or from the right one
            right = siblings[i + 1]
            child.keys.append(parent.keys[i])
            child.values.append(parent.values[i])
            parent.keys[i], parent.values[i] = right.keys.pop(0), right.values.pop(0)
            if right.children:
                child.children.append(right.children.pop(0))
            return child
        # CLRS 3b: both neighbours are minimal, so merge with one of them.
        return self._merge(parent, i) if i + 1 < len(siblings) else self._merge(parent, i - 1)

    def __delitem__(self, key: Any) -> None:
        t = self.t
        node = self._root
        removed = False
        while True:
            keys = node.keys
            i = bisect_left(keys, key)
            found = i < len(keys) and keys[i] == key
            if not node.children:  # CLRS case 1: remove from a leaf
                if found:
                    del keys[i], node.values[i]
                    removed = True
                break
            if found:
                left, right = node.children[i], node.children[i + 1]
                if len(left.keys) >= t:  # 2a: replace by the predecessor, then delete that
                    pred = left
                    while pred.children:
                        pred = pred.children[-1]
                    key = keys[i] = pred.keys[-1]
                    node.values[i] = pred.values[-1]
                    node = left
                elif len(right.keys) >= t:  # 2b: replace by the successor, then delete that
                    succ = right
                    while succ.children:
                        succ = succ.children[0]
                    key = keys[i] = succ.keys[0]
                    node.values[i] = succ.values[0]
                    node = right
                else:  # 2c: merge the key and both children, then delete from the merged node
                    node = self._merge(node, i)
            else:  # case 3: make sure the child we descend into can spare a key
                node = node.children[i] if len(node.children[i].keys) >= t else self._fill(node, i)
        if not self._root.keys and self._root.children:  # the root emptied by a merge: shrink
            self._root = self._root.children[0]
        if not removed:
            raise KeyError(key)
        self._len -= 1
