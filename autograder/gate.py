"""The coverage gate: the target's own tests must pass and cover the package (line + branch)."""

from __future__ import annotations

import ast
import json
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from autograder import syntax
from autograder.plan import RunPlan, default_plan
from autograder.protocol import CHILD_PLUGIN
from autograder.results import GateResult
from autograder.sandbox import Child, Limits, scrubbed_environment
from autograder.snapshot import read_regular, remove_tree

MAX_DATA_BYTES = 64 << 20  # coverage data and junit.xml the child leaves are read up to this size
POLL = 0.25
_PRAGMAS = ("pragma: no cover", "pragma: no branch", "pragma: nocover")


def measure(
    target_root: Path,
    package: str,
    omit: Iterable[str],
    required: float,
    python: str,
    env: Mapping[str, str],
    limits: Limits,
    deadline: float,
    hidden: Sequence[Path] = (),
    plan: RunPlan | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> GateResult:
    """Run `<target_root>/tests` under coverage in a sandboxed child and read the result.

    The child sees what the run plan allows plus the snapshot (read-only), its configuration (read-only)
    and one output folder; the parent reads what it leaves there without following links, without
    blocking and up to a size cap. Exclusion pragmas do not reduce what is measured, and a package that
    builds code from strings or loads code from tests/ is flagged: such code escapes measurement.
    When `cancelled()` turns true the child is stopped and the result says the tests did not finish."""
    del hidden
    if plan is None:
        plan = default_plan(python, env, limits, deadline - time.monotonic(), deadline)
    tests_dir = target_root / "tests"
    if not tests_dir.is_dir():
        return GateResult(required, None, 0, 0, problem="no tests/ folder: write your tests in tests/")
    escapes = _escapes(target_root, package)
    with tempfile.TemporaryDirectory(prefix="labs-gate-", ignore_cleanup_errors=True) as scratch_name:
        scratch = Path(scratch_name)
        home, config, out, private = scratch / "home", scratch / "config", scratch / "out", scratch / "parent"
        for folder in (home, config, out, private):
            folder.mkdir()
        data_file, junit = out / "coverage.data", out / "junit.xml"
        rcfile = config / "coveragerc"
        omitted = "".join(f"\n    {target_root / pattern}" for pattern in omit)
        rcfile.write_text(
            f"[run]\nbranch = True\nsource = {target_root / package}\ndata_file = {data_file}\n"
            f"omit ={omitted}\n[report]\nexclude_lines =\npartial_branches =\n"
        )
        argv = [
            plan.python, "-m", "coverage", "run", f"--rcfile={rcfile}", "-m", "pytest",
            "-p", CHILD_PLUGIN, "-p", "no:cacheprovider", "-q", "--no-header", "-c", "/dev/null",
            f"--junitxml={junit}", "--rootdir", str(target_root), str(tests_dir),
        ]  # fmt: skip
        child_env = scrubbed_environment({**plan.env, "PYTHONPATH": str(target_root)}, home)
        view = plan.view(read_only=[target_root, config], writable=[out], scratch=[home])
        child = Child(argv, cwd=home, env=child_env, limits=plan.limits, view=view)
        try:
            stopped = _wait(child, plan, cancelled)
        finally:
            child.kill()
        if stopped:
            remove_tree(scratch)
            hung = stopped == HUNG
            problem = (
                f"your tests hung: nothing ran for {plan.idle_seconds:g} s (a sleep, a lock that is never "
                "released, input that never comes)"
                if hung
                else "your tests did not finish within the lab's time budget"
            )
            return GateResult(required, None, 0, 0, problem=problem, hung=hung)
        passed, failed, failing = _count_tests(read_regular(junit, MAX_DATA_BYTES))
        data = read_regular(data_file, MAX_DATA_BYTES)
        if data is None:
            tail = child.output_tail(800).strip()
            detail = f" ({child.describe_exit()}):\n{tail}" if tail else ""
            remove_tree(scratch)
            return GateResult(
                required, None, passed, failed, problem="your tests produced no coverage data" + detail,
                failing=failing,
            )  # fmt: skip
        copied = private / "coverage.data"
        copied.write_bytes(data)
        own_rc = private / "coveragerc"
        own_rc.write_text(rcfile.read_text().replace(str(data_file), str(copied)))
        percent, missed = _read_coverage(copied, own_rc, private / "coverage.json", target_root)
        remove_tree(scratch)
    problem = "" if passed or failed else "no tests were collected from tests/ (name files test_*.py)"
    if escapes and not problem:
        problem = "code the coverage gate cannot measure: " + "; ".join(escapes[:3])
    details = _pragma_notes(target_root / package)
    return GateResult(required, percent, passed, failed, missed, problem, failing=failing, details=details)


HUNG, OVER = "hung", "over"


def _wait(child: Child, plan: RunPlan, cancelled: Callable[[], bool] = lambda: False) -> str:
    """Wait for the child within the lab's CPU budget and the plan's wall-clock guard: '' when it ended,
    HUNG or OVER (a budget ran out, or `cancelled()`) when it was stopped.

    A child whose tree uses no CPU for `plan.idle_seconds` (at most two minutes, less where one grader
    test may not hang that long) is hung (a sleep, a deadlock, a FIFO nobody opens) and is stopped too."""
    used, progressed = child.cpu_seconds(), time.monotonic()
    while True:
        if child.poll() is not None:
            child.wait()
            return ""
        now, cpu = time.monotonic(), child.cpu_seconds()
        if cpu > used + 0.01:
            used, progressed = cpu, now
        if now - progressed > plan.idle_seconds:
            return HUNG
        if now >= plan.wall_deadline or cpu >= plan.lab_cpu_seconds or cancelled():
            return OVER
        time.sleep(POLL)


def _escapes(target_root: Path, package: str) -> list[str]:
    """Where the package builds code from strings (exec/compile/eval) or imports code from tests/."""
    tests = target_root / "tests"
    hidden = {p.stem for p in tests.rglob("*.py")} if tests.is_dir() else set()
    found: list[str] = []
    for path in sorted((target_root / package).rglob("*.py")):
        try:
            tree = syntax.parse(path.read_bytes()[: 4 << 20])
        except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
            continue
        where = path.relative_to(target_root)
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("exec", "compile", "eval")
            ):
                found.append(f"{where}:{line} builds code with {node.func.id}()")
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                else []
            )  # fmt: skip
            for name in names:
                if name.split(".")[0] in hidden or name.split(".")[0] == "tests":
                    found.append(f"{where}:{line} imports {name!r} from tests/")
    return found


def _pragma_notes(package: Path) -> tuple[str, ...]:
    marked = []
    for path in sorted(package.rglob("*.py")):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if any(pragma in text for pragma in _PRAGMAS):
            marked.append(str(path.relative_to(package.parent)))
    if not marked:
        return ()
    return (
        f"coverage pragmas are ignored: lines marked `pragma: no cover` count as code to test "
        f"({', '.join(marked[:5])})",
    )


def _count_tests(xml: bytes | None) -> tuple[int, int, tuple[str, ...]]:
    """(passed, failed, failing node ids) from junit.xml's bytes; nothing for missing or broken XML."""
    if xml is None:
        return 0, 0, ()
    try:
        root = ET.fromstring(xml)
    except (ET.ParseError, ValueError):
        return 0, 0, ()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    try:
        total = sum(int(s.get("tests", 0)) for s in suites)
        bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
    except ValueError:
        return 0, 0, ()
    failing = tuple(
        f"{case.get('classname', '')}::{case.get('name', '')}"[:300]
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )
    return max(0, total - bad - skipped), bad, failing[:50]


def _read_coverage(
    data_file: Path, rcfile: Path, report: Path, target_root: Path
) -> tuple[float, dict[str, str]]:
    """Total line+branch percentage and, per file, the missed lines and partial branches."""
    import coverage

    root = target_root.resolve()
    try:
        measured = coverage.CoverageData(basename=str(data_file))
        measured.read()
        # The data file came from the child: it may name any path (a FIFO, a secret). Report only if
        # every file it names is a regular file of the snapshot.
        for name in measured.measured_files():
            path = Path(name).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                return 0.0, {}
        cov = coverage.Coverage(data_file=str(data_file), config_file=str(rcfile))
        cov.load()
        cov.json_report(outfile=str(report))
    except Exception:  # no data, forged or corrupt data, or a file that is not Python (syntax error)
        return 0.0, {}
    data = json.loads(report.read_text())
    missed: dict[str, str] = {}
    for name, info in sorted(data["files"].items()):
        lines = compact_ranges(info["missing_lines"])
        branches = compact_ranges(start for start, _end in info.get("missing_branches", []))
        text = "; ".join(part for part in (lines, branches and f"partial branches at {branches}") if part)
        if text:
            path = (Path(name) if Path(name).is_absolute() else Path.cwd() / name).resolve()
            if path.is_relative_to(root):
                missed[str(path.relative_to(root))] = text
    return round(float(data["totals"]["percent_covered"]), 2), missed


def compact_ranges(numbers: Iterable[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> '1-3, 7, 9-10'."""
    ranges: list[str] = []
    values = sorted(set(numbers))
    start = previous = None
    for value in [*values, None]:
        if start is None:
            start = previous = value
        elif value is not None and previous is not None and value == previous + 1:
            previous = value
        else:
            ranges.append(f"{start}" if start == previous else f"{start}-{previous}")
            start = previous = value
    return ", ".join(ranges)
