"""Grades that mean what they say: the record is the learner's, the wrong environment and a package that
does not import are said once, tests that cannot run here count neither way, partial grades say so,
failures come with a runnable reproduction, and verify checks parts and the bug corpus."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grading import grade, resolve_target
from autograder.manifest import find
from autograder.results import format_points

SOLUTION = "tests/labs/lab-90-toy/solution/toy/__init__.py"


def _solution_source() -> str:
    return (Path(__file__).parents[1] / SOLUTION).read_text()


def _solution_tests() -> str:
    return (Path(__file__).parent / "labs" / "lab-90-toy" / "solution" / "tests" / "test_toy.py").read_text()


def test_points_print_with_at_most_two_decimals() -> None:
    assert [format_points(v) for v in (100.0, 95.5, 33.333333, 0.0, 2.0000001, 7.125)] == [
        "100",
        "95.5",
        "33.33",
        "0",
        "2",
        "7.12",
    ]


def test_another_labs_environment_is_refused(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = toy_copy / "lab.toml"
    manifest.write_text(
        manifest.read_text().replace(
            "memory_mb = 1024", 'memory_mb = 1024\nrequirements = ["no-such-package-here"]'
        )
    )
    assert main(["grade", "lab-90"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no-such-package-here" in err and "`nox -s lab-90`" in err
    assert not grades.exists(), "nothing is recorded"


def test_a_package_that_does_not_import_is_reported_once(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (toy_copy / "toy" / "__init__.py").write_text("def add(a, b):\n    return a +\n")
    assert main(["grade", "lab-90"]) == 1
    out = capsys.readouterr().out
    message = "your package `toy` does not import: toy/__init__.py:2: SyntaxError"
    assert out.count(message) == 1, out
    assert "labs-target" not in out and "labs-probe" not in out, "no paths into temporary folders"
    results = json.loads((grades / "lab-90" / "results.json").read_text())
    assert results["score"] == 0
    assert all("does not import" in t["output"] for t in results["tests"][:3])
    (toy_copy / "toy" / "__init__.py").write_text("import not_a_module_anywhere\n")
    lab = find("lab-90")
    result = grade(lab, resolve_target(lab, "workspace"), python=sys.executable)
    assert result.import_problem == (
        "your package `toy` does not import: toy/__init__.py:1: ModuleNotFoundError: "
        "No module named 'not_a_module_anywhere'"
    )


UNGRADABLE = """
import pytest
from toy import add


@pytest.mark.points(4)
@pytest.mark.part("A")
def test_survives_a_restart(restart_postgres) -> None:
    assert add(1, 1) == 2
"""


def test_tests_that_cannot_run_here_count_neither_way(
    toy_copy: Path, grades: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (toy_copy / "grader" / "test_restart.py").write_text(UNGRADABLE)
    manifest = toy_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", 'points = 14\nservices = ["postgres"]'))
    (toy_copy / "toy" / "__init__.py").write_text(_solution_source())
    monkeypatch.setenv("LABS_DATABASE_URL", "postgresql+psycopg://learner:s3cret@db.invalid:5432/postgres")
    lab = find("lab-90")
    result = grade(lab, resolve_target(lab, "workspace"), python=sys.executable, measure_gate=False)
    skipped = [o for o in result.outcomes if o.ungradable]
    assert [o.nodeid for o in skipped] == ["test_restart.py::test_survives_a_restart"]
    assert skipped[0].feedback.startswith("not gradable here:") and "s3cret" not in skipped[0].feedback
    assert (result.score, result.max_score) == (10, 10)
    assert any("not gradable in this configuration" in note for note in result.notes)


def test_a_partial_grade_says_so_and_leaves_the_record(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (toy_copy / "toy" / "__init__.py").write_text(_solution_source())
    assert main(["grade", "lab-90", "--part", "B"]) == 1  # a partial grade never passes the lab
    out = capsys.readouterr().out
    assert "partial grade: only part B graded; your record is not updated" in out
    assert "test_fib" in out and "test_add" not in out and "5/5 points" in out
    assert not (grades / "lab-90").exists() and not (grades / "badges").exists()
    assert main(["grade", "lab-90", "-k", "mul"]) == 1
    assert "only tests matching 'mul' graded" in capsys.readouterr().out
    assert main(["grade", "lab-90", "--part", "Z"]) == 2
    assert "lab-90 has no part 'Z' (parts: A, B)" in capsys.readouterr().err


REPRO = """
import pytest
from toy import fib


@pytest.mark.points(1)
@pytest.mark.part("B")
def test_sequence(repro) -> None:
    values = [fib(n) for n in range(6)]
    repro(
        "from toy import fib\\n\\n\\ndef test_sequence():\\n"
        "    assert [fib(n) for n in range(6)] == [0, 1, 1, 2, 3, 5]\\n"
    )
    assert values == [0, 1, 1, 2, 3, 5], f"fib(0..5) gave {values}"
"""


def test_a_failing_sequence_test_leaves_a_runnable_reproduction(toy_copy: Path, grades: Path) -> None:
    (toy_copy / "grader" / "test_repro.py").write_text(REPRO)
    manifest = toy_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", "points = 11"))
    buggy = _solution_source().replace("a, b = 0, 1", "a, b = 1, 1")
    (toy_copy / "toy" / "__init__.py").write_text(buggy)
    assert main(["grade", "lab-90"]) == 1
    folder = grades / "lab-90"
    results = json.loads((folder / "results.json").read_text())
    test = next(t for t in results["tests"] if t["name"].startswith("test_sequence"))
    assert f"{folder}/repro/test_sequence.py" in test["output"]
    repro = folder / "repro" / "test_sequence.py"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(repro)],
        cwd=toy_copy, capture_output=True, text=True, env={"PYTHONPATH": str(toy_copy), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 1 and "1 failed" in run.stdout, run.stdout
    (toy_copy / "toy" / "__init__.py").write_text(_solution_source())
    assert main(["grade", "lab-90"]) == 1  # the gate is not met (the seeded tests are few), the test passes
    assert not repro.exists(), "a reproduction is removed once the test passes"


def test_verify_checks_parts_and_the_bug_corpus(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "lab-90", "--bugs"]) == 0
    out = capsys.readouterr().out
    assert "part A stubbed: 1/1 independent tests keep full points" in out
    assert "part B stubbed: 2/2 independent tests keep full points" in out
    assert (
        "bug fib-off-by-one: caught by 1 (test_fib)" in out
        and "bug mul-by-addition: caught by 1 (test_mul)" in out
    )
    assert "bug corpus: 2 of 2 bugs lose points" in out
    bugs = toy_copy / "grader" / "bugs" / "bugs.toml"
    bugs.write_text(
        bugs.read_text() + '\n[[bug]]\nid = "fib-negative"\ndescription = "fib accepts negative n"\n'
        '[[bug.edit]]\nfile = "toy/__init__.py"\nfind = "    if n < 0:"\nreplace = "    if n < -5:"\n'
    )
    (toy_copy / "grader" / "test_toy_grader.py").write_text(
        (toy_copy / "grader" / "test_toy_grader.py")
        .read_text()
        .replace("def test_mul() -> None:", "def test_mul() -> None:\n    fib(1)")
    )
    assert main(["verify", "lab-90", "--bugs", "--first-catch"]) == 1
    out = capsys.readouterr().out
    assert "bug fib-negative gets full marks: fib accepts negative n" in out
    assert "bug fib-off-by-one: caught by 1 (test_fib)" in out
    assert "part independence: with part B stubbed, other parts lose points:" in out
    assert "[A] test_mul:" in out


def test_verify_enforces_the_contract(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (toy_copy / "toy" / "__init__.py").write_text(
        '"""Stub."""\n\n\ndef add(a: int) -> int:\n    raise NotImplementedError\n\n\n'
        "def mul(a: int, b: int) -> int:\n    raise NotImplementedError\n"
    )
    (toy_copy / "notes.txt").write_text("scratch")
    (toy_copy / "README.md").write_text("# toy\n\n## Objectives\n")
    manifest = toy_copy / "lab.toml"
    manifest.write_text(
        manifest.read_text().replace(
            "memory_mb = 1024", 'memory_mb = 1024\ncoverage_omit = ["toy/nothing.py"]'
        )
    )
    assert main(["verify", "lab-90"]) == 1
    out = capsys.readouterr().out
    for line in (
        "stub toy/__init__.py lacks fib, which the reference defines",
        "stub toy/__init__.py: add has signature (a: int), the reference (a: int, b: int)",
        "unexpected file or folder in the lab: notes.txt",
        "README.md has no 'rubric' section",
        "coverage_omit entry 'toy/nothing.py' matches no file of the reference",
    ):
        assert line in out, line


def test_a_broken_manifest_breaks_only_its_own_nox_session(tmp_path: Path) -> None:
    root = Path(__file__).parents[1]
    labs = tmp_path / "labs"
    import shutil

    shutil.copytree(root / "tests" / "labs" / "lab-90-toy", labs / "lab-90-toy")
    (labs / "lab-93-broken").mkdir()
    (labs / "lab-93-broken" / "lab.toml").write_text('id = "lab-93"\ntitle = 7\n')
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LABS_DIR": str(labs),
        "HOME": str(tmp_path),
    }
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(root / "noxfile.py"), "-l"],
        capture_output=True,
        text=True,
        env=env,
    )
    if listed.returncode != 0 and "No module named nox" in listed.stderr:
        pytest.skip("nox is not installed in this environment")
    assert listed.returncode == 0 and "lab-90" in listed.stdout and "lab-93" in listed.stdout
    broken = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(root / "noxfile.py"), "-s", "lab-93"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert broken.returncode == 2
    assert "labs: error:" in broken.stderr and "field 'title' must be str, got int" in broken.stderr
    assert "Traceback" not in broken.stderr


ASSERT_FREE = """
from toy import add, fib, mul


def test_calls_everything() -> None:
    add(1, 2)
    mul(2, 3)
    for n in range(5):
        fib(n)
    try:
        fib(-1)
    except ValueError:
        pass
"""


def test_the_learners_tests_are_scored_by_the_bugs_they_catch(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (toy_copy / "toy" / "__init__.py").write_text(_solution_source())
    (toy_copy / "tests" / "test_toy.py").write_text(ASSERT_FREE)
    out = _grade_until_every_bug_is_checked(capsys)  # the coverage gate alone is met by an assert-free suite
    assert "your tests catch 0 of 2 known bugs" in out
    assert "a test that only calls your code catches nothing" in out
    record = json.loads((grades / "lab-90" / "results.json").read_text())["extra_data"]["learner_tests_catch"]
    assert record["caught"] == {} and sorted(record["missed"]) == ["fib-off-by-one", "mul-by-addition"]
    (toy_copy / "tests" / "test_toy.py").write_text(_solution_tests())
    out = _grade_until_every_bug_is_checked(capsys)
    assert "your tests catch 2 of 2 known bugs" in out
    record = json.loads((grades / "lab-90" / "results.json").read_text())["extra_data"]["learner_tests_catch"]
    assert set(record["caught"]) == {"fib-off-by-one", "mul-by-addition"}
    assert all(names for names in record["caught"].values()), "the tests that caught each bug are listed"
    # a lab may make it part of the gate
    manifest = toy_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("memory_mb = 1024", "memory_mb = 1024\nbug_gate = 50"))
    (toy_copy / "tests" / "test_toy.py").write_text(ASSERT_FREE)
    assert main(["grade", "lab-90"]) == 1  # the verdicts of the assert-free suite are remembered
    assert "your tests catch 0% of the known bugs; this lab's gate needs 50%" in capsys.readouterr().out


def _grade_until_every_bug_is_checked(capsys: pytest.CaptureFixture[str]) -> str:
    """Grade until the known-bug figure is complete: each grading checks what the last ones did not."""
    for _ in range(6):
        assert main(["grade", "lab-90"]) == 0
        out = capsys.readouterr().out
        if "not checked yet" not in out:
            return out
    raise AssertionError("six gradings did not check two bugs")


def test_a_failed_critical_test_fails_the_lab_whatever_the_points(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _solution_source()
    wrong_once = source[: source.rindex("    return a")] + "    return a if n != 30 else 0\n"
    (toy_copy / "toy" / "__init__.py").write_text(wrong_once)
    (toy_copy / "tests" / "test_toy.py").write_text(_solution_tests())
    assert main(["grade", "lab-90"]) == 1
    out = capsys.readouterr().out
    assert "9/10 points" in out and "coverage gate met" in out
    assert (
        "not passed whatever the points: critical test test_fib failed (the Fibonacci numbers are exact)"
        in out
    )
    summary = (grades / "lab-90" / "summary.md").read_text()
    assert (
        summary.splitlines()[2].startswith("> **")
        and "critical test test_fib failed" in summary.splitlines()[2]
    )
    badge = (grades / "badges" / "lab-90.svg").read_text()
    assert "9/10 · critical" in badge


SLOW_ON_MUL_BUG = """\
import time
from toy import add, fib, mul


def test_fib() -> None:
    assert [fib(n) for n in range(5)] == [0, 1, 1, 2, 3]


def test_mul() -> None:
    deadline = time.process_time() + 60  # with the mul bug, a minute of CPU unless it is stopped
    while mul(2, 3) != 6 and time.process_time() < deadline:
        pass
    assert mul(2, 3) == 6 and add(2, 3) == 5
"""


class _SetFromThirdLook:
    """An event that is unset the first two times it is looked at, then set (the graders finishing
    exactly while the second bug's run is going), whatever the machine's speed."""

    def __init__(self) -> None:
        self.looks = 0

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks > 2


def test_a_known_bug_run_still_going_when_the_graders_finish_is_stopped(toy_copy: Path, grades: Path) -> None:
    from autograder import strength
    from autograder.sandbox import Limits

    lab = find("lab-90")
    tests = toy_copy / "tests"
    (tests / "test_toy.py").write_text(SLOW_ON_MUL_BUG)
    started = time.monotonic()
    found = strength.measure(
        lab, tests, sys.executable, {}, Limits(1024, 300, True), 120.0, grades / ".cache",
        stop=_SetFromThirdLook(), minimum_seconds=0.0,  # type: ignore[arg-type]
    )  # fmt: skip
    assert found is not None
    assert list(found.caught) == ["fib-off-by-one"], "the first bug always gets its verdict"
    assert found.unchecked == 1, "the stopped run gives no verdict: it is checked by a later grading"
    assert time.monotonic() - started < 45, "the run was stopped, not left to spin for its minute"


def test_the_known_bug_check_runs_the_learners_tests_under_the_gradings_plan(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under a plan of its own the check lost what the gate had (a service's socket folder, Java): a
    # learner's Redis tests then failed "against the reference" in every lab-09 grading.
    from autograder import gate, plan

    built: list[plan.RunPlan] = []
    build = plan.build
    monkeypatch.setattr(plan, "build", lambda *a, **k: built.append(build(*a, **k)) or built[-1])
    used: list[object] = []
    measure = gate.measure
    monkeypatch.setattr(gate, "measure", lambda *a, **k: used.append(k.get("plan")) or measure(*a, **k))
    (toy_copy / "toy" / "__init__.py").write_text(_solution_source())
    (toy_copy / "tests" / "test_toy.py").write_text(_solution_tests())
    assert main(["grade", "lab-90"]) == 0
    assert "known bugs" in capsys.readouterr().out
    assert len(built) == 1 and len(used) >= 2, "the gate and at least the reference run of the bug check"
    assert all(seen is built[0] for seen in used)


HANGS_ON_MUL_BUG = """\
import time
from toy import add, fib, mul


def test_fib() -> None:
    assert [fib(n) for n in range(5)] == [0, 1, 1, 2, 3]


def test_mul() -> None:
    if mul(2, 3) != 6:
        time.sleep(600)  # waits for something that never comes
    assert add(2, 3) == 5
"""


def test_tests_that_hang_against_a_bug_catch_it(
    toy_copy: Path, grades: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder import plan, strength
    from autograder.sandbox import Limits

    monkeypatch.setattr(plan, "IDLE_LIMIT", 3.0)  # two minutes in a real grading
    lab = find("lab-90")
    tests = toy_copy / "tests"
    (tests / "test_toy.py").write_text(HANGS_ON_MUL_BUG)
    started = time.monotonic()
    found = strength.measure(
        lab, tests, sys.executable, {}, Limits(1024, 300, True), 120.0, grades / ".cache", minimum_seconds=0.0
    )
    assert found is not None and found.unchecked == 0 and found.against_reference == []
    assert found.caught == {
        "fib-off-by-one": ["tests.test_toy::test_fib"],
        "mul-by-addition": ["(your tests hung)"],
    }
    assert time.monotonic() - started < 60, "the silent run was stopped after the idle limit, not its 600 s"


def test_a_learner_suite_that_hangs_is_told_so(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder import plan

    monkeypatch.setattr(plan, "IDLE_LIMIT", 3.0)
    (toy_copy / "toy" / "__init__.py").write_text(_solution_source())
    (toy_copy / "tests" / "test_toy.py").write_text(
        "import time\n\n\ndef test_waits() -> None:\n    time.sleep(600)\n"
    )
    started = time.monotonic()
    assert main(["grade", "lab-90"]) == 1
    out = capsys.readouterr().out
    assert "your tests hung: nothing ran for 3 s" in out
    assert time.monotonic() - started < 60
