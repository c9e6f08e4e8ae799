"""The allow-list jail a grading child passes through before it runs pytest (Linux namespaces only).

`unshare --user --map-root-user --pid --fork --mount-proc ...` gives the child its own mount namespace in
which it is (namespaced) root. This module, run as

    python -I -m autograder.jail --root DIR [--ro PATH]... [--rw PATH]... [--scratch PATH]...
        [--tmp-size MiB] [--loopback] -- ARGV...

then, still inside that namespace, builds a new, nearly empty root filesystem and moves into it:

1. makes every mount private (nothing propagates back to the host);
2. mounts a small tmpfs on DIR (an empty folder the parent made): the new root;
3. bind-mounts the system folders (`/usr`, `/lib*`, `/bin`, `/sbin`, `/etc`, `/sys`; a symlink such as
   `/bin -> usr/bin` is recreated as a symlink) and every `--ro` / `--rw` path at the same place in it;
4. mounts a fresh, size-limited tmpfs on `/tmp`; every `--scratch` folder is created in it (or, outside
   `/tmp`, bind-mounted from a folder of it), so HOME, TMPDIR and scratch share one size limit and vanish
   with the child;
5. gives it a minimal `/dev` (null, zero, full, random, urandom, a private `/dev/shm`) and the child's own
   `/proc` (its PID namespace's);
6. `pivot_root`s into the new root and detaches the old one: nothing else of the host is reachable;
7. remounts every mount read-only (keeping the flags it had: nosuid, nodev, ...) except `/tmp`, the
   scratch folders, `--rw` paths, `/dev/shm` and `/proc`;
8. brings up the loopback interface (`--loopback`, when the child has its own network namespace);
9. enters a nested user namespace that maps only its own uid/gid (setgroups denied). The mount namespace
   belongs to the outer user namespace, so from here on no process of the child can mount, unmount or
   remount anything; a namespace it creates itself gets copies whose read-only flags are locked;
10. sets no_new_privs and `execv`s ARGV.

Any failure exits with status 125 and one line on stderr: a child is never run half-jailed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys
from dataclasses import dataclass, field

EXIT_JAIL_FAILED = 125

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000
MNT_DETACH = 0x2
CLONE_NEWUSER = 0x10000000
PR_SET_NO_NEW_PRIVS = 38
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41}

SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
DEVICES = ("null", "zero", "full", "random", "urandom")
DEFAULT_TMP_MB = 512
_OLD_ROOT = ".old-root"

# statvfs f_flag bit -> mount flag that must be kept on remount (locked flags cannot be dropped)
_KEPT_FLAGS = {
    os.ST_NOSUID: MS_NOSUID,
    os.ST_NODEV: MS_NODEV,
    os.ST_NOEXEC: MS_NOEXEC,
    os.ST_NOATIME: MS_NOATIME,
    os.ST_NODIRATIME: MS_NODIRATIME,
    os.ST_RELATIME: MS_RELATIME,
}


class JailError(Exception):
    pass


@dataclass
class Spec:
    """What the child may see: read-only paths, writable paths, fresh scratch folders."""

    root: str = ""
    read_only: list[str] = field(default_factory=list)
    writable: list[str] = field(default_factory=list)
    scratch: list[str] = field(default_factory=list)
    tmp_mb: int = DEFAULT_TMP_MB
    loopback: bool = False


_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _libc.mount(
        os.fsencode(source) if source else None,
        os.fsencode(target),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount({source}, {target}): {os.strerror(code)}")


def _mount_points() -> list[str]:
    """Every mount point of this namespace, in mountinfo order (parents before children)."""
    points: list[str] = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            fields = line.split(" ")
            if len(fields) > 4:
                points.append(_unescape(fields[4]))
    return points


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def _remount_read_only(point: str) -> None:
    try:
        flags = os.statvfs(point).f_flag
    except OSError:  # hidden under another mount or gone: nothing reachable to protect
        return
    if flags & os.ST_RDONLY:
        return
    kept = 0
    for bit, mount_flag in _KEPT_FLAGS.items():
        if flags & bit:
            kept |= mount_flag
    try:
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):  # not reachable through this path
            return
        raise


def _inside(path: str, folders: list[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def _write(path: str, text: str) -> None:
    """Raw bytes: after the pivot the interpreter may no longer reach its codecs on disk."""
    descriptor = os.open(path, os.O_WRONLY)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)


def _lock() -> None:
    """Enter a user namespace of our own: no capability over the mount namespace any more."""
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(CLONE_NEWUSER) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare(CLONE_NEWUSER): {os.strerror(code)}")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
    _write("/proc/self/gid_map", f"{gid} {gid} 1\n")


def _pivot_root(new_root: str, put_old: str) -> None:
    number = _SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, f"pivot_root: unknown architecture {platform.machine()}")
    if _libc.syscall(ctypes.c_long(number), os.fsencode(new_root), os.fsencode(put_old)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"pivot_root({new_root}): {os.strerror(code)}")


def _bind(source: str, new_root: str) -> str:
    """Bind `source` (a folder or file of the host) at the same path under `new_root`."""
    target = new_root + source
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
    _mount(source, target, None, MS_BIND | MS_REC)
    return source


def _normalised(paths: list[str]) -> list[str]:
    """Absolute real paths that exist, parents before children, without duplicates."""
    found = {os.path.realpath(path) for path in paths if os.path.isabs(path) and os.path.lexists(path)}
    return sorted(found, key=lambda path: (path.count("/"), path))


def enter(spec: Spec) -> None:
    """Steps 1-10 above except the exec."""
    from autograder.child.network import bring_up_loopback  # imported while the whole host is still visible

    cwd = os.getcwd()
    new_root = os.path.realpath(spec.root)
    if not os.path.isdir(new_root) or os.listdir(new_root):
        raise JailError(f"the new root {new_root} must be an existing, empty folder")
    missing = [path for path in spec.writable if not os.path.isdir(path)]
    if missing:
        raise JailError(f"writable folder {missing[0]} does not exist")
    read_only, writable = _normalised(spec.read_only), _normalised(spec.writable)
    scratch = sorted({os.path.abspath(path) for path in spec.scratch}, key=len)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            os.symlink(os.readlink(folder), new_root + folder)
        elif os.path.isdir(folder):
            _bind(folder, new_root)
    os.makedirs(new_root + "/tmp")
    _mount("tmpfs", new_root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec.tmp_mb}m,mode=1777")
    for path in sorted([*read_only, *writable], key=lambda p: (p.count("/"), p)):
        _bind(path, new_root)
    for number, folder in enumerate(scratch):
        if _inside(folder, ["/tmp"]):
            os.makedirs(new_root + folder, mode=0o700, exist_ok=True)
        else:
            private = f"{new_root}/tmp/.scratch-{number}"
            os.makedirs(private, mode=0o700)
            os.makedirs(new_root + folder, exist_ok=True)
            _mount(private, new_root + folder, None, MS_BIND)
    _make_dev(new_root)
    os.makedirs(new_root + "/proc")
    _mount("/proc", new_root + "/proc", None, MS_BIND | MS_REC)  # our own (--mount-proc)
    os.makedirs(new_root + "/" + _OLD_ROOT)
    _pivot_root(new_root, new_root + "/" + _OLD_ROOT)
    os.chdir("/")
    if _libc.umount2(("/" + _OLD_ROOT).encode(), MNT_DETACH) != 0:
        raise OSError(ctypes.get_errno(), "umount2(old root)")
    os.rmdir("/" + _OLD_ROOT)
    keep_exact, keep_tree = {"/tmp", "/dev/shm", *scratch}, [*writable, "/proc"]
    for point in _mount_points():  # binds under /tmp (the snapshot, the graders) are mounts of their own
        if point not in keep_exact and not _inside(point, keep_tree):
            _remount_read_only(point)
    if spec.loopback:
        bring_up_loopback()
    _lock()
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    os.chdir(cwd if os.path.isdir(cwd) else "/tmp")


def _make_dev(new_root: str) -> None:
    dev = new_root + "/dev"
    os.makedirs(dev)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            _bind("/dev/" + name, new_root)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):  # fmt: skip
        os.symlink(target, f"{dev}/{name}")
    os.makedirs(dev + "/shm")
    _mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")


_OPTIONS = {"--root": "root", "--ro": "read_only", "--rw": "writable", "--scratch": "scratch"}


def parse(argv: list[str]) -> tuple[Spec, list[str]]:
    if "--" not in argv:
        raise JailError(
            "usage: python -m autograder.jail --root DIR [--ro PATH]... [--rw PATH]... [--scratch PATH]..."
            " [--tmp-size MiB] [--loopback] -- ARGV"
        )
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    spec = Spec()
    position = 0
    while position < len(options):
        option = options[position]
        value = options[position + 1] if position + 1 < len(options) else None
        if option == "--loopback":
            spec.loopback = True
            position += 1
            continue
        if value is None:
            raise JailError(f"jail option {option!r} needs a value")
        if option == "--tmp-size" and value.isdigit():
            spec.tmp_mb = int(value)
        elif option == "--root":
            spec.root = value
        elif option in _OPTIONS:
            getattr(spec, _OPTIONS[option]).append(value)
        else:
            raise JailError(f"unknown jail option {option!r}")
        position += 2
    if not spec.root:
        raise JailError("no --root folder given")
    if not command:
        raise JailError("no command to run")
    return spec, command


def main(argv: list[str]) -> int:
    try:
        spec, command = parse(argv)
        enter(spec)
        os.execvp(command[0], command)
    except Exception as exc:  # whatever went wrong, the child is never run half-jailed
        print(f"autograder.jail: {exc}", file=sys.stderr, flush=True)
    return EXIT_JAIL_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
