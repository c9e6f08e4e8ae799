"""The coverage gate: the target's own tests must pass and cover the package (line + branch)."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from autograder.results import GateResult
from autograder.sandbox import Child, Limits, scrubbed_environment
from autograder.snapshot import remove_tree


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
) -> GateResult:
    """Run `<target_root>/tests` under coverage in a sandboxed child and read the result."""
    tests_dir = target_root / "tests"
    if not tests_dir.is_dir():
        return GateResult(required, None, 0, 0, problem="no tests/ folder: write your tests in tests/")
    with tempfile.TemporaryDirectory(prefix="labs-gate-", ignore_cleanup_errors=True) as scratch_name:
        scratch = Path(scratch_name)
        home = scratch / "home"
        home.mkdir()
        data_file = scratch / "coverage.data"
        junit = scratch / "junit.xml"
        rcfile = scratch / "coveragerc"
        omitted = "".join(f"\n    {target_root / pattern}" for pattern in omit)
        rcfile.write_text(
            f"[run]\nbranch = True\nsource = {target_root / package}\ndata_file = {data_file}\n"
            f"omit ={omitted}\n"
        )
        argv = [
            python, "-m", "coverage", "run", f"--rcfile={rcfile}", "-m", "pytest",
            "-p", "autograder.plugin", "-p", "no:cacheprovider", "-q", "--no-header",
            f"--junitxml={junit}", "--rootdir", str(target_root), str(tests_dir),
        ]  # fmt: skip
        child_env = scrubbed_environment({**env, "PYTHONPATH": str(target_root)}, home)
        child = Child(argv, cwd=target_root, env=child_env, limits=limits, writable=[scratch], hidden=hidden)
        try:
            child.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            remove_tree(home)
            return GateResult(
                required, None, 0, 0, problem="your tests did not finish within the lab's time budget"
            )
        remove_tree(home)
        passed, failed = _count_tests(junit)
        if not data_file.exists():
            tail = child.output_tail(800).strip()
            detail = f" ({child.describe_exit()}):\n{tail}" if tail else ""
            return GateResult(
                required, None, passed, failed, problem="your tests produced no coverage data" + detail
            )
        percent, missed = _read_coverage(data_file, rcfile, scratch / "coverage.json", target_root)
        problem = "" if passed or failed else "no tests were collected from tests/ (name files test_*.py)"
        return GateResult(required, percent, passed, failed, missed, problem)


def _count_tests(junit: Path) -> tuple[int, int]:
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return 0, 0
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - bad - skipped, bad


def _read_coverage(
    data_file: Path, rcfile: Path, report: Path, target_root: Path
) -> tuple[float, dict[str, str]]:
    """Total line+branch percentage and, per file, the missed lines and partial branches."""
    import coverage

    cov = coverage.Coverage(data_file=str(data_file), config_file=str(rcfile))
    cov.load()
    try:
        cov.json_report(outfile=str(report))
    except coverage.exceptions.CoverageException:  # no data, or a file that is not Python (syntax error)
        return 0.0, {}
    data = json.loads(report.read_text())
    missed: dict[str, str] = {}
    for name, info in sorted(data["files"].items()):
        lines = compact_ranges(info["missing_lines"])
        branches = compact_ranges(start for start, _end in info.get("missing_branches", []))
        text = "; ".join(part for part in (lines, branches and f"partial branches at {branches}") if part)
        if text:
            path = Path(name) if Path(name).is_absolute() else Path.cwd() / name
            missed[str(path.resolve().relative_to(target_root.resolve()))] = text
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
