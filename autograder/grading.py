"""Grade one lab against one target: snapshot → expected tests → graders ∥ coverage gate → result."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder import gate, graders, plan, runner, strength
from autograder.errors import UsageError
from autograder.manifest import REPO_ROOT, Lab
from autograder.protocol import DATASETS_ENV
from autograder.reports import NOT_RUN_IMPORT
from autograder.results import ExpectedTest, GateResult, LabResult, TestOutcome
from autograder.sandbox import Child, Limits, scrubbed_environment
from autograder.services import ServiceAccess, registry
from autograder.snapshot import check_target, copy_read_only, fingerprint, make_read_only, remove_tree

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
    check_target([root / lab.package, root / "tests"])  # hostile trees are refused before anything runs
    return Target(spec, root)


def grades_dir() -> Path:
    return Path(os.environ.get("LABS_GRADES_DIR") or REPO_ROOT / ".grades")


def _tree_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(fingerprint(paths).encode())
    for part in ("child/plugin.py", "protocol.py"):  # what the child reports, and how
        digest.update((Path(__file__).parent / part).read_bytes())
    return digest.hexdigest()[:20]


def expected_tests(lab: Lab, python: str, limits: Limits) -> list[ExpectedTest]:
    """The graders' tests and points, collected against the trusted reference solution (cached);
    in the learner edition, the manifest sealed with the graders (no reference needed)."""
    stored = graders.stored_tests(lab)
    if stored is not None:
        return stored
    solution = lab.solution_dir
    if not (solution / lab.package).is_dir():
        raise UsageError(
            f"{lab.id}: no reference solution at {solution / lab.package}; graders cannot be listed"
        )
    key = _tree_hash([lab.grader_dir, solution / lab.package, *([lab.given_dir] if lab.given else [])])
    cache = grades_dir() / ".cache" / f"{lab.id}-{key}.json"
    if cache.exists():
        raw = json.loads(cache.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="labs-ref-", ignore_cleanup_errors=True) as scratch:
            reference = copy_read_only([solution / lab.package], Path(scratch))
            overlay_given(lab, reference)
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
    try:
        return [ExpectedTest.from_record(test) for test in raw]
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{lab.id}: {exc}") from None


def overlay_given(lab: Lab, snapshot: Path) -> None:
    """Lay the lab's canonical given files over a read-only snapshot: a learner's edits to them never count."""
    for relative in lab.given:
        source = lab.given_dir / relative
        if not source.is_file():
            raise UsageError(f"{lab.id}: given file {relative} is missing from {lab.given_dir}")
        destination = snapshot / relative
        folders = [destination.parent, *destination.parent.parents]
        for folder in reversed([f for f in folders if f.is_relative_to(snapshot)]):
            if folder.exists():
                folder.chmod(0o755)
            else:
                folder.mkdir(mode=0o755)
        if destination.exists():
            destination.chmod(0o644)
            destination.unlink()
        shutil.copyfile(source, destination)
    if lab.given:
        make_read_only(snapshot)


def public_sources(lab: Lab) -> tuple[Path, ...]:
    """What every learner has: the README, the starter package and seeded tests, the given files."""
    return tuple(
        path
        for path in (lab.folder / "README.md", lab.folder / lab.package, lab.folder / "tests", lab.given_dir)
        if path.exists()
    )


def check_environment(lab: Lab, python: str) -> None:
    """Refuse to grade with an interpreter that lacks the lab's requirements (another lab's environment)."""
    wanted = [*lab.requirements, "mastery-labs"]
    probe = (
        "import importlib.metadata as m, sys\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n        m.distribution(name)\n"
        "    except m.PackageNotFoundError:\n        print(name)\n"
    )
    try:
        found = subprocess.run(
            [python, "-I", "-c", probe, *wanted], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"cannot run the interpreter {python}: {exc}") from None
    missing = found.stdout.split()
    if found.returncode != 0 or missing:
        what = ", ".join(missing) if missing else "its packages"
        raise UsageError(
            f"{lab.id} needs {what}, which this environment ({python}) does not have: "
            f"grade it with `nox -s {lab.id}`"
        )


def not_gradable_here(lab: Lab) -> dict[str, str]:
    """Fixtures that cannot work in this configuration, with the reason (each service says which)."""
    return registry.not_gradable(lab.services)


def _child_env(lab: Lab) -> dict[str, str]:
    """What children are told: where the datasets are, and an external database if one is configured."""
    env = {DATASETS_ENV: str(REPO_ROOT / "datasets")}
    if os.environ.get("LABS_DATABASE_URL"):
        env["LABS_DATABASE_URL"] = os.environ["LABS_DATABASE_URL"]
    return env


@contextlib.contextmanager
def _services(lab: Lab) -> Iterator[ServiceAccess]:
    """Start what the manifest asks for, once for the whole run; yield what the children need to reach it:
    `env` for every child, `paths` every child must be able to reach, `secrets` to keep out of reports."""
    with registry.started(lab.services) as access:
        yield access


def _network_isolated(lab: Lab) -> bool:
    """Isolate the children's network unless one of the lab's services needs it (a database over TCP)."""
    return not registry.needs_network(lab.services)


def grade(
    lab: Lab,
    target: Target,
    *,
    python: str,
    shuffle_seed: int | None = None,
    on_outcome: Callable[[TestOutcome], None] | None = None,
    measure_gate: bool = True,
    select: Callable[[ExpectedTest], bool] | None = None,
    scope_note: str = "",
    with_strength: bool = True,
) -> LabResult:
    """Grade `target`; `select` keeps a subset of the graders (a partial grade, described by `scope_note`)."""
    started = time.monotonic()
    deadline = started + lab.lab_timeout
    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, _network_isolated(lab))
    watched = [target.root / lab.package, target.root / "tests"]
    before = fingerprint(watched)
    saved = _read_tree(watched)
    expected = expected_tests(lab, python, limits)
    if select is not None:
        expected = [test for test in expected if select(test)]
        if not expected:
            raise UsageError(f"{lab.id}: no grader test matches the selection ({scope_note})")
    blocked = not_gradable_here(lab)
    runnable = [test for test in expected if not set(test.fixtures) & set(blocked)]
    notes: list[str] = []
    import_problem = ""
    tests_strength: strength.Strength | None = None
    with (
        graders.open_graders(lab) as source,
        tempfile.TemporaryDirectory(prefix="labs-target-", ignore_cleanup_errors=True) as scratch,
    ):
        sources = [path for path in watched if path.is_dir()]
        snapshot = copy_read_only(sources, Path(scratch))
        overlay_given(lab, snapshot)
        with _services(lab) as access:
            env = {**_child_env(lab), **access.env}
            if on_outcome is not None:
                report, on_outcome = on_outcome, lambda outcome: report(access.scrub(outcome))
            run_plan = plan.build(
                lab, python, started=started, env=env, service_paths=access.paths,
                isolate_network=limits.isolate_network,
            )  # fmt: skip
            import_problem = probe_import(lab, snapshot, python, env, limits, run_plan)
            gate_box: list[GateResult] = []
            strength_box: list[strength.Strength | None] = []
            graders_done = threading.Event()  # the known-bug check uses the core the graders leave free

            def measure_own_tests() -> None:
                """The gate, then (its tests passing) the known bugs they catch: beside the graders."""
                found = gate.measure(
                    snapshot, lab.package, lab.gate_omit, lab.coverage_gate, python, env, limits, deadline,
                    plan=run_plan,
                )  # fmt: skip
                gate_box.append(found)
                if with_strength and found.tests_passed and not found.tests_failed:
                    budget = min(STRENGTH_SECONDS, lab.lab_timeout / 4)
                    cache = grades_dir() / ".cache"
                    found_strength = strength.measure(
                        lab, snapshot / "tests", python, env, limits, budget, cache, graders_done,
                        plan=run_plan,
                    )  # fmt: skip
                    strength_box.append(found_strength)

            gate_thread = threading.Thread(target=measure_own_tests, daemon=True)
            measuring = measure_gate and not import_problem
            if measuring:
                gate_thread.start()
            if import_problem:
                outcomes = [_not_run(test, f"{NOT_RUN_IMPORT} (the report says why)")
                            for test in runnable]  # fmt: skip
            else:
                run = runner.GraderRun(
                    source.grader_dir, snapshot, python, env, limits, lab.test_timeout, shuffle_seed,
                    public_sources=public_sources(lab), plan=run_plan,
                    forbidden_imports=lab.forbidden_imports, package=lab.package,
                )  # fmt: skip
                outcomes = runner.run_graders(run, runnable, deadline, on_outcome)
            graders_done.set()
            if measuring:
                gate_thread.join()
                tests_strength = strength_box[0] if strength_box else None
        remove_tree(Path(scratch))
    if fingerprint(watched) != before:
        _restore_tree(saved, watched)
        notes.append("your code changed files in your workspace while being graded; they were restored")
    by_id = {outcome.nodeid: outcome for outcome in outcomes}
    for test in expected:
        if test.nodeid not in by_id:
            reason = next(blocked[name] for name in test.fixtures if name in blocked)
            by_id[test.nodeid] = _not_run(test, reason, ungradable=True)
    if any(outcome.ungradable for outcome in by_id.values()):
        notes.append(
            "some tests are not gradable in this configuration; they count neither for nor against you"
        )
    if import_problem:
        gate_result = GateResult(lab.coverage_gate, None, 0, 0, problem="your package does not import")
    elif gate_box:
        gate_result = _with_strength(lab, gate_box[0], tests_strength)
    else:
        gate_result = GateResult(lab.coverage_gate, None, 0, 0, problem="gate not measured")
    result = LabResult(
        lab_id=lab.id,
        title=lab.title,
        target=target.label,
        outcomes=[by_id[test.nodeid] for test in expected],
        gate=gate_result,
        points=lab.points,
        pass_threshold=lab.pass_threshold,
        execution_time=round(time.monotonic() - started, 2),
        notes=notes,
        scope_note=scope_note or graders.scope_note(source, outcomes),
        import_problem=import_problem,
        strength=tests_strength.record() if tests_strength is not None else None,
    )
    return access.scrub(result)  # an external database's password never reaches a report


STRENGTH_SECONDS = 60.0  # at most this long (and a quarter of lab_timeout) for the known-bug check


def _with_strength(lab: Lab, result: GateResult, found: strength.Strength | None) -> GateResult:
    """The gate with the known-bug figure added, and failed when the lab sets `bug_gate` above it."""
    if found is None:
        return result
    problem = result.problem
    if lab.bug_gate and found.percent() < lab.bug_gate - 1e-9 and not problem:
        problem = f"your tests catch {found.percent():.0f}% of the known bugs; this lab's gate needs {lab.bug_gate:g}%"
    return dataclasses.replace(result, problem=problem, details=(*result.details, *found.lines()))


def own_tests(lab: Lab, target: Target, *, python: str) -> GateResult:
    """Run only the target's own tests, under coverage, as the gate does (for `labs test` and `labs watch`)."""
    deadline = time.monotonic() + lab.lab_timeout
    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, _network_isolated(lab))
    watched = [path for path in (target.root / lab.package, target.root / "tests") if path.is_dir()]
    with tempfile.TemporaryDirectory(prefix="labs-own-", ignore_cleanup_errors=True) as scratch:
        snapshot = copy_read_only(watched, Path(scratch))
        overlay_given(lab, snapshot)
        with _services(lab) as access:
            env = {**_child_env(lab), **access.env}
            result = gate.measure(
                snapshot, lab.package, lab.gate_omit, lab.coverage_gate, python, env, limits, deadline
            )
        remove_tree(Path(scratch))
    return access.scrub(result)


def _not_run(test: ExpectedTest, reason: str, *, ungradable: bool = False) -> TestOutcome:
    return TestOutcome(
        test.nodeid, test.doc, test.points, 0.0, False, reason,
        part=test.part, critical=test.critical, ungradable=ungradable, visibility=test.visibility,
    )  # fmt: skip


_IMPORT_PROBE = """\
import importlib, json, os, sys, traceback
root = os.path.realpath(sys.argv[2])
try:
    importlib.import_module(sys.argv[1])
except BaseException as exc:
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(root + os.sep)]
        if frames:
            where = f"{frames[-1].filename}:{frames[-1].lineno}"
    if where.startswith(root + os.sep):
        where = where[len(root) + 1:]
    message = str(exc).splitlines()[0] if str(exc) else ""
    print(json.dumps({"where": where, "error": type(exc).__name__, "message": message[:500]}))
"""


def probe_import(
    lab: Lab,
    snapshot: Path,
    python: str,
    env: Mapping[str, str],
    limits: Limits,
    run_plan: plan.RunPlan | None = None,
) -> str:
    """Import the learner's package once, in a sandboxed child: '' when it imports, else one clear line."""
    with tempfile.TemporaryDirectory(prefix="labs-probe-", ignore_cleanup_errors=True) as scratch:
        home = Path(scratch, "home")
        home.mkdir()
        child_env = scrubbed_environment({**env, "PYTHONPATH": str(snapshot)}, home)
        argv = [python, "-c", _IMPORT_PROBE, lab.package, str(snapshot)]
        view = run_plan.view(read_only=[snapshot], scratch=[home]) if run_plan is not None else None
        child = Child(argv, cwd=home, env=child_env, limits=limits, writable=[Path(scratch)], view=view)
        try:
            child.wait(timeout=runner.STARTUP_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            return ""  # a slow import is the graders' business (they time out per test)
        output = child.output_tail(4000).strip().splitlines()
        remove_tree(Path(scratch))
    for line in reversed(output):
        with contextlib.suppress(ValueError, AttributeError, TypeError, KeyError):
            found = json.loads(line)
            where = str(found["where"]) or lab.package
            detail = f"{found['error']}: {found['message']}" if found["message"] else str(found["error"])
            return f"your package `{lab.package}` does not import: {where}: {detail}"
    return ""


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
