"""The run plan: computed once per grading, it is everything every child of that grading is given.

Limits, environment, what a child may see of the filesystem (read-only: the interpreter and its
environment, the autograder, `datasets/` and the paths services hand out; nothing else of the
repository), the time budgets, and whether the network is cut. The graders' child, the coverage gate's
child and the import probe are all built from it (`GraderRun`, `gate.measure`), so they cannot drift apart.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import UsageError
from autograder.manifest import REPO_ROOT, Lab
from autograder.sandbox import DEFAULT_TMP_MB, Limits, View, _own_interpreter_paths, jail_available

# A grader test's budget is CPU seconds of the child's process tree; wall-clock is only a hang guard.
WALL_FACTOR = 6  # a test may take this many times its CPU budget in wall-clock time (a loaded machine)
HANG_MARGIN = 20.0  # ... plus this many seconds (start-up of a JVM, a database restart)
STARTUP_CPU = 60.0  # CPU seconds for interpreter start + imports + collection
# A learner-test child whose whole tree (a JVM it starts included) uses no CPU at all for this long is hung
# (a sleep, a lock it waits on for ever): a loaded machine slows a process down, it does not stop it.
IDLE_LIMIT = 120.0
DATASETS = REPO_ROOT / "datasets"

_PROBE = """\
import json, os, sys
paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
         os.path.dirname(os.path.realpath(sys.executable))]
paths += [p for p in sys.path if os.path.isabs(p)]
try:
    import autograder
    paths.append(os.path.dirname(os.path.realpath(autograder.__file__)))
except Exception:
    pass
print(json.dumps(paths))
"""


@dataclass(frozen=True)
class RunPlan:
    python: str
    env: Mapping[str, str]  # variables every child gets (datasets, services); the sandbox adds its own
    limits: Limits
    visible: tuple[Path, ...]  # read-only for every child, besides the system folders
    test_cpu_seconds: float  # a grader test's budget, in CPU seconds of the child's process tree
    lab_cpu_seconds: float  # the whole grading's budget, CPU seconds summed over the graders' children
    wall_deadline: float  # time.monotonic() after which the grading stops whatever happens (hang guard)
    startup_cpu_seconds: float = STARTUP_CPU
    writable_services: tuple[Path, ...] = field(default=())  # service paths a child must write (none yet)

    @property
    def test_wall_seconds(self) -> float:
        return WALL_FACTOR * self.test_cpu_seconds + HANG_MARGIN

    @property
    def idle_seconds(self) -> float:
        """How long the gate's child may use no CPU before it counts as hung."""
        return min(self.test_wall_seconds, IDLE_LIMIT)

    @property
    def startup_wall_seconds(self) -> float:
        return WALL_FACTOR * self.startup_cpu_seconds + HANG_MARGIN

    def view(
        self, *, read_only: Iterable[Path] = (), writable: Iterable[Path] = (), scratch: Iterable[Path] = ()
    ) -> View:
        """What one child sees: the plan's read-only paths plus its own snapshot/graders/outputs/scratch."""
        return View(
            read_only=(*self.visible, *read_only),
            writable=(*self.writable_services, *writable),
            scratch=tuple(scratch),
            tmp_mb=self.limits.tmp_mb,
        )


def build(
    lab: Lab,
    python: str,
    *,
    started: float,
    env: Mapping[str, str],
    service_paths: Sequence[Path] = (),
    isolate_network: bool = True,
) -> RunPlan:
    """The plan of one grading of `lab` with the interpreter `python`, starting at `started`."""
    limits = Limits(
        lab.memory_mb,
        int(lab.lab_timeout) + 30,
        isolate_network,
        tmp_mb=max(DEFAULT_TMP_MB, lab.memory_mb // 4),
    )
    visible = [*interpreter_paths(python), *([DATASETS] if DATASETS.is_dir() else [])]
    visible += [Path(p) for p in service_paths]
    visible += _socket_folders(env)
    java = os.environ.get("JAVA_HOME")
    if java and os.path.isdir(java) and not _inside_repository(Path(java)):
        visible.append(Path(java))
    return RunPlan(
        python=python,
        env=dict(env),
        limits=limits,
        visible=tuple(dict.fromkeys(visible)),
        test_cpu_seconds=lab.test_timeout,
        lab_cpu_seconds=lab.lab_timeout,
        wall_deadline=started + WALL_FACTOR * lab.lab_timeout + HANG_MARGIN,
    )


def _socket_folders(env: Mapping[str, str]) -> list[Path]:
    """The Unix-socket folder of a PostgreSQL URL (`...?host=/path`), which the children connect to."""
    from urllib.parse import parse_qs, urlsplit

    url = env.get("LABS_DATABASE_URL", "")
    hosts = parse_qs(urlsplit(url).query).get("host", []) if url else []
    return [Path(host) for host in hosts if host.startswith("/") and os.path.isdir(host)]


def _inside_repository(path: Path) -> bool:
    return path.resolve().is_relative_to(REPO_ROOT)


def _allowed_in_repository(path: Path, prefix: Path) -> bool:
    """Of the repository only the interpreter's environment (.nox/<env>) and the autograder are visible."""
    resolved = path.resolve()
    return resolved.is_relative_to(prefix.resolve()) or resolved.is_relative_to(REPO_ROOT / "autograder")


@functools.cache
def interpreter_paths(python: str) -> tuple[Path, ...]:
    """The installation and environment of `python` (and the autograder it imports), minimal and sorted."""
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        raw = [sys.prefix, *(str(path) for path in _own_interpreter_paths())]
    else:
        try:
            done = subprocess.run(
                [python, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True
            )
            raw = [str(p) for p in json.loads(done.stdout)]
        except (OSError, subprocess.SubprocessError, ValueError):
            raw = [os.path.dirname(os.path.realpath(python))]
    prefix = Path(raw[0])
    found: list[Path] = []
    for entry in raw:
        path = Path(entry)
        if not path.exists() or path == Path("/"):
            continue
        if _inside_repository(path) and not _allowed_in_repository(path, prefix):
            continue
        found.append(path.resolve())
    kept = sorted(set(found), key=lambda p: (len(p.parts), str(p)))
    minimal = [p for p in kept if not any(p != q and p.is_relative_to(q) for q in kept)]
    return tuple(minimal)


def default_plan(
    python: str,
    env: Mapping[str, str],
    limits: Limits,
    test_timeout: float,
    deadline: float | None = None,
) -> RunPlan:
    """A plan for callers that only have limits (collecting the reference's tests, older callers):
    the same allow-list, with the lab budget taken from `deadline` (or the CPU limit) as CPU seconds."""
    import time

    now = time.monotonic()
    lab_cpu = max(1.0, deadline - now) if deadline is not None else float(limits.cpu_seconds)
    visible = [*interpreter_paths(python), *([DATASETS] if DATASETS.is_dir() else []), *_socket_folders(env)]
    return RunPlan(
        python=python,
        env=dict(env),
        limits=limits,
        visible=tuple(dict.fromkeys(visible)),
        test_cpu_seconds=test_timeout,
        lab_cpu_seconds=lab_cpu,
        wall_deadline=now + WALL_FACTOR * lab_cpu + HANG_MARGIN,
    )


def refuse_unjailed(target_spec: str, *, allowed: bool) -> None:
    """Grading code from outside the repository without the jail lets it read and change the grader's
    files: refuse unless the user says they trust it (`--allow-unjailed`)."""
    if target_spec in ("workspace", "solution") or allowed:
        return
    path = Path(target_spec).expanduser().resolve()
    if path.is_relative_to(REPO_ROOT) or jail_available():
        return
    raise UsageError(
        f"refusing to grade {path}: it is outside the repository and this machine cannot run the jail "
        "(no unprivileged user namespaces), so its code could read and change your files; "
        "grade it in a container (docs/security.md), or pass --allow-unjailed if you trust it"
    )
