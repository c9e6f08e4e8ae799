"""Parts C and D: a persistent B-tree stored one node per fixed-size page of a single file.

You design the file layout (README C.1). It needs a header page (page 0) starting with an 8-byte magic number, and one
node per page after it; pages released by merges go on a free list so they are reused before the file
grows. Node pages go through a small LRU cache; writes go straight to the file (write-through), so
`stats.page_writes` counts exactly the node pages an operation changed.

Everything marked "given" is complete; replace each `raise NotImplementedError(...)` (README, Parts C and D).
You may add private helpers (methods, classes or functions starting with `_`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

MAX_VALUE_SIZE = 32
"""The longest value, in bytes, that a PagedBTree accepts. (Given.)"""

KEY_MIN, KEY_MAX = -(2**63), 2**63 - 1
"""Keys are signed 64-bit integers. (Given.)"""


def min_page_size(t: int) -> int:
    """The smallest page size every PagedBTree of minimum degree `t` must accept. (Given.)

    It leaves room for a full node (2t - 1 keys with values of MAX_VALUE_SIZE bytes and 2t children) with
    generous per-entry overhead, so any reasonable page layout fits.
    """
    return 64 + (2 * t - 1) * (MAX_VALUE_SIZE + 16) + 2 * t * 8


class CorruptFileError(ValueError):
    """The file is not a valid PagedBTree file (wrong magic number, truncated, inconsistent). (Given.)"""


@dataclass
class PageStats:
    """Counters of node-page I/O since the tree was opened (or since `reset()`). (Given.)"""

    page_reads: int = 0  # node pages read from the file (cache misses)
    page_writes: int = 0  # node pages written to the file
    cache_hits: int = 0  # node pages found in the LRU cache

    def reset(self) -> None:
        """Set every counter back to zero."""
        self.page_reads = self.page_writes = self.cache_hits = 0


class PagedBTree:
    """A persistent sorted mapping from 64-bit integer keys to short `bytes` values.

    `PagedBTree(path, t, page_size, cache_pages)` opens the tree stored in `path`, creating it when the file
    does not exist or is empty; for an existing file the stored t and page size are used and the arguments
    are ignored. Use it as a context manager, or call `close()`, so the header is written.
    """

    def __init__(
        self, path: str | os.PathLike[str], t: int = 32, page_size: int = 4096, cache_pages: int = 16
    ) -> None:
        self.stats = PageStats()
        raise NotImplementedError("PagedBTree.__init__: create, or open and validate, the file (README C.1)")

    # -- file and header -------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the header so the file on disk describes the whole tree."""
        raise NotImplementedError("PagedBTree.flush (README C.1)")

    def close(self) -> None:
        """Write the header and close the file; closing twice is harmless."""
        raise NotImplementedError("PagedBTree.close (README C.1)")

    def __enter__(self) -> PagedBTree:
        raise NotImplementedError("PagedBTree.__enter__ (README C.1)")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        raise NotImplementedError("PagedBTree.__exit__: close the tree (README C.1)")

    # -- mapping: lookups --------------------------------------------------------------------------
    @property
    def height(self) -> int:
        """Number of levels: 0 for an empty tree, 1 when the root is a leaf."""
        raise NotImplementedError("PagedBTree.height: keep it in the header, do not read pages (README C.2)")

    def __len__(self) -> int:
        raise NotImplementedError("PagedBTree.__len__ (README C.1)")

    def __repr__(self) -> str:
        raise NotImplementedError("PagedBTree.__repr__: a short description, e.g. PagedBTree(t=2, len=5)")

    def __getitem__(self, key: int) -> bytes:
        raise NotImplementedError("PagedBTree.__getitem__ (README C.2)")

    def get(self, key: int, default: bytes | None = None) -> bytes | None:
        """The value stored under `key`, or `default` when it is absent."""
        raise NotImplementedError("PagedBTree.get (README C.2)")

    def __contains__(self, key: object) -> bool:
        raise NotImplementedError("PagedBTree.__contains__ (README C.2)")

    def min(self) -> int:
        """The smallest key (ValueError when the tree is empty)."""
        raise NotImplementedError("PagedBTree.min (README C.2)")

    def max(self) -> int:
        """The largest key (ValueError when the tree is empty)."""
        raise NotImplementedError("PagedBTree.max (README C.2)")

    def range(self, lo: int | None = None, hi: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Yield (key, value) pairs with lo <= key < hi in ascending order, lazily; None is an open bound."""
        raise NotImplementedError("PagedBTree.range (README C.2)")

    def items(self) -> Iterator[tuple[int, bytes]]:
        """All (key, value) pairs in ascending key order."""
        raise NotImplementedError("PagedBTree.items (README C.2)")

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError("PagedBTree.__iter__ (README C.2)")

    # -- mapping: updates --------------------------------------------------------------------------
    def __setitem__(self, key: int, value: bytes) -> None:
        raise NotImplementedError(
            "PagedBTree.__setitem__: validate first, then insert as in Part A (README C.3)"
        )

    def __delitem__(self, key: int) -> None:
        raise NotImplementedError(
            "PagedBTree.__delitem__: as in Part B, freeing merged pages (README D.1, D.2)"
        )
