"""The learner's loop: `labs test`, `labs hint`, `labs status`, `labs reset` and `labs watch`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_command import labs_command

from autograder.cli import main
from autograder.errors import UsageError

SOLUTION = Path(__file__).parent / "labs" / "lab-90-toy" / "solution"


def test_labs_test_names_failing_tests_and_gaps(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "lab-90"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  " in out and "test_add" in out and "coverage gate NOT MET" in out
    assert "not covered in toy/__init__.py" in out
    (toy_copy / "toy" / "__init__.py").write_text((SOLUTION / "toy" / "__init__.py").read_text())
    (toy_copy / "tests" / "test_toy.py").write_text(
        (SOLUTION.parent / "solution" / "tests" / "test_toy.py").read_text()
    )
    assert main(["test", "lab-90"]) == 0
    assert "coverage gate met" in capsys.readouterr().out
    assert not (grades / "lab-90").exists(), "running your own tests records no grade"


def test_hints_come_one_at_a_time_and_are_counted(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hint", "lab-90"]) == 2
    assert "grade the lab first" in capsys.readouterr().err
    buggy = (SOLUTION / "toy" / "__init__.py").read_text().replace("return a * b", "return a + b")
    (toy_copy / "toy" / "__init__.py").write_text(buggy)
    assert main(["grade", "lab-90"]) == 1
    capsys.readouterr()
    assert main(["hint", "lab-90"]) == 0
    out = capsys.readouterr().out
    assert "test_mul" in out and "hint 1 of 1: Multiplication, not addition." in out
    assert main(["hint", "lab-90", "test_add"]) == 0
    assert "hint 1 of 2: Python's + operator adds two integers." in capsys.readouterr().out
    assert main(["hint", "lab-90", "test_add"]) == 0
    out = capsys.readouterr().out
    assert "hint 2 of 2: return a + b" in out and "again for the next one" not in out
    assert json.loads((grades / "lab-90" / "hints.json").read_text()) == {
        "test_toy_grader.py::test_add": 2,
        "test_toy_grader.py::test_mul": 1,
    }
    assert main(["status", "lab-90"]) == 0
    out = capsys.readouterr().out
    assert "hints used: 3" in out and "part A Arithmetic: 2/5  (failing: test_mul)" in out
    assert main(["hint", "lab-90", "test_nothing"]) == 2


def test_status_suggests_the_next_lab(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "lab-90  not graded yet" in out and "0 of 1 labs passed" in out
    assert "next: lab-90 (Toy lab for the autograder's own tests): nox -s lab-90" in out


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def test_reset_restores_the_starter_and_keeps_a_backup(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = toy_copy.parent
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "starter")
    starter = (toy_copy / "toy" / "__init__.py").read_text()
    (toy_copy / "toy" / "__init__.py").write_text("# my work\n")
    (toy_copy / "toy" / "extra.py").write_text("# more work\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "my work")
    assert main(["reset", "lab-90"]) == 2  # no terminal to confirm on: refused, nothing changed
    assert "--yes" in capsys.readouterr().err and (toy_copy / "toy" / "extra.py").exists()
    assert main(["reset", "lab-90", "--yes"]) == 0
    out = capsys.readouterr().out
    assert (toy_copy / "toy" / "__init__.py").read_text() == starter and not (
        toy_copy / "toy" / "extra.py"
    ).exists()
    backups = list((grades / "backups").iterdir())
    assert len(backups) == 1 and (backups[0] / "toy" / "extra.py").read_text() == "# more work\n"
    assert f"your files are in {backups[0]}" in out


def test_watch_regrades_after_a_save_and_stops_cleanly(toy_copy: Path, grades: Path) -> None:
    env = {**os.environ, "LABS_DIR": str(toy_copy.parent), "LABS_GRADES_DIR": str(grades)}
    process = subprocess.Popen(
        [*labs_command(), "watch", "lab-90", "--part", "A"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    seen: list[str] = []

    def read_until(text: str, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never appeared:\n{''.join(seen)}")

    try:
        read_until("for changes")
        assert "part A: 0/5" in "".join(seen) and "test_fib" not in "".join(seen)
        (toy_copy / "toy" / "__init__.py").write_text((SOLUTION / "toy" / "__init__.py").read_text())
        read_until("--- round 2 ---")
        read_until("for changes")
        assert "part A: 5/5" in "".join(seen.copy()[-20:])
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    assert code == 0 and "stopped watching" in process.stdout.read()
    assert not (grades / "lab-90").exists(), "watching records nothing"


def test_watch_refuses_an_unknown_part(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "lab-90", "--part", "Q"]) == 2
    assert "has no part 'Q'" in capsys.readouterr().err
    assert sys.executable


def test_given_files_are_canonical_and_synced(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (toy_copy / "given" / "toy").mkdir(parents=True)
    (toy_copy / "given" / "toy" / "table.py").write_text("FIRST = (0, 1)\n")
    manifest = toy_copy / "lab.toml"
    manifest.write_text(
        manifest.read_text().replace("memory_mb = 1024", 'memory_mb = 1024\ngiven = ["toy/table.py"]')
    )
    assert main(["sync", "lab-90"]) == 0
    assert (toy_copy / "toy" / "table.py").read_text() == "FIRST = (0, 1)\n"
    assert "toy/table.py: written" in capsys.readouterr().out
    (toy_copy / "toy" / "table.py").write_text("FIRST = (5, 5)\n")  # the learner edits given code ...
    source = (
        (SOLUTION / "toy" / "__init__.py")
        .read_text()
        .replace("a, b = 0, 1", "from toy.table import FIRST\n    a, b = FIRST")
    )
    (toy_copy / "toy" / "__init__.py").write_text(source)
    (toy_copy / "tests" / "test_toy.py").write_text((SOLUTION / "tests" / "test_toy.py").read_text())
    assert main(["grade", "lab-90"]) == 0  # ... and grading uses the canonical copy
    assert main(["sync", "lab-90"]) == 0
    assert "toy/table.py: written" in capsys.readouterr().out
    assert (toy_copy / "toy" / "table.py").read_text() == "FIRST = (0, 1)\n"


def test_the_watch_view_and_reset_errors(toy_copy: Path, grades: Path, tmp_path: Path) -> None:
    from autograder.manifest import find
    from autograder.reset import reset, starter_files
    from autograder.results import GateResult, TestOutcome
    from autograder.watch import View, _render

    lab = find("lab-90")
    view = View(lab, 3, "A")
    assert view.lines()[0].startswith("lab-90 · watching (part A) · round 3 · running")
    assert view.lines()[-1] == "  coverage gate: running your tests"
    view.outcomes.append(TestOutcome("t.py::test_add", "", 2.0, 2.0, True, "", part="A"))
    assert "every graded test so far passes" in view.lines()[2]
    view.outcomes.append(
        TestOutcome("t.py::test_mul", "", 3.0, 0.0, False, "mul(4, 5) returned 9\n\x1b[31mred", part="A")
    )
    view.gate, view.done = GateResult(90.0, 95.0, 1, 0), True
    text = "\n".join(view.lines())
    assert "part A: 2/5" in text and "first failure: test_mul" in text and "\x1b" not in text
    assert "coverage gate met" in text and "done in" in text
    assert "first failure" in str(_render(view))
    with pytest.raises(UsageError, match="not inside a git repository"):
        starter_files(lab, "HEAD")
    _git(toy_copy.parent, "init", "-q")
    _git(toy_copy.parent, "add", ".")
    _git(toy_copy.parent, "commit", "-qm", "starter")
    with pytest.raises(UsageError, match="revision 'no-such-rev' not found"):
        reset(lab, grades, "no-such-rev")
    assert (toy_copy / "toy" / "__init__.py").exists(), "nothing is touched when the starter is missing"
