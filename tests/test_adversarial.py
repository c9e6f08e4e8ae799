"""Grade every hostile submission in tests/adversarial/ with the real autograder.

Each case must end with exactly the score its code honestly earns, within the lab's budget, with exit
code 1 and no traceback; the reports must be the autograder's own; the graders, the learner's folder
and the machine (processes, temporary files) must be left as they were.

Every case is graded by the real `labs grade` command in its own process, against its own copy of the
hostile lab (a successful attack on graders hurts only that copy), two cases at a time.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_command import labs_command

from autograder.grading import expected_tests
from autograder.manifest import find
from autograder.sandbox import Limits, namespaces_available
from autograder.snapshot import fingerprint

HERE = Path(__file__).resolve().parent
LABS = HERE / "labs"
LAB = LABS / "lab-91-hostile"
SUBMISSIONS = HERE / "adversarial" / "submissions"
BUDGET = 60 + 15  # lab_timeout of lab-91 plus start-up and the coverage gate
SECRET = "s3cr3t-token-value"  # planted in the autograder's environment; must never reach a child
WORKERS = 2

# case -> (expected score, add, mul, fib): what the code honestly earns
EXPECTED: dict[str, tuple[float, float, float]] = {
    "exit_at_import": (0, 0, 0),
    "os_exit_at_import": (0, 0, 0),
    "abort_at_import": (0, 0, 0),
    "exit_in_test": (0, 3, 5),
    "os_exit_in_test": (2, 0, 5),
    "abort_in_test": (2, 3, 0),
    "infinite_loop": (2, 3, 0),
    "sleep_forever": (2, 0, 5),
    "fork_bomb": (2, 3, 0),
    "memory_bomb": (2, 0, 5),
    "deep_recursion": (2, 3, 0),
    "stdout_flood": (2, 0, 5),
    "stderr_flood": (2, 3, 0),
    "fake_passed_lines": (0, 0, 0),
    "fake_reports": (0, 0, 0),
    "patch_pytest_internals": (0, 0, 0),
    "patch_reporting_hooks": (0, 0, 0),
    "patch_in_test": (0, 0, 0),
    "rogue_conftest": (0, 0, 0),
    "eq_always_true": (0, 0, 0),
    "read_graders": (0, 0, 0),
    "tamper_graders": (0, 0, 0),
    "edit_workspace": (2, 3, 5),
    "chdir": (2, 3, 5),
    "network": (2, 0, 5),
    "kill_parent": (0, 3, 5),
    "env_snoop": (0, 0, 0),
    "keyboard_interrupt": (0, 3, 5),
    "system_exit_nonzero": (2, 0, 5),
    "generator_exit": (2, 3, 0),
    "base_exception_at_import": (0, 0, 0),
    "syntax_error": (0, 0, 0),
    "import_error": (0, 0, 0),
    "partial_fib": (2, 0, 3),
}
NEEDS_NAMESPACES = {
    "network",
    "kill_parent",
}  # without them the fallback cannot stop these (docs/security.md)


@dataclass
class Graded:
    code: int
    out: str
    err: str
    elapsed: float
    reports: Path
    lab: Path
    lab_before: str
    target: Path
    target_before: str
    scratch: Path


def test_every_submission_has_an_expectation() -> None:
    assert sorted(p.name for p in SUBMISSIONS.iterdir() if p.is_dir()) == sorted(EXPECTED)


def _descendants() -> list[int]:
    """Live (non-zombie) processes below this one; orphans are ours too, as we are a subreaper."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            if fields[0] != b"Z":
                parents[int(entry.name)] = int(fields[1])
    me, found = os.getpid(), []
    for pid in parents:
        seen, cursor = 0, parents.get(pid)
        while cursor and cursor != me and seen < 64:
            cursor, seen = parents.get(cursor), seen + 1
        if cursor == me:
            found.append(pid)
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


AUTOGRADER = labs_command()


def _grade_case(case: str, root: Path, grades_seed: Path) -> Graded:
    """Grade one case in a fresh process with its own lab copy, reports folder and TMPDIR."""
    folder = root / case
    labs, grades, scratch, target = folder / "labs", folder / "grades", folder / "tmp", folder / "submission"
    shutil.copytree(LAB, labs / LAB.name)
    shutil.copytree(grades_seed, grades)  # the expected-tests cache: collected once for every case
    shutil.copytree(SUBMISSIONS / case, target)
    scratch.mkdir()
    lab_before, target_before = fingerprint([labs / LAB.name]), fingerprint([target])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LABS_")},
        "LABS_DIR": str(labs),
        "LABS_GRADES_DIR": str(grades),
        "TMPDIR": str(scratch),  # every temporary folder of the run lands here
        "GITHUB_TOKEN": SECRET,
        "LABS_GRADER_KEY": SECRET,
    }
    command = [*AUTOGRADER, "grade", "lab-91", "--target", str(target)]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=BUDGET + 60, check=False
    )
    elapsed = time.monotonic() - started
    return Graded(
        done.returncode, done.stdout, done.stderr, elapsed, grades / "lab-91",
        labs / LAB.name, lab_before, target, target_before, scratch,
    )  # fmt: skip


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Graded]:
    """Grade the whole corpus, WORKERS cases at a time; each test below checks one case's result."""
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us
    root = tmp_path_factory.mktemp("corpus")
    seed_labs, seed = root / "seed-labs", root / "seed-grades"
    shutil.copytree(LAB, seed_labs / LAB.name)
    patch = pytest.MonkeyPatch()
    patch.setenv("LABS_GRADES_DIR", str(seed))
    try:
        lab = find("lab-91", seed_labs)
        expected_tests(lab, sys.executable, Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True))
    finally:
        patch.undo()
    cases = [case for case in sorted(EXPECTED) if case not in NEEDS_NAMESPACES or namespaces_available()]
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {case: pool.submit(_grade_case, case, root, seed) for case in cases}
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_submission(case: str, graded: dict[str, Graded]) -> None:
    if case in NEEDS_NAMESPACES and not namespaces_available():
        pytest.skip("needs user/PID/network namespaces (util-linux unshare)")
    run = graded[case]
    out, err = run.out, run.err
    assert run.code == 1, f"exit code {run.code}\n{out}\n{err}"
    assert "Traceback" not in out + err, out + err
    assert run.elapsed < BUDGET, f"grading took {run.elapsed:.1f} s"
    results = json.loads((run.reports / "results.json").read_text())
    scores = tuple(test["score"] for test in results["tests"][:3])
    assert scores == EXPECTED[case], f"scores {scores}, expected {EXPECTED[case]}\n{out}"
    assert results["score"] == sum(EXPECTED[case])
    written = "".join(path.read_text(errors="replace") for path in run.reports.iterdir())
    assert "FORGED" not in written
    assert SECRET not in written and SECRET not in out
    assert "partial_credit.check(type(got)" not in written + out, "grader source leaked into the feedback"
    assert fingerprint([run.lab]) == run.lab_before, "the lab's graders/solution were changed"
    assert fingerprint([run.target]) == run.target_before, "the learner's folder was changed"
    assert sorted(p.name for p in run.target.rglob("*")) == sorted(
        p.name for p in (SUBMISSIONS / case).rglob("*")
    )
    assert list(run.scratch.iterdir()) == [], "temporary files were left behind"


def test_no_process_left_behind(graded: dict[str, Graded]) -> None:
    """Orphans of every graded case were re-parented to this process (a subreaper): none may live on."""
    _reap()
    assert _descendants() == [], "processes were left behind"
