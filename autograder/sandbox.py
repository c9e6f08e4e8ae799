"""Start grading children in a sandbox and stop them, whatever they do.

Each child gets a scrubbed environment, a temporary HOME and working directory, resource limits (memory,
CPU time, processes, file size, no core dumps) and, where the OS allows unprivileged namespaces, its own
user, PID and network namespaces via util-linux `unshare`: it cannot see or signal the autograder, and it
has only a loopback interface (Unix sockets, such as the PostgreSQL service's, still work). There it also
passes through the read-only jail (autograder.jail): everything but its own scratch folder is read-only and
the lab's original folder looks empty. Without namespaces none of this applies (docs/security.md). Its stdout and
stderr are drained by a thread that keeps only a bounded tail, so a learner printing gigabytes costs
nothing but CPU time.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

OUTPUT_TAIL_BYTES = 64 * 1024
FILE_SIZE_LIMIT = 1 << 30
PROCESS_HEADROOM = 1024  # threads/processes a child may add (the JVM and BLAS start many threads)
NETNS_ENV = "LABS_NETNS"
# Environment variables a child may inherit; everything else (tokens, CI secrets, keys) is dropped.
_PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "JAVA_HOME", "SYSTEMROOT")
# The only LABS_* variables a child may be given (others, e.g. LABS_DIR or a grader key, stay out).
_CHILD_LABS_VARIABLES = frozenset(
    {"LABS_CHANNEL", "LABS_LEARNER_ROOT", "LABS_DATASETS_DIR", "LABS_DATABASE_URL", NETNS_ENV}
)
_UNSHARE_FLAGS = ("--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "--kill-child")


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # 0 = unlimited
    cpu_seconds: int
    isolate_network: bool


@functools.cache
def namespaces_available() -> bool:
    """Whether `unshare` can give us user+PID(+network) namespaces here (probed once per process)."""
    exe = shutil.which("unshare")
    if exe is None:
        return False
    try:
        probe = subprocess.run(
            [exe, *_UNSHARE_FLAGS, "--net", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@functools.cache
def jail_available() -> bool:
    """Whether the read-only jail (autograder.jail) works here: probed once, with a real write attempt."""
    if not namespaces_available():
        return False
    with tempfile.TemporaryDirectory(prefix="labs-jail-probe-") as scratch:
        writable = Path(scratch, "writable")
        writable.mkdir()
        check = (
            "import sys; open(sys.argv[1] + '/ok', 'w').close()\n"
            "try:\n    open(sys.argv[2], 'w').close()\nexcept OSError:\n    sys.exit(0)\nsys.exit(1)"
        )
        command = [
            *_jail_prefix([writable], [], loopback=False),
            sys.executable, "-c", check, str(writable), str(Path(scratch, "outside")),
        ]  # fmt: skip
        try:
            probe = subprocess.run(command, capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return probe.returncode == 0 and (writable / "ok").exists() and not Path(scratch, "outside").exists()


def _unshare(network: bool) -> list[str]:
    """The `unshare` command line that puts a child in its own namespaces (and network, if asked)."""
    return [shutil.which("unshare") or "unshare", *_UNSHARE_FLAGS, *(["--net"] if network else [])]


def _jail_prefix(writable: Sequence[Path], hidden: Sequence[Path], *, loopback: bool) -> list[str]:
    command = [*_unshare(loopback), sys.executable, "-I", "-m", "autograder.jail"]
    for folder in writable:
        command += ["--writable", str(folder)]
    for folder in hidden:
        command += ["--hide", str(folder)]
    return [*command, *(["--loopback"] if loopback else []), "--"]


def scrubbed_environment(extra: Mapping[str, str], home: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in _PASSTHROUGH if name in os.environ}
    env.update(
        {
            "HOME": str(home),
            "TMPDIR": str(home),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONUTF8": "1",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "OMP_NUM_THREADS": "1",
        }
    )
    env.update(
        (name, value)
        for name, value in extra.items()
        if not name.startswith("LABS_") or name in _CHILD_LABS_VARIABLES
    )
    return env


def _user_thread_count() -> int:
    """Processes + threads of this real uid: what RLIMIT_NPROC counts against."""
    uid = os.getuid()
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                total += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:
            continue
    return total


def _limit_self(limits: Limits, nproc: int) -> None:
    """Runs in the child between fork and exec."""
    if limits.memory_mb:
        size = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    if nproc:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


class _Drain(threading.Thread):
    """Reads a pipe to the end, keeping only the last OUTPUT_TAIL_BYTES."""

    def __init__(self, stream: object) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.tail = b""
        self.total = 0

    def run(self) -> None:
        read = self.stream.read  # type: ignore[attr-defined]
        while chunk := read(65536):
            self.total += len(chunk)
            self.tail = (self.tail + chunk)[-OUTPUT_TAIL_BYTES:]


class Child:
    """A running grading child; `kill()` takes down everything it started."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        limits: Limits,
        pass_fds: Sequence[int] = (),
        writable: Sequence[Path] | None = None,
        hidden: Sequence[Path] = (),
    ) -> None:
        """Start `argv`. With the jail, only `writable` (default: the folder holding the child's HOME) can
        be written, and the `hidden` folders look empty; without it, see docs/security.md."""
        command = list(argv)
        env = dict(env)
        self.jailed = jail_available()
        if self.jailed:
            if writable is None:
                writable = [Path(env["HOME"]).parent] if env.get("HOME") else [cwd]
            command = [*_jail_prefix(writable, hidden, loopback=limits.isolate_network), *command]
        elif namespaces_available():
            command = [*_unshare(limits.isolate_network), *command]
            if limits.isolate_network:
                env[NETNS_ENV] = "1"
        nproc = (
            0 if os.getuid() == 0 and not namespaces_available() else _user_thread_count() + PROCESS_HEADROOM
        )
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
            preexec_fn=lambda: _limit_self(limits, nproc),
        )
        self._drain = _Drain(self.process.stdout)
        self._drain.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def poll(self) -> int | None:
        return self.process.poll()

    def output_tail(self, limit: int = 4000) -> str:
        return self._drain.tail[-limit:].decode("utf-8", "replace")

    @property
    def output_bytes(self) -> int:
        return self._drain.total

    def kill(self) -> None:
        """SIGKILL the child, its process group and every descendant still running."""
        doomed = [*_descendants(self.process.pid), self.process.pid]
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float | None = None) -> int:
        code = self.process.wait(timeout)
        self._drain.join(timeout=5)
        return code

    def describe_exit(self) -> str:
        code = self.process.returncode
        if code is None:
            return "still running"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"killed by {name}"
        return f"exited with status {code}"


def _descendants(root: int) -> list[int]:
    """All live descendants of `root`, found through /proc (a child may have left our process group)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may contain spaces/parentheses: the fields we need follow the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def bring_up_loopback() -> None:
    """Inside a fresh network namespace only `lo` exists, and it is down: bring it up (needs CAP_NET_ADMIN)."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))
