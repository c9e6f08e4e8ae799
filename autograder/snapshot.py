"""Read-only copies of what is graded, proof that the original was left alone, and safe file handling.

A target is walked with `lstat`, names as bytes: only folders and regular files are accepted; a
symlink, FIFO, socket or device, a name that is not UTF-8 or holds a control character, and a tree
beyond the documented limits (file size, file count, depth, total bytes) are refused with one line
naming the path (`HostileTarget`, a UsageError: exit 2, nothing recorded). Nothing here follows a
symlink or opens anything but a regular file, and nothing blocks on a FIFO.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from autograder.errors import UsageError

MAX_FILE_BYTES = 16 << 20
MAX_FILES = 5000
MAX_DEPTH = 24
MAX_TOTAL_BYTES = 128 << 20
_IGNORED_NAMES = {b"__pycache__", b".pytest_cache", b".hypothesis"}
_IGNORED_PREFIXES = (b".coverage",)
_IGNORED_SUFFIXES = (b".pyc",)
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class HostileTarget(UsageError):
    """The target holds something the autograder refuses to grade."""


def display(path: bytes | str | Path) -> str:
    """A path safe to print anywhere: undecodable bytes and control characters become `\\xNN` escapes."""
    out = []
    for char in os.fsdecode(path):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(char) in ("Cc", "Cf"):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _ignored(name: bytes) -> bool:
    return name in _IGNORED_NAMES or name.startswith(_IGNORED_PREFIXES) or name.endswith(_IGNORED_SUFFIXES)


def _check_name(name: bytes, path: bytes) -> None:
    try:
        text = name.decode("utf-8")
    except UnicodeDecodeError:
        raise HostileTarget(f"refused: {display(path)}: a file name that is not UTF-8") from None
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text):
        raise HostileTarget(f"refused: {display(path)}: a file name with a control character")


def walk(root: Path) -> Iterator[tuple[bytes, bytes, os.stat_result]]:
    """(path, path relative to root's parent, lstat) of every folder and regular file under `root`,
    parents first; raises HostileTarget at the first entry outside the rules."""
    top = os.fsencode(root)
    files = total = 0
    base = os.path.dirname(top)
    stack: list[tuple[bytes, int]] = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode):
            raise HostileTarget(f"refused: {display(folder)}: {_kind(info.st_mode)}, not a folder")
        if depth > MAX_DEPTH:
            raise HostileTarget(f"refused: {display(folder)}: folders nested deeper than {MAX_DEPTH}")
        yield folder, os.path.relpath(folder, base), info
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            raise HostileTarget(f"refused: {display(folder)}: cannot be read ({exc.strerror})") from None
        children: list[tuple[bytes, int]] = []
        for name in names:
            path = os.path.join(folder, name)
            if _ignored(name):
                continue
            _check_name(name, path)
            entry = os.lstat(path)
            if stat.S_ISDIR(entry.st_mode):
                children.append((path, depth + 1))
                continue
            if not stat.S_ISREG(entry.st_mode):
                raise HostileTarget(
                    f"refused: {display(path)}: {_kind(entry.st_mode)}; only files and folders"
                )
            files += 1
            total += entry.st_size
            if entry.st_size > MAX_FILE_BYTES:
                raise HostileTarget(f"refused: {display(path)}: larger than {MAX_FILE_BYTES >> 20} MiB")
            if files > MAX_FILES:
                raise HostileTarget(f"refused: {display(root)}: more than {MAX_FILES} files")
            if total > MAX_TOTAL_BYTES:
                raise HostileTarget(f"refused: {display(root)}: more than {MAX_TOTAL_BYTES >> 20} MiB in all")
            yield path, os.path.relpath(path, base), entry
        stack.extend(reversed(children))


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symlink"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


def check_target(roots: Iterable[Path]) -> None:
    """Refuse a hostile target before anything reads it (HostileTarget names the offending path)."""
    for root in roots:
        if os.path.lexists(root):
            for _ in walk(root):
                pass


def read_regular(path: Path | bytes, limit: int) -> bytes | None:
    """The bytes of `path` if it is a regular file (not a symlink, FIFO, device) of at most `limit`
    bytes; None otherwise. Never follows a link and never blocks."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def copy_read_only(sources: Iterable[Path], destination: Path) -> Path:
    """Copy each source folder into `destination/<name>` (checked as a target) and make it read-only."""
    destination.mkdir(parents=True, exist_ok=True)
    base = os.fsencode(destination)
    for source in sources:
        for path, relative, info in walk(source):
            target = os.path.join(base, relative)
            if stat.S_ISDIR(info.st_mode):
                os.makedirs(target, exist_ok=True)
                continue
            data = read_regular(path, MAX_FILE_BYTES)
            if data is None:
                raise HostileTarget(f"refused: {display(path)}: changed while it was being copied")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
    make_read_only(destination)
    return destination


def make_read_only(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                os.chmod(path, stat.S_IMODE(mode) & ~0o222)
        os.chmod(folder, 0o555)


def remove_tree(root: Path) -> None:
    """Delete a tree even where it was made read-only (or a child changed modes); never follows a link."""
    if not os.path.lexists(root):
        return
    if not stat.S_ISDIR(os.lstat(root).st_mode):
        with contextlib.suppress(OSError):
            os.unlink(root)
        return
    for folder, dirs, _files in os.walk(root):  # os.walk does not descend into symlinked folders
        for name in [".", *dirs]:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
                try:
                    os.fchmod(fd, 0o700)
                finally:
                    os.close(fd)
    shutil.rmtree(root, ignore_errors=True)  # symlink-safe: links are removed, never followed


def fingerprint(folders: Iterable[Path]) -> str:
    """A hash of every file's relative path and bytes under the given folders (a hostile tree refuses)."""
    digest = hashlib.sha256()
    for root in folders:
        if not os.path.lexists(root):
            digest.update(f"missing:{root.name}".encode())
            continue
        for path, relative, info in walk(root):
            if stat.S_ISDIR(info.st_mode):
                continue
            digest.update(relative + b"\0")
            digest.update(read_regular(path, MAX_FILE_BYTES) or b"<unreadable>")
    return digest.hexdigest()
