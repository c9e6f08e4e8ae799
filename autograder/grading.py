"""Grade one lab against one target: snapshot → expected tests → graders ∥ coverage gate → result."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder import gate, runner
from autograder.errors import UsageError
from autograder.manifest import REPO_ROOT, Lab
from autograder.plugin import DATASETS_ENV
from autograder.results import ExpectedTest, GateResult, LabResult, TestOutcome
from autograder.sandbox import Limits
from autograder.snapshot import copy_read_only, fingerprint, remove_tree

CACHE_VERSION = "1"


@dataclass(frozen=True)
class Target:
    label: str  # "workspace", "solution" or the path given
    root: Path


def resolve_target(lab: Lab, spec: str) -> Target:
    if spec == "workspace":
        root = lab.stub_dir
    elif spec == "solution":
        root = lab.solution_dir
    else:
        root = Path(spec).expanduser().resolve()
        if not root.is_dir():
            raise UsageError(f"target path '{spec}' does not exist or is not a folder")
    if not (root / lab.package).is_dir():
        raise UsageError(
            f"target '{spec}' has no '{lab.package}/' package folder ({root}); "
            f"a target holds {lab.package}/ and tests/"
        )
    return Target(spec, root)


def grades_dir() -> Path:
    return Path(os.environ.get("LABS_GRADES_DIR") or REPO_ROOT / ".grades")


def _tree_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(fingerprint(paths).encode())
    digest.update(Path(__file__).with_name("plugin.py").read_bytes())
    return digest.hexdigest()[:20]


def expected_tests(lab: Lab, python: str, limits: Limits) -> list[ExpectedTest]:
    """The graders' tests and points, collected against the trusted reference solution (cached)."""
    solution = lab.solution_dir
    if not (solution / lab.package).is_dir():
        raise UsageError(
            f"{lab.id}: no reference solution at {solution / lab.package}; graders cannot be listed"
        )
    key = _tree_hash([lab.grader_dir, solution / lab.package])
    cache = grades_dir() / ".cache" / f"{lab.id}-{key}.json"
    if cache.exists():
        raw = json.loads(cache.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="labs-ref-", ignore_cleanup_errors=True) as scratch:
            reference = copy_read_only([solution / lab.package], Path(scratch))
            run = runner.GraderRun(
                lab.grader_dir, reference, python, _child_env(lab), limits, lab.test_timeout
            )
            tests, errors, output = runner.collect(run, timeout=runner.STARTUP_GRACE + lab.test_timeout)
            remove_tree(Path(scratch))
        if errors or not tests:
            detail = "; ".join(errors) or output.strip().splitlines()[-1:] or ["no tests found"]
            raise UsageError(
                f"{lab.id}: the graders cannot be collected against the reference solution: {detail}"
            )
        raw = tests
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(raw))
    expected = []
    for test in raw:
        if test.get("points") is None:
            raise UsageError(
                f"{lab.id}: grader test {test['nodeid']} has no valid @pytest.mark.points(n) marker"
            )
        expected.append(ExpectedTest(str(test["nodeid"]), float(test["points"]), str(test.get("doc", ""))))
    return expected


def _child_env(lab: Lab) -> dict[str, str]:
    """What children are told: where the datasets are, and an external database if one is configured."""
    env = {DATASETS_ENV: str(REPO_ROOT / "datasets")}
    if os.environ.get("LABS_DATABASE_URL"):
        env["LABS_DATABASE_URL"] = os.environ["LABS_DATABASE_URL"]
    return env


@contextlib.contextmanager
def _services(lab: Lab) -> Iterator[dict[str, str]]:
    """Start what the manifest asks for, once for the whole run; yield the variables children need."""
    if "postgres" not in lab.services or os.environ.get("LABS_DATABASE_URL"):
        yield {}
        return
    from autograder.services.postgres import postgres_service

    with postgres_service() as url:
        yield {"LABS_DATABASE_URL": url}


def _network_isolated(lab: Lab) -> bool:
    """Isolate unless the lab talks to a database over TCP (an external LABS_DATABASE_URL)."""
    url = os.environ.get("LABS_DATABASE_URL", "")
    return not ("postgres" in lab.services and url and "host=/" not in url and "@/" not in url)


def grade(
    lab: Lab,
    target: Target,
    *,
    python: str,
    shuffle_seed: int | None = None,
    on_outcome: Callable[[TestOutcome], None] | None = None,
    measure_gate: bool = True,
) -> LabResult:
    started = time.monotonic()
    deadline = started + lab.lab_timeout
    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, _network_isolated(lab))
    watched = [target.root / lab.package, target.root / "tests"]
    before = fingerprint(watched)
    saved = _read_tree(watched)
    expected = expected_tests(lab, python, limits)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="labs-target-", ignore_cleanup_errors=True) as scratch:
        sources = [path for path in watched if path.is_dir()]
        snapshot = copy_read_only(sources, Path(scratch))
        with _services(lab) as service_env:
            env = {**_child_env(lab), **service_env}
            gate_box: list[GateResult] = []
            gate_thread = threading.Thread(
                target=lambda: gate_box.append(
                    gate.measure(
                        snapshot,
                        lab.package,
                        lab.coverage_omit,
                        lab.coverage_gate,
                        python,
                        env,
                        limits,
                        deadline,
                    )
                ),
                daemon=True,
            )
            if measure_gate:
                gate_thread.start()
            run = runner.GraderRun(
                lab.grader_dir, snapshot, python, env, limits, lab.test_timeout, shuffle_seed
            )
            outcomes = runner.run_graders(run, expected, deadline, on_outcome)
            if measure_gate:
                gate_thread.join()
        remove_tree(Path(scratch))
    if fingerprint(watched) != before:
        _restore_tree(saved, watched)
        notes.append("your code changed files in your workspace while being graded; they were restored")
    gate_result = (
        gate_box[0] if gate_box else GateResult(lab.coverage_gate, None, 0, 0, problem="gate not measured")
    )
    return LabResult(
        lab_id=lab.id,
        title=lab.title,
        target=target.label,
        outcomes=outcomes,
        gate=gate_result,
        points=lab.points,
        pass_threshold=lab.pass_threshold,
        execution_time=round(time.monotonic() - started, 2),
        notes=notes,
    )


def _read_tree(roots: list[Path]) -> dict[Path, bytes]:
    return {
        path: path.read_bytes()
        for root in roots
        if root.exists()
        for path in root.rglob("*")
        if path.is_file()
    }


def _restore_tree(saved: dict[Path, bytes], roots: list[Path]) -> None:
    for root in roots:
        for path in list(root.rglob("*")) if root.exists() else []:
            if path.is_file() and path not in saved and "__pycache__" not in path.parts:
                path.unlink()
    for path, data in saved.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
