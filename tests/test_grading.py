"""End to end through the real autograder on the toy lab: scores, gate, reports, badges, exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grading import expected_tests, grade, resolve_target
from autograder.manifest import find
from autograder.sandbox import Limits, jail_available


def write_target(root: Path, source: str, tests: str = "") -> Path:
    (root / "toy").mkdir(parents=True)
    (root / "toy" / "__init__.py").write_text(source)
    (root / "tests").mkdir()
    (root / "tests" / "test_mine.py").write_text(
        tests or "from toy import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    return root


PARTIAL = """
def add(a, b):
    return a + b

def mul(a, b):
    return a * b + 1

def fib(n):
    return n if n < 3 else 0
"""


def test_solution_scores_full_marks_and_leaves_the_record_alone(
    grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", "lab-90", "--target", "solution"]) == 0
    out = capsys.readouterr().out
    assert "10/10 points" in out and "coverage gate met" in out and "PASSED" in out
    assert "your record and badges are unchanged" in out
    folder = grades / "other" / "lab-90-solution"
    assert f"reports in {folder}" in out
    results = json.loads((folder / "results.json").read_text())
    assert results["score"] == 10 and results["extra_data"]["passed"] is True
    assert [t["status"] for t in results["tests"]] == ["passed"] * 4
    assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(
        results["tests"][0]
    )
    suite = ET.parse(folder / "junit.xml").getroot()
    assert suite.get("tests") == "4" and suite.get("failures") == "0"
    assert "lab-90" in (folder / "summary.md").read_text()
    assert not (grades / "lab-90").exists() and not (grades / "badges").exists()


def test_a_passing_workspace_is_recorded_with_a_green_badge(
    toy_copy: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(toy_copy / "solution" / "toy" / "__init__.py", toy_copy / "toy" / "__init__.py")
    shutil.copy(toy_copy / "solution" / "tests" / "test_toy.py", toy_copy / "tests" / "test_toy.py")
    assert main(["grade", "lab-90"]) == 0
    assert "your record and badges are unchanged" not in capsys.readouterr().out
    assert json.loads((grades / "lab-90" / "results.json").read_text())["extra_data"]["passed"] is True
    badge = (grades / "badges" / "lab-90.svg").read_text()
    assert "10/10" in badge and "#4C1" in badge.upper()
    assert ">1/1<" in (grades / "badges" / "progress.svg").read_text()
    assert main(["list"]) == 0
    assert "10/10, passed" in capsys.readouterr().out
    # grading another target afterwards leaves that record as it was
    assert main(["grade", "lab-90", "--target", str(toy_copy / "solution")]) == 0
    assert json.loads((grades / "lab-90" / "results.json").read_text())["extra_data"]["target"] == "workspace"


def test_stub_scores_zero_and_fails_the_gate(grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "90"]) == 1
    out = capsys.readouterr().out
    assert "0/10 points" in out and "test_add  (not implemented yet: add)" in out
    assert "coverage gate NOT MET" in out and "fix your failing tests" in out
    results = json.loads((grades / "lab-90" / "results.json").read_text())
    assert results["score"] == 0 and results["extra_data"]["coverage_gate_met"] is False
    assert "toy/__init__.py:5 in add" in results["tests"][0]["output"]
    assert "#E05D44" in (grades / "badges" / "lab-90.svg").read_text().upper()


def test_partial_credit_and_feedback(
    grades: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write_target(tmp_path / "sub", PARTIAL)
    assert main(["grade", "lab-90", "--target", str(target)]) == 1
    results = json.loads((grades / "other" / "lab-90-sub" / "results.json").read_text())
    scores = {t["name"].split(":")[0]: t["score"] for t in results["tests"]}
    # fib is right for n = 0 and 1 only: 2 of 5 cases -> 2 points of 5
    assert scores == {"test_add": 2, "test_mul": 0, "test_fib": 2.0, "Coverage gate": 0}
    fib = next(t for t in results["tests"] if t["name"].startswith("test_fib"))
    assert "2/5 cases passed" in fib["output"] and "fib(10) returned 0, expected 55" in fib["output"]
    mul = next(t for t in results["tests"] if t["name"].startswith("test_mul"))
    assert mul["output"] == "mul(4, 5) returned 21, expected 20"
    assert "assert" not in mul["output"], "grader source must never be shown"


def test_gate_reports_missed_lines(grades: Path, tmp_path: Path) -> None:
    source = "def add(a, b):\n    return a + b\n\ndef mul(a, b):\n    return a * b\n\ndef fib(n):\n    if n < 0:\n        raise ValueError\n    return n\n"
    target = write_target(tmp_path / "sub", source)
    lab = find("lab-90")
    result = grade(lab, resolve_target(lab, str(target)), python=__import__("sys").executable)
    assert result.score == 5.0 + 2.0  # add, mul, and fib right for n = 0, 1 (2 of 5 cases -> 2 points)
    assert result.gate.percent is not None and result.gate.percent < 90 and not result.gate.met
    assert result.gate.missed == {"toy/__init__.py": "5, 8-10; partial branches at 8"}
    assert result.gate.tests_passed == 1 and result.gate.tests_failed == 0


def test_targets_without_tests_or_with_no_tests(grades: Path, tmp_path: Path) -> None:
    lab = find("lab-90")
    bare = tmp_path / "bare"
    shutil.copytree(lab.solution_dir / "toy", bare / "toy")
    result = grade(lab, resolve_target(lab, str(bare)), python=__import__("sys").executable)
    assert result.score == 10 and not result.gate.met and "no tests/ folder" in result.gate.problem
    (bare / "tests").mkdir()
    (bare / "tests" / "helpers.py").write_text("X = 1\n")
    result = grade(lab, resolve_target(lab, str(bare)), python=__import__("sys").executable)
    assert not result.gate.met and "no tests were collected" in result.gate.problem


def test_expected_tests_are_cached_and_carry_points(grades: Path) -> None:
    lab = find("lab-90")
    limits = Limits(1024, 60, True)
    first = expected_tests(lab, __import__("sys").executable, limits)
    assert [(t.nodeid, t.points) for t in first] == [
        ("test_toy_grader.py::test_add", 2.0),
        ("test_toy_grader.py::test_mul", 3.0),
        ("test_toy_grader.py::test_fib", 5.0),
    ]
    assert first[0].doc == "add() adds two integers."
    assert len(list((grades / ".cache").glob("lab-90-*.json"))) == 1
    assert expected_tests(lab, __import__("sys").executable, limits) == first


def test_list_shows_only_the_workspace_record(grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    assert "lab-90" in capsys.readouterr().out
    main(["grade", "lab-90", "--target", "solution"])
    capsys.readouterr()
    assert main(["list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("lab-90"))
    assert line.endswith("not graded yet")


def test_verify_passes_on_the_toy_lab(grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "lab-90", "--repeat", "2", "--random-order"]) == 0
    out = capsys.readouterr().out
    assert "solution 10/10" in out and "stub 0/10" in out
    assert "2 runs in random order on the reference: 0 flaky tests" in out
    assert "verify: 1 of 1 labs OK" in out


def test_verify_catches_a_broken_lab(toy_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = toy_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", "points = 12"))
    (toy_copy / "toy" / "__init__.py").write_text((toy_copy / "solution" / "toy" / "__init__.py").read_text())
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "grader points add up to 10, but lab.toml says points = 12" in out
    assert "the untouched stub earns points in: test_add, test_mul, test_fib" in out


def test_workspace_changes_made_while_grading_are_restored(toy_copy: Path, grades: Path) -> None:
    mine = toy_copy / "toy" / "__init__.py"
    original = mine.read_text()
    mine.write_text(
        f"import pathlib\npathlib.Path({str(mine)!r}).write_text('vandalised')\n"
        f"pathlib.Path({str(toy_copy / 'toy' / 'extra.py')!r}).write_text('x = 1')\n" + PARTIAL
    )
    planted = mine.read_text()
    lab = find("lab-90")
    result = grade(lab, resolve_target(lab, "workspace"), python=__import__("sys").executable)
    assert mine.read_text() == planted and not (toy_copy / "toy" / "extra.py").exists()
    # In the jail the lab folder is not even visible; without it, the autograder restores the files.
    assert any("restored" in note for note in result.notes) != jail_available()
    mine.write_text(original)


ORDER_DEPENDENT = """
import pytest
from toy import add

STATE = []


@pytest.mark.points(1)
def test_first() -> None:
    STATE.append(add(1, 1))


@pytest.mark.points(1)
def test_second() -> None:
    assert STATE, "depends on test_first having run before it in the same process"
"""


def test_verify_finds_an_order_dependent_grader(toy_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import random

    (toy_copy / "grader" / "test_order.py").write_text(ORDER_DEPENDENT)
    manifest = toy_copy / "lab.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", "points = 12"))
    order = ["first", "second", "add", "mul", "fib"]  # collection order: test_order.py sorts first
    repeats = next(n for n in range(2, 20) if _second_before_first(random.Random(n - 1), order))
    assert main(["verify", "--repeat", str(repeats), "--random-order"]) == 1
    out = capsys.readouterr().out
    assert "flaky grader tests (passed in one run, failed in another):" in out
    assert "test_second: depends on test_first having run before it in the same process" in out
    assert "test_add:" not in out.split("flaky grader tests")[1], "only the flaky tests are listed"


def _second_before_first(rng: object, order: list[str]) -> bool:
    shuffled = list(order)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    return shuffled.index("second") < shuffled.index("first")
