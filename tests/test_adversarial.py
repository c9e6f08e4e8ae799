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
import signal
import socket
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
GRADER_LINE = "return type(got) is int and got == want"  # a line of the hostile lab's grader source

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
    # class 1: the filesystem is an allow-list (graders' child and gate child alike)
    "fs_find_solution": (2, 0, 0),
    "fs_repository": (2, 0, 0),
    "fs_other_gradings": (2, 0, 0),
    "fs_gate_reads": (2, 3, 5),
    "fs_proc_snoop": (0, 3, 5),
    # class 4: the parent trusts nothing a child leaves or sends
    "channel_garbage": (2, 3, 1),
    "channel_phase_spam": (2, 0, 5),
    "gate_fifo_outputs": (2, 3, 5),
    "gate_symlink_outputs": (2, 3, 5),
    "gate_oversized_outputs": (2, 3, 5),
    # class 5: no orphans
    "orphan_daemon": (2, 3, 5),
    "orphan_gate_children": (2, 3, 5),
    "orphan_renamed": (2, 3, 5),
    # class 7: the coverage gate measures real tests
    "gate_pragma": (2, 3, 5),
    "gate_exec": (2, 3, 5),
    "gate_tests_impl": (2, 3, 5),
    "gate_config": (2, 3, 5),
    # class 8: the cheap in-process cheats
    "patch_channel_send": (0, 0, 0),
    "swap_channel": (0, 0, 0),
    "patch_os_write": (0, 0, 0),
    "plant_oracle": (0, 0, 0),
    "forbidden_static": (0, 0, 0),
    "forbidden_dynamic": (2, 3, 0),
    "forbidden_wrapped": (0, 0, 0),
    "frame_walk_expected": (2, 3, 0),
    # class 9: resources are limited per grading
    "tmp_fill": (2, 3, 5),
    "home_fill": (2, 3, 5),
    "thread_bomb": (2, 3, 5),
}
# Without namespaces the fallback cannot stop these (docs/security.md): the corpus skips them there.
NEEDS_NAMESPACES = {
    "network", "kill_parent", "orphan_daemon", "orphan_gate_children", "orphan_renamed",
    "fs_find_solution", "fs_repository", "fs_other_gradings", "fs_gate_reads", "fs_proc_snoop",
    "tmp_fill", "home_fill",
}  # fmt: skip
# case -> text the terminal output must show (the gate's verdict on code it cannot measure, ...)
SHOWN = {
    "gate_pragma": "pragmas are ignored",
    "gate_exec": "builds code with exec()",
    "gate_tests_impl": "imports 'impl' from tests/",
    "gate_fifo_outputs": "produced no coverage data",
    "gate_symlink_outputs": "produced no coverage data",
    "gate_oversized_outputs": "produced no coverage data",
    "forbidden_static": "toy/__init__.py:3",
    "plant_oracle": "helper module 'toy_oracle' was replaced",
    "patch_os_write": "harness was modified",
    "channel_phase_spam": "flooded the autograder's result channel",
}
GATE_NOT_MET = {"gate_pragma", "gate_exec", "gate_tests_impl", "gate_config", "gate_fifo_outputs",
                "gate_symlink_outputs", "gate_oversized_outputs", "fs_gate_reads"}  # fmt: skip


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
    found = [path.parent for path in grades.rglob("results.json") if ".cache" not in path.parts]
    return Graded(
        done.returncode, done.stdout, done.stderr, elapsed, found[0] if found else grades / "lab-91",
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
    assert GRADER_LINE not in written + out, "grader source leaked into the feedback"
    assert fingerprint([run.lab]) == run.lab_before, "the lab's graders/solution were changed"
    assert fingerprint([run.target]) == run.target_before, "the learner's folder was changed"
    assert sorted(p.name for p in run.target.rglob("*")) == sorted(
        p.name for p in (SUBMISSIONS / case).rglob("*")
    )
    assert list(run.scratch.iterdir()) == [], "temporary files were left behind"
    if case in SHOWN:
        assert SHOWN[case] in out, f"expected {SHOWN[case]!r} in the output\n{out}"
    if case in GATE_NOT_MET:
        assert results["extra_data"]["coverage_gate_met"] is False


def test_no_process_left_behind(graded: dict[str, Graded]) -> None:
    """Orphans of every graded case were re-parented to this process (a subreaper): none may live on."""
    _reap()
    assert _descendants() == [], "processes were left behind"


# --------------------------------------------------------------------------------------------------
# Class 2: hostile targets are refused before anything runs (one line naming the path, exit 2)
# --------------------------------------------------------------------------------------------------
def _plant(kind: str, target: Path) -> str:
    """Add one hostile entry to a copy of an honest submission; returns text the refusal must name."""
    package = target / "toy"
    if kind == "symlink_file":
        (package / "secret.py").symlink_to("/etc/passwd")
        return "secret.py: a symlink"
    if kind == "symlink_dir":
        (target / "tests" / "data").symlink_to("/")
        return "data: a symlink"
    if kind == "symlink_package":
        real = target.parent / "elsewhere"
        (target / "toy").rename(real)
        (target / "toy").symlink_to(real)
        return "toy: a symlink"
    if kind == "fifo":
        os.mkfifo(package / "pipe.py")
        return "pipe.py: a FIFO"
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(package / "sock"))
        server.close()
        return "sock: a socket"
    if kind == "non_utf8_name":
        open(os.fsencode(package) + b"/\xff\xfe.py", "wb").close()
        return "\\xff\\xfe.py: a file name that is not UTF-8"
    if kind == "newline_name":
        (package / "evil\n::error::forged.py").write_text("")
        return "evil\\x0a::error::forged.py: a file name with a control character"
    if kind == "escape_name":
        (package / "\x1b[31mred.py").write_text("")
        return "\\x1b[31mred.py"
    if kind == "oversize_file":
        with open(package / "big.bin", "wb") as handle:
            handle.truncate(17 << 20)
        return "big.bin: larger than 16 MiB"
    if kind == "too_many_files":
        for number in range(5001):
            (target / "tests" / f"f{number}.txt").write_text("")
        return "more than 5000 files"
    if kind == "too_deep":
        folder = package
        for _ in range(30):
            folder = folder / "d"
        folder.mkdir(parents=True)
        return "folders nested deeper than 24"
    raise AssertionError(kind)


HOSTILE_TARGETS = ["symlink_file", "symlink_dir", "symlink_package", "fifo", "socket", "non_utf8_name",
                   "newline_name", "escape_name", "oversize_file", "too_many_files", "too_deep"]  # fmt: skip


@pytest.mark.parametrize("kind", HOSTILE_TARGETS)
def test_hostile_target_is_refused(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "submission"
    shutil.copytree(SUBMISSIONS / "partial_fib", target)
    named = _plant(kind, target)
    labs, grades = tmp_path / "labs", tmp_path / "grades"
    shutil.copytree(LAB, labs / LAB.name)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LABS_")},
           "LABS_DIR": str(labs), "LABS_GRADES_DIR": str(grades)}  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        [*AUTOGRADER, "grade", "lab-91", "--target", str(target)],
        env=env, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err
    assert time.monotonic() - started < 60
    assert len(err.strip().splitlines()) == 1 and err.startswith("labs: error: refused: "), err
    assert named in err, err
    assert "\x1b" not in err and "Traceback" not in err
    assert not any(grades.rglob("results.json")), "nothing may be recorded for a refused target"


# --------------------------------------------------------------------------------------------------
# Class 5: no orphans and no temporary folders on Ctrl-C, SIGTERM or an exception
# --------------------------------------------------------------------------------------------------
SLOW = """
import time


def add(a, b):
    time.sleep(600)


def mul(a, b):
    time.sleep(600)


def fib(n):
    time.sleep(600)
"""
SLOW_TESTS = "import time\n\n\ndef test_slow():\n    time.sleep(600)\n"


def _slow_case(tmp_path: Path) -> tuple[list[str], dict[str, str], Path]:
    target, labs, scratch = tmp_path / "submission", tmp_path / "labs", tmp_path / "tmp"
    (target / "toy").mkdir(parents=True)
    (target / "tests").mkdir()
    (target / "toy" / "__init__.py").write_text(SLOW)
    (target / "tests" / "test_toy.py").write_text(SLOW_TESTS)
    shutil.copytree(LAB, labs / LAB.name)
    scratch.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LABS_")},
           "LABS_DIR": str(labs), "LABS_GRADES_DIR": str(tmp_path / "grades"), "TMPDIR": str(scratch)}  # fmt: skip
    return [*AUTOGRADER, "grade", "lab-91", "--target", str(target)], env, scratch


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_every_child_and_removes_every_folder(signum: int, code: int, tmp_path: Path) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    command, env, scratch = _slow_case(tmp_path)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.startswith("labs-gate-") for p in scratch.iterdir()):
        time.sleep(0.2)  # until both children (graders and gate) are running
    time.sleep(1.0)
    process.send_signal(signum)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert b"Traceback" not in err
    time.sleep(0.5)
    _reap()
    assert _descendants() == [], "processes were left behind"
    assert list(scratch.iterdir()) == [], "temporary folders were left behind"


def test_an_exception_ends_every_child_and_removes_every_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from autograder.grading import Target, grade

    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    command, env, scratch = _slow_case(tmp_path)
    for name in ("LABS_DIR", "LABS_GRADES_DIR"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    lab = find("lab-91", Path(env["LABS_DIR"]))

    class Boom(Exception):
        pass

    def explode(outcome: object) -> None:
        raise Boom()

    target = Target("submission", Path(command[-1]))
    with pytest.raises(Boom):
        grade(lab, target, python=sys.executable, on_outcome=explode)
    from autograder.sandbox import kill_all

    kill_all()  # what `labs` does in its `finally`; the graders' child is already gone here
    time.sleep(0.5)
    _reap()
    assert _descendants() == []
    assert list(scratch.iterdir()) == []


# --------------------------------------------------------------------------------------------------
# Class 10: no jail, no grading of code from outside the repository (unless the user says so)
# --------------------------------------------------------------------------------------------------
def test_without_the_jail_an_outside_target_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "submission"
    shutil.copytree(SUBMISSIONS / "partial_fib", target)
    labs = tmp_path / "labs"
    shutil.copytree(LAB, labs / LAB.name)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LABS_")},
           "LABS_DIR": str(labs), "LABS_GRADES_DIR": str(tmp_path / "grades"),
           "PATH": str(tmp_path / "no-unshare-here")}  # fmt: skip
    command = [*AUTOGRADER, "grade", "lab-91", "--target", str(target)]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "--allow-unjailed" in refused.stderr and "jail" in refused.stderr
    assert not any((tmp_path / "grades").rglob("results.json"))
    allowed = subprocess.run(
        [*command, "--allow-unjailed"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert allowed.returncode == 1, allowed.stderr
    results = json.loads(next((tmp_path / "grades").rglob("results.json")).read_text())
    assert results["score"] == 5
