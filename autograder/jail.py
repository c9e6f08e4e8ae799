"""The read-only jail a grading child passes through before it runs pytest (Linux namespaces only).

`unshare --user --map-root-user --pid --fork --mount-proc ...` gives the child its own mount namespace in
which it is (namespaced) root. This module, run as

    python -I -m autograder.jail [--writable DIR]... [--hide DIR]... [--loopback] -- ARGV...

then, still inside that namespace:

1. makes every mount private (nothing propagates back to the host);
2. bind-mounts each `--writable` folder onto itself, so it becomes a mount of its own;
3. covers each `--hide` folder with an empty read-only tmpfs (the lab's originals: graders, solution);
4. gives `/dev/shm` a small private tmpfs;
5. remounts every other mount read-only, keeping the flags it already had (nosuid, nodev, ...), except
   the child's own /proc (its PID namespace's procfs, needed writable for step 7);
6. brings up the loopback interface (`--loopback`, when the child has its own network namespace);
7. enters a nested user namespace that maps only its own uid/gid (setgroups denied). The mount namespace
   belongs to the outer user namespace, so from here on no process of the child can mount, unmount or
   remount anything; a namespace it creates itself gets copies whose read-only flags are locked;
8. sets no_new_privs and `execv`s ARGV.

Any failure exits with status 125 and one line on stderr: a child is never run half-jailed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys

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
CLONE_NEWUSER = 0x10000000
PR_SET_NO_NEW_PRIVS = 38

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


_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _libc.mount(
        source.encode() if source else None,
        target.encode(),
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
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _lock() -> None:
    """Enter a user namespace of our own: no capability over the mount namespace any more."""
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(CLONE_NEWUSER) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare(CLONE_NEWUSER): {os.strerror(code)}")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
    _write("/proc/self/gid_map", f"{gid} {gid} 1\n")


def enter(writable: list[str], hidden: list[str], loopback: bool) -> None:
    """Steps 1-8 above except the exec."""
    cwd = os.getcwd()
    writable = [os.path.realpath(path) for path in writable]
    hidden = [os.path.realpath(path) for path in hidden if os.path.isdir(path)]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for folder in writable:
        _mount(folder, folder, None, MS_BIND | MS_REC)
    for folder in hidden:
        if not any(_inside(path, [folder]) for path in [*writable, cwd]):
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=555")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    keep = [*writable, "/dev/shm", "/proc"]  # /proc: our own (--mount-proc); step 7 writes to it
    for point in _mount_points():
        if point not in keep and not _inside(point, writable):
            _remount_read_only(point)
    if loopback:
        from autograder.sandbox import bring_up_loopback

        bring_up_loopback()
    _lock()
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    os.chdir(cwd)  # re-resolve: the old cwd may sit on the mount below a writable bind


def parse(argv: list[str]) -> tuple[list[str], list[str], bool, list[str]]:
    if "--" not in argv:
        raise JailError(
            "usage: python -m autograder.jail [--writable DIR]... [--hide DIR]... [--loopback] -- ARGV"
        )
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    writable: list[str] = []
    hidden: list[str] = []
    loopback = False
    position = 0
    while position < len(options):
        option = options[position]
        if option == "--loopback":
            loopback = True
            position += 1
        elif option in ("--writable", "--hide") and position + 1 < len(options):
            (writable if option == "--writable" else hidden).append(options[position + 1])
            position += 2
        else:
            raise JailError(f"unknown jail option {option!r}")
    if not command:
        raise JailError("no command to run")
    return writable, hidden, loopback, command


def main(argv: list[str]) -> int:
    try:
        writable, hidden, loopback, command = parse(argv)
        enter(writable, hidden, loopback)
        os.execvp(command[0], command)
    except (OSError, JailError) as exc:
        print(f"autograder.jail: {exc}", file=sys.stderr, flush=True)
    return EXIT_JAIL_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
