"""Read-only copies of what is graded, and proof that the original was left alone."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".coverage*", ".hypothesis")


def copy_read_only(sources: Iterable[Path], destination: Path) -> Path:
    """Copy each source folder into `destination/<name>` and make the copy read-only."""
    destination.mkdir(parents=True, exist_ok=True)
    for source in sources:
        shutil.copytree(source, destination / source.name, ignore=_IGNORED, symlinks=False)
    make_read_only(destination)
    return destination


def make_read_only(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) & ~0o222)
        os.chmod(folder, 0o555)


def remove_tree(root: Path) -> None:
    """Delete a tree even where a copy was made read-only (or a child changed modes)."""
    if not root.exists():
        return
    for folder, _dirs, _files in os.walk(root):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
    shutil.rmtree(root, ignore_errors=True)


def fingerprint(folders: Iterable[Path]) -> str:
    """A hash of every file's relative path and bytes under the given folders."""
    digest = hashlib.sha256()
    for root in folders:
        if not root.exists():
            digest.update(f"missing:{root.name}".encode())
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", ".pytest_cache", ".hypothesis"})
            for name in sorted(files):
                if name.endswith(".pyc") or name.startswith(".coverage"):
                    continue
                path = Path(folder, name)
                digest.update(str(path.relative_to(root.parent)).encode())
                digest.update(path.read_bytes() if not path.is_symlink() else os.readlink(path).encode())
    return digest.hexdigest()
