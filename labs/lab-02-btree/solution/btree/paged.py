"""Parts C and D: a persistent B-tree stored one node per fixed-size page of a single file.

File layout (all integers little-endian):

* page 0, the header: magic, format version, page size, t, root page, number of levels, number of pages,
  head of the free-page list, number of keys. It is read when the file is opened and written by
  `flush()`/`close()`; header I/O is not counted in `stats`.
* every other page is a node or a free page. A node page starts with its kind (1 = leaf, 2 = internal) and
  its key count n, then n signed 64-bit keys, n + 1 child page numbers (internal nodes only), n value
  lengths and the value bytes. A free page (kind 3) holds the number of the next free page (0 ends the
  list), so pages released by merges are handed out again before the file grows.

Node pages go through a small LRU cache of decoded nodes. Writes go straight to the file (write-through),
so `stats.page_writes` counts exactly the node pages an operation changed.
"""

from __future__ import annotations

import os
import struct
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

MAX_VALUE_SIZE = 32
"""The longest value, in bytes, that a PagedBTree accepts."""

KEY_MIN, KEY_MAX = -(2**63), 2**63 - 1
"""Keys are signed 64-bit integers."""


def min_page_size(t: int) -> int:
    """The smallest page size every PagedBTree of minimum degree `t` must accept.

    It leaves room for a full node (2t - 1 keys with values of MAX_VALUE_SIZE bytes and 2t children) with
    generous per-entry overhead, so any reasonable page layout fits.
    """
    return 64 + (2 * t - 1) * (MAX_VALUE_SIZE + 16) + 2 * t * 8


class CorruptFileError(ValueError):
    """The file is not a valid PagedBTree file (wrong magic number, truncated, inconsistent)."""


@dataclass
class PageStats:
    """Counters of node-page I/O since the tree was opened (or since `reset()`)."""

    page_reads: int = 0  # node pages read from the file (cache misses)
    page_writes: int = 0  # node pages written to the file
    cache_hits: int = 0  # node pages found in the LRU cache

    def reset(self) -> None:
        """Set every counter back to zero."""
        self.page_reads = self.page_writes = self.cache_hits = 0


MAGIC = b"LABBTREE"
VERSION = 1
_HEADER = struct.Struct("<8sIIIIIIIQ")  # magic, version, page_size, t, root, levels, pages, free, count
_NODE_HEAD = struct.Struct("<BH")  # kind, number of keys
_FREE = struct.Struct("<BI")  # kind, next free page
LEAF, INTERNAL, FREE = 1, 2, 3


class _Page:
    """A decoded node page: `children` holds page numbers and is empty for a leaf."""

    __slots__ = ("children", "keys", "pid", "values")

    def __init__(self, pid: int, keys: list[int], values: list[bytes], children: list[int]) -> None:
        self.pid, self.keys, self.values, self.children = pid, keys, values, children


class PagedBTree:
    """A persistent sorted mapping from 64-bit integer keys to short `bytes` values.

    `PagedBTree(path, t, page_size, cache_pages)` opens the tree stored in `path`, creating it when the file
    does not exist or is empty; for an existing file the stored t and page size are used and the arguments
    are ignored. Use it as a context manager, or call `close()`, so the header is written.
    """

    def __init__(
        self, path: str | os.PathLike[str], t: int = 32, page_size: int = 4096, cache_pages: int = 16
    ) -> None:
        if isinstance(cache_pages, bool) or not isinstance(cache_pages, int) or cache_pages < 0:
            raise ValueError(f"cache_pages must be an integer >= 0, got {cache_pages!r}")
        self.stats = PageStats()
        self._cache: OrderedDict[int, _Page] = OrderedDict()
        self._cache_pages = cache_pages
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        if not exists:
            if isinstance(t, bool) or not isinstance(t, int) or t < 2:
                raise ValueError(f"minimum degree t must be an integer >= 2, got {t!r}")
            if isinstance(page_size, bool) or not isinstance(page_size, int):
                raise ValueError(f"page_size must be an integer number of bytes, got {page_size!r}")
            if page_size < min_page_size(t):
                raise ValueError(f"page_size {page_size} is too small for t={t}: need >= {min_page_size(t)}")
        self._file: BinaryIO | None = open(path, "r+b" if exists else "w+b")  # noqa: SIM115 (closed by close())
        try:
            if exists:
                self._load_header()
            else:
                self.t, self.page_size = t, page_size
                self._pages, self._free, self._count, self._levels = 2, 0, 0, 1
                self._root = 1
                self._write(_Page(1, [], [], []))
                self.flush()
        except BaseException:
            self._file.close()
            raise

    # -- file and header -------------------------------------------------------------------------
    def _load_header(self) -> None:
        assert self._file is not None
        size = os.fstat(self._file.fileno()).st_size
        raw = self._file.read(_HEADER.size)
        if not MAGIC.startswith(raw[: len(MAGIC)]):
            raise CorruptFileError("not a PagedBTree file (wrong magic number)")
        if len(raw) < _HEADER.size:
            raise CorruptFileError(f"file truncated: {size} bytes is shorter than the header")
        _, version, page_size, t, root, levels, pages, free, count = _HEADER.unpack(raw)
        if version != VERSION:
            raise CorruptFileError(f"unsupported file format version {version}")
        if t < 2 or page_size < min_page_size(t):
            raise CorruptFileError(f"corrupt header: t={t}, page_size={page_size}")
        if size != pages * page_size:
            raise CorruptFileError(f"file truncated or damaged: {size} bytes, header says {pages} pages")
        if not (0 < root < pages and 0 <= free < pages and levels >= 1):
            raise CorruptFileError("corrupt header: page numbers out of range")
        self.t, self.page_size = t, page_size
        self._root, self._levels, self._pages, self._free, self._count = root, levels, pages, free, count

    def flush(self) -> None:
        """Write the header so the file on disk describes the whole tree."""
        file = self._open_file()
        file.seek(0)
        fields = (self.page_size, self.t, self._root, self._levels, self._pages, self._free, self._count)
        header = _HEADER.pack(MAGIC, VERSION, *fields)
        file.write(header.ljust(self.page_size, b"\0"))
        file.flush()

    def close(self) -> None:
        """Write the header and close the file; closing twice is harmless."""
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None
            self._cache.clear()

    def __enter__(self) -> PagedBTree:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _open_file(self) -> BinaryIO:
        if self._file is None:
            raise ValueError("I/O operation on a closed PagedBTree")
        return self._file

    # -- pages -----------------------------------------------------------------------------------
    def _raw(self, pid: int) -> bytes:
        if not 0 < pid < self._pages:
            raise CorruptFileError(f"page number {pid} out of range (file has {self._pages} pages)")
        file = self._open_file()
        file.seek(pid * self.page_size)
        data = file.read(self.page_size)
        if len(data) != self.page_size:
            raise CorruptFileError(f"file truncated: page {pid} is incomplete")
        self.stats.page_reads += 1
        return data

    def _remember(self, page: _Page) -> None:
        if self._cache_pages:
            self._cache[page.pid] = page
            self._cache.move_to_end(page.pid)
            if len(self._cache) > self._cache_pages:
                self._cache.popitem(last=False)

    def _read(self, pid: int) -> _Page:
        page = self._cache.get(pid)
        if page is not None:
            self._cache.move_to_end(pid)
            self.stats.cache_hits += 1
            return page
        page = self._decode(pid, self._raw(pid))
        self._remember(page)
        return page

    def _write(self, page: _Page) -> None:
        file = self._open_file()
        file.seek(page.pid * self.page_size)
        file.write(self._encode(page))
        self.stats.page_writes += 1
        self._remember(page)

    def _encode(self, page: _Page) -> bytes:
        n = len(page.keys)
        lengths = [len(v) for v in page.values]
        if page.children:
            head = struct.pack(f"<BH{n}q{n + 1}I{n}H", INTERNAL, n, *page.keys, *page.children, *lengths)
        else:
            head = struct.pack(f"<BH{n}q{n}H", LEAF, n, *page.keys, *lengths)
        return (head + b"".join(page.values)).ljust(self.page_size, b"\0")

    def _decode(self, pid: int, data: bytes) -> _Page:
        kind, n = _NODE_HEAD.unpack_from(data)
        if kind not in (LEAF, INTERNAL) or n > 2 * self.t - 1:
            raise CorruptFileError(f"page {pid} is not a valid node (kind {kind}, {n} keys)")
        nchildren = n + 1 if kind == INTERNAL else 0
        layout = f"<{n}q{nchildren}I{n}H"
        fields = struct.unpack_from(layout, data, _NODE_HEAD.size)
        offset = _NODE_HEAD.size + struct.calcsize(layout)
        values = []
        for length in fields[n + nchildren :]:
            values.append(data[offset : offset + length])
            offset += length
        if offset > self.page_size:
            raise CorruptFileError(f"page {pid} is not a valid node (values overrun the page)")
        return _Page(pid, list(fields[:n]), values, list(fields[n : n + nchildren]))

    def _allocate(self) -> int:
        """A page number for a new node: the head of the free list, else a new page at the end."""
        pid = self._free
        if pid:
            kind, self._free = _FREE.unpack_from(self._raw(pid))
            if kind != FREE:
                raise CorruptFileError(f"page {pid} is on the free list but is not free")
            return pid
        self._pages += 1
        return self._pages - 1

    def _release(self, pid: int) -> None:
        """Put a page that no longer holds a node on the free list."""
        file = self._open_file()
        file.seek(pid * self.page_size)
        file.write(_FREE.pack(FREE, self._free).ljust(self.page_size, b"\0"))
        self.stats.page_writes += 1
        self._cache.pop(pid, None)
        self._free = pid

    # -- mapping: lookups --------------------------------------------------------------------------
    @property
    def height(self) -> int:
        """Number of levels: 0 for an empty tree, 1 when the root is a leaf."""
        return self._levels if self._count else 0

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"PagedBTree(t={self.t}, page_size={self.page_size}, len={self._count})"

    def _find(self, key: int) -> tuple[_Page, int] | None:
        node = self._read(self._root)
        while True:
            i = bisect_left(node.keys, key)
            if i < len(node.keys) and node.keys[i] == key:
                return node, i
            if not node.children:
                return None
            node = self._read(node.children[i])

    def __getitem__(self, key: int) -> bytes:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return found[0].values[found[1]]

    def get(self, key: int, default: bytes | None = None) -> bytes | None:
        """The value stored under `key`, or `default` when it is absent."""
        found = self._find(key)
        return default if found is None else found[0].values[found[1]]

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None  # type: ignore[arg-type]

    def _edge(self, side: int) -> int:
        if not self._count:
            raise ValueError(f"{'min' if side == 0 else 'max'}() of an empty PagedBTree")
        node = self._read(self._root)
        while node.children:
            node = self._read(node.children[side])
        return node.keys[side]

    def min(self) -> int:
        """The smallest key (ValueError when the tree is empty)."""
        return self._edge(0)

    def max(self) -> int:
        """The largest key (ValueError when the tree is empty)."""
        return self._edge(-1)

    def range(self, lo: int | None = None, hi: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Yield (key, value) pairs with lo <= key < hi in ascending order, lazily; None is an open bound."""
        stack: list[tuple[_Page, int]] = []  # as in BTree.range: next to yield is key i of the node
        node = self._read(self._root)
        while True:
            stack.append((node, 0 if lo is None else bisect_left(node.keys, lo)))
            if not node.children:
                break
            node = self._read(node.children[stack[-1][1]])
        while stack:
            node, i = stack.pop()
            if not node.children:
                for key, value in zip(node.keys[i:], node.values[i:], strict=True):
                    if hi is not None and key >= hi:
                        return
                    yield key, value
            elif i < len(node.keys):
                if hi is not None and node.keys[i] >= hi:
                    return
                yield node.keys[i], node.values[i]
                stack.append((node, i + 1))
                child = self._read(node.children[i + 1])
                while True:
                    stack.append((child, 0))
                    if not child.children:
                        break
                    child = self._read(child.children[0])

    def items(self) -> Iterator[tuple[int, bytes]]:
        """All (key, value) pairs in ascending key order."""
        return self.range()

    def __iter__(self) -> Iterator[int]:
        return (key for key, _ in self.range())

    # -- mapping: insertion ------------------------------------------------------------------------
    def _split_child(self, parent: _Page, i: int, child: _Page) -> _Page:
        """Split the full `child` (children[i] of `parent`), write the three pages, return the right half."""
        t = self.t
        right = _Page(self._allocate(), child.keys[t:], child.values[t:], child.children[t:])
        parent.keys.insert(i, child.keys[t - 1])
        parent.values.insert(i, child.values[t - 1])
        parent.children.insert(i + 1, right.pid)
        del child.keys[t - 1 :], child.values[t - 1 :], child.children[t:]
        self._write(child)
        self._write(right)
        self._write(parent)
        return right

    def __setitem__(self, key: int, value: bytes) -> None:
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(f"keys must be int, got {type(key).__name__}")
        if not KEY_MIN <= key <= KEY_MAX:
            raise ValueError(f"key {key} does not fit in a signed 64-bit integer")
        if not isinstance(value, bytes):
            raise TypeError(f"values must be bytes, got {type(value).__name__}")
        if len(value) > MAX_VALUE_SIZE:
            raise ValueError(f"value of {len(value)} bytes is longer than MAX_VALUE_SIZE={MAX_VALUE_SIZE}")
        value = bytes(value)
        full = 2 * self.t - 1
        node = self._read(self._root)
        if len(node.keys) == full:
            old_root = node
            node = _Page(self._allocate(), [], [], [old_root.pid])
            self._split_child(node, 0, old_root)
            self._root, self._levels = node.pid, self._levels + 1
        while True:
            keys = node.keys
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                node.values[i] = value
                self._write(node)
                return
            if not node.children:
                keys.insert(i, key)
                node.values.insert(i, value)
                self._write(node)
                self._count += 1
                return
            child = self._read(node.children[i])
            if len(child.keys) == full:
                right = self._split_child(node, i, child)
                if keys[i] == key:
                    node.values[i] = value
                    self._write(node)
                    return
                if keys[i] < key:
                    child = right
            node = child

    # -- mapping: deletion -------------------------------------------------------------------------
    def _merge(self, parent: _Page, i: int, left: _Page, right: _Page) -> _Page:
        """Merge children i (`left`) and i + 1 (`right`) of `parent` around key i; free the right page."""
        left.keys.append(parent.keys.pop(i))
        left.values.append(parent.values.pop(i))
        left.keys += right.keys
        left.values += right.values
        left.children += right.children
        del parent.children[i + 1]
        self._write(left)
        self._write(parent)
        self._release(right.pid)
        return left

    def _fill(self, parent: _Page, i: int, child: _Page) -> _Page:
        """Give `child` (= children[i], with t - 1 keys) at least t keys; return the node to descend into."""
        t = self.t
        left = self._read(parent.children[i - 1]) if i > 0 else None
        if left is not None and len(left.keys) >= t:  # borrow through the parent from the left sibling
            child.keys.insert(0, parent.keys[i - 1])
            child.values.insert(0, parent.values[i - 1])
            parent.keys[i - 1], parent.values[i - 1] = left.keys.pop(), left.values.pop()
            if left.children:
                child.children.insert(0, left.children.pop())
            for page in (left, child, parent):
                self._write(page)
            return child
        right = self._read(parent.children[i + 1]) if i + 1 < len(parent.children) else None
        if right is not None and len(right.keys) >= t:  # ... or from the right sibling
            child.keys.append(parent.keys[i])
            child.values.append(parent.values[i])
            parent.keys[i], parent.values[i] = right.keys.pop(0), right.values.pop(0)
            if right.children:
                child.children.append(right.children.pop(0))
            for page in (right, child, parent):
                self._write(page)
            return child
        if right is not None:
            return self._merge(parent, i, child, right)
        assert left is not None
        return self._merge(parent, i - 1, left, child)

    def __delitem__(self, key: int) -> None:
        t = self.t
        root = node = self._read(self._root)
        removed = False
        while True:
            keys = node.keys
            i = bisect_left(keys, key)
            found = i < len(keys) and keys[i] == key
            if not node.children:
                if found:
                    del keys[i], node.values[i]
                    self._write(node)
                    removed = True
                break
            if found:
                left = self._read(node.children[i])
                right = None if len(left.keys) >= t else self._read(node.children[i + 1])
                if right is None or len(right.keys) >= t:  # replace by predecessor / successor
                    side, nearest = (-1, left) if right is None else (0, right)
                    while nearest.children:
                        nearest = self._read(nearest.children[side])
                    key = keys[i] = nearest.keys[side]
                    node.values[i] = nearest.values[side]
                    self._write(node)
                    node = left if right is None else right
                else:
                    node = self._merge(node, i, left, right)
            else:
                child = self._read(node.children[i])
                node = child if len(child.keys) >= t else self._fill(node, i, child)
        if not root.keys and root.children:  # a merge emptied the root: its only child takes over
            self._release(root.pid)
            self._root, self._levels = root.children[0], self._levels - 1
        if not removed:
            raise KeyError(key)
        self._count -= 1
