"""Start grading children in a sandbox and stop them, whatever they do.

Each child gets a scrubbed environment, a temporary HOME and working directory, resource limits and,
where the OS allows unprivileged namespaces, its own user, PID and network namespaces via util-linux
`unshare`: it cannot see or signal the autograder, and it has only a loopback interface (Unix sockets,
such as the PostgreSQL service's, still work). There it also passes through the allow-list jail
(autograder.jail): it sees only what its `View` lists (from the grading's run plan, autograder.plan) and a
private, size-limited /tmp. Where the autograder may create cgroup v2 groups, each child gets one: CPU
time of the whole tree is read from it, the whole tree is killed through it, and memory and process
limits apply to it when the controllers are available; otherwise limits are per process (rlimits) and
CPU time is summed over the tree from /proc. Without namespaces none of the isolation applies
(docs/security.md). Output is drained by a thread that keeps only a bounded tail, so a learner printing
gigabytes costs nothing but CPU time.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.protocol import CHANNEL_ENV, DATASETS_ENV, LEARNER_ROOT_ENV, NETNS_ENV, WARM_UP_ENV

OUTPUT_TAIL_BYTES = 64 * 1024
FILE_SIZE_LIMIT = 1 << 30
PROCESS_HEADROOM = 1024  # threads/processes a child may add (the JVM and BLAS start many threads)
# Environment variables a child may inherit; everything else (tokens, CI secrets, keys) is dropped.
_PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "JAVA_HOME", "SYSTEMROOT")
# The only LABS_* variables a child may be given (others, e.g. LABS_DIR or a grader key, stay out).
_CHILD_LABS_VARIABLES = frozenset(
    {
        CHANNEL_ENV,
        LEARNER_ROOT_ENV,
        DATASETS_ENV,
        "LABS_DATABASE_URL",
        "LABS_POSTGRES_CONTROL",
        "LABS_REDIS_URL",
        NETNS_ENV,
        WARM_UP_ENV,
    }
)
_UNSHARE_FLAGS = ("--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "--kill-child")
DEFAULT_TMP_MB = 512
_PR_SET_PDEATHSIG = 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_LIBC = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # 0 = unlimited: per grading (cgroup v2) where available, else per process (RLIMIT_AS)
    cpu_seconds: int  # RLIMIT_CPU of each process: a backstop, the runner enforces the real budgets
    isolate_network: bool
    processes: int = PROCESS_HEADROOM  # tasks (processes + threads) a grading may add
    tmp_mb: int = DEFAULT_TMP_MB  # size of the child's private /tmp (HOME, TMPDIR, scratch)


@dataclass(frozen=True)
class View:
    """What a jailed child sees of the filesystem besides the system folders (autograder.jail)."""

    read_only: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()  # folders whose contents the parent reads afterwards
    scratch: tuple[Path, ...] = ()  # created empty in the child's private tmpfs (HOME, TMPDIR)
    tmp_mb: int = DEFAULT_TMP_MB

    def jail_arguments(self, root: Path) -> list[str]:
        arguments = ["--root", str(root), "--tmp-size", str(self.tmp_mb)]
        for option, paths in (("--ro", self.read_only), ("--rw", self.writable), ("--scratch", self.scratch)):
            for path in paths:
                arguments += [option, str(path)]
        return arguments


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
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


_JAIL_PROBE = """import os, sys
writable, outside, hidden = sys.argv[1:4]
open(os.path.join(writable, "ok"), "w").close()
try:
    open(outside, "w").close()  # lands in the child's private /tmp at most, never on the host
except OSError:
    pass
sys.exit(3 if os.path.exists(hidden) else 0)
"""


_probed: dict[str, bool] = {}
_probe_lock = threading.Lock()


def jail_available() -> bool:
    """Whether the allow-list jail (autograder.jail) works here: probed once per process (thread-safe)."""
    probed = _probed  # bound once: a probe that ends late never writes into a newer cache
    with _probe_lock:
        if "jail" not in probed:
            probed["jail"] = _probe_jail()
        return probed["jail"]


def probe_in_background() -> None:
    """Start the jail probe now, beside other start-up work, so the first child does not wait for it."""
    threading.Thread(target=jail_available, name="jail-probe", daemon=True).start()


def _probe_jail() -> bool:
    """A real jailed child that must write where it may, and neither write outside nor read what is hidden."""
    if not namespaces_available():
        return False
    with tempfile.TemporaryDirectory(prefix="labs-jail-probe-") as scratch:
        writable, hidden = Path(scratch, "writable"), Path(scratch, "hidden")
        writable.mkdir()
        hidden.write_text("not for the child\n")
        view = View(read_only=tuple(_own_interpreter_paths()), writable=(writable,))
        root = Path(scratch, "root")
        root.mkdir()
        command = [
            *_jail_prefix(view, root, loopback=False),
            sys.executable, "-I", "-c", _JAIL_PROBE, str(writable), str(Path(scratch, "outside")), str(hidden),
        ]  # fmt: skip
        try:
            probe = subprocess.run(command, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return False
        return probe.returncode == 0 and (writable / "ok").exists() and not Path(scratch, "outside").exists()


def _own_interpreter_paths() -> list[Path]:
    """This interpreter's installation and environment, and the autograder package: never the current
    folder or PYTHONPATH entries (sys.path before its site-packages)."""
    import site
    import sysconfig

    site_dirs = [*site.getsitepackages(), site.getusersitepackages()]
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    paths.update(sysconfig.get_paths().values())
    paths.update(path for path in site.getsitepackages() if os.path.isdir(path))
    first_site = next((n for n, entry in enumerate(sys.path) if entry in site_dirs), len(sys.path))
    paths.update(entry for entry in sys.path[first_site:] if os.path.isabs(entry))  # added by .pth files
    paths.add(str(Path(__file__).resolve().parent))
    return [Path(path) for path in sorted(paths) if os.path.exists(path)]


def _unshare(network: bool) -> list[str]:
    """The `unshare` command line that puts a child in its own namespaces (and network, if asked)."""
    return [shutil.which("unshare") or "unshare", *_UNSHARE_FLAGS, *(["--net"] if network else [])]


def _jail_prefix(view: View, root: Path, *, loopback: bool) -> list[str]:
    command = [*_unshare(loopback), sys.executable, "-I", "-m", "autograder.jail", *view.jail_arguments(root)]
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


# --------------------------------------------------------------------------------------------------
# cgroup v2: CPU accounting of a whole process tree, and per-grading memory/process limits
# --------------------------------------------------------------------------------------------------
_CGROUP_NAMES = itertools.count()


@functools.cache
def _cgroup_base() -> tuple[Path, frozenset[str]] | None:
    """A cgroup v2 folder we may create children in, and the controllers they can use; None if none."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as handle:
            own = next((line[3:].strip() for line in handle if line.startswith("0::")), None)
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            mount = next((line.split(" ")[4] for line in handle if " - cgroup2 " in line), None)
    except OSError:
        return None
    if own is None or mount is None:
        return None
    base = Path(mount + own.rstrip("/")) if own != "/" else Path(mount)
    probe = base / f"labs-probe-{os.getpid()}"
    try:
        probe.mkdir()
        usable = (probe / "cpu.stat").exists() and (probe / "cgroup.kill").exists()
        probe.rmdir()
    except OSError:
        return None
    if not usable:
        return None
    controllers: set[str] = set()
    with contextlib.suppress(OSError):
        enabled = set((base / "cgroup.subtree_control").read_text().split())
        available = set((base / "cgroup.controllers").read_text().split())
        for name in ("memory", "pids"):
            if name in available and name not in enabled:
                with contextlib.suppress(OSError):
                    (base / "cgroup.subtree_control").write_text(f"+{name}")
                    enabled.add(name)
        controllers = enabled & {"memory", "pids"}
    return base, frozenset(controllers)


def cgroup_limits_available() -> bool:
    """Whether memory and process limits apply to a grading as a whole (cgroup v2 controllers)."""
    found = _cgroup_base()
    return found is not None and found[1] >= {"memory", "pids"}


class _Cgroup:
    """One child's cgroup: created before it starts, killed and removed when it ends."""

    def __init__(self, limits: Limits) -> None:
        found = _cgroup_base()
        if found is None:
            raise OSError("no cgroup v2 available")
        base, controllers = found
        self.path = base / f"labs-{os.getpid()}-{next(_CGROUP_NAMES)}"
        self.path.mkdir()
        self.limited_memory = False
        with contextlib.suppress(OSError):
            if "memory" in controllers and limits.memory_mb:
                (self.path / "memory.max").write_text(str(limits.memory_mb * 1024 * 1024))
                self.limited_memory = True
                if (self.path / "memory.swap.max").exists():
                    (self.path / "memory.swap.max").write_text("0")
            if "pids" in controllers:
                (self.path / "pids.max").write_text(str(limits.processes))
        self.procs = os.fsencode(self.path / "cgroup.procs")

    def join(self) -> None:
        """Runs in the child between fork and exec: move this process (and so all it starts) in."""
        fd = os.open(self.procs, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)

    def cpu_seconds(self) -> float:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in (self.path / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        return 0.0

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            (self.path / "cgroup.kill").write_text("1")

    def remove(self) -> None:
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                self.kill()
                time.sleep(0.02)


def _limit_self(limits: Limits, nproc: int, cgroup: _Cgroup | None) -> None:
    """Runs in the child between fork and exec."""
    if cgroup is not None:
        cgroup.join()
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the autograder died: so do we
    if limits.memory_mb and (cgroup is None or not cgroup.limited_memory):
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
        view: View | None = None,
        writable: Sequence[Path] | None = None,
        hidden: Sequence[Path] = (),
    ) -> None:
        """Start `argv`. With the jail the child sees only `view` (see autograder.jail); `writable` alone
        (without a view) means: this interpreter, the autograder and those folders. `hidden` is accepted for
        older callers and has no effect: with an allow-list, whatever is not listed is not there."""
        del hidden
        command = list(argv)
        env = dict(env)
        self.jailed = jail_available()
        self._root: Path | None = None
        if self.jailed:
            if view is None:
                folders = tuple(writable) if writable is not None else (Path(env.get("HOME") or cwd).parent,)
                view = View(read_only=tuple(_own_interpreter_paths()), writable=folders, tmp_mb=limits.tmp_mb)
            self._root = Path(tempfile.mkdtemp(prefix="labs-root-"))
            command = [*_jail_prefix(view, self._root, loopback=limits.isolate_network), *command]
        elif namespaces_available():
            command = [*_unshare(limits.isolate_network), *command]
            if limits.isolate_network:
                env[NETNS_ENV] = "1"
        nproc = (
            0 if os.getuid() == 0 and not namespaces_available() else _user_thread_count() + limits.processes
        )
        self._cgroup: _Cgroup | None = None
        if _cgroup_base() is not None:
            with contextlib.suppress(OSError):
                self._cgroup = _Cgroup(limits)
        cgroup = self._cgroup
        try:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=tuple(pass_fds),
                start_new_session=True,
                preexec_fn=lambda: _limit_self(limits, nproc, cgroup),
            )
        except BaseException:
            self._release()
            raise
        _LIVE.add(self)
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

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the child's whole process tree."""
        if self._cgroup is not None:
            return self._cgroup.cpu_seconds()
        return _tree_ticks(self.process.pid) / _CLOCK_TICKS

    def kill(self) -> None:
        """SIGKILL the child, its process group and every descendant still running."""
        if self._cgroup is not None:
            self._cgroup.kill()
        doomed = [*_descendants(self.process.pid), self.process.pid]
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float | None = None) -> int:
        code = self.process.wait(timeout)
        if self._cgroup is not None:  # whatever it left behind (daemons in sessions of their own) ends too
            self._cgroup.kill()
        self._drain.join(timeout=5)
        self._release()
        return code

    def _release(self) -> None:
        _LIVE.discard(self)
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._root is not None:
            with contextlib.suppress(OSError):
                self._root.rmdir()
            self._root = None

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


_LIVE: set[Child] = set()


def kill_all() -> None:
    """End every child still running (an exception, Ctrl-C or SIGTERM is unwinding the autograder)."""
    for child in list(_LIVE):
        with contextlib.suppress(Exception):
            child.kill()


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every `finally` (children, services, folders) runs."""


def unwind_on_sigterm() -> None:
    """From now on SIGTERM raises `Terminated` in the main thread: every `finally` (children, services,
    temporary folders) runs, as on Ctrl-C. Only the main thread can install signal handlers."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def _tree_ticks(root: int) -> int:
    """utime + stime (+ those of waited-for children) of `root` and its live descendants, in clock ticks."""
    total = 0
    for pid in [root, *_descendants(root)]:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        with contextlib.suppress(IndexError, ValueError):
            total += sum(int(value) for value in fields[11:15])
    return total


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
