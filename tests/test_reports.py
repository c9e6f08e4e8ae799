"""Report rendering: Gradescope JSON, JUnit, markdown, terminal text, and inert learner text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograder.gate import compact_ranges
from autograder.reports import outcome_line, results_json, sanitize, terminal_summary, write_reports
from autograder.results import GateResult, LabResult, TestOutcome


def make_result(
    feedback: str = "mul(4, 5) returned 21, expected 20", gate: GateResult | None = None
) -> LabResult:
    outcomes = [
        TestOutcome("t.py::test_a", "Adds.", 2.0, 2.0, True, ""),
        TestOutcome("t.py::test_b", "Multiplies.", 3.0, 0.0, False, feedback, 0.5),
    ]
    gate = gate or GateResult(90.0, 95.5, 4, 0)
    return LabResult("lab-90", "Toy", "solution", outcomes, gate, 5.0, 70.0, 1.25, ["a note"])


def test_verdict_needs_points_and_gate() -> None:
    assert make_result().score == 2.0 and not make_result().passed  # 2/5 is under the 70% pass mark
    failing_tests = GateResult(90.0, 99.0, 3, 1)
    assert not failing_tests.met and GateResult(90.0, 90.0, 1, 0).met
    assert not GateResult(90.0, None, 0, 0, problem="no data").met and not GateResult(90.0, 95.0, 0, 0).met


def test_results_json_follows_the_gradescope_format() -> None:
    data = results_json(make_result())
    assert data["score"] == 2.0 and data["execution_time"] == 1.25 and data["output_format"] == "md"
    tests = data["tests"]
    assert isinstance(tests, list) and [t["number"] for t in tests] == ["1", "2", "3"]
    assert tests[1] == {
        "name": "test_b: Multiplies.",
        "number": "2",
        "score": 0.0,
        "max_score": 3.0,
        "status": "failed",
        "output": "mul(4, 5) returned 21, expected 20",
        "visibility": "hidden",
        "extra_data": {"nodeid": "t.py::test_b", "part": "", "not_gradable": False},
    }
    assert tests[2]["status"] == "passed" and "95.5% covered" in tests[2]["output"]


def test_learner_text_cannot_issue_workflow_commands_or_escapes() -> None:
    hostile = "fine\n::error file=x::pwned\n  ::set-output name=a::b\x1b[31mred\x1b[0m\x07"
    clean = sanitize(hostile)
    assert "::error" not in clean and "\n: :error" in clean and "\x1b" not in clean and "\x07" not in clean
    data = results_json(make_result(feedback=hostile))
    assert "::set-output" not in json.dumps(data)


def test_written_reports_and_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    folder = write_reports(make_result(), tmp_path / "grades")
    suite = ET.parse(folder / "junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    failure = suite.find("testcase[@name='test_b: Multiplies.']/failure")
    assert failure is not None and failure.get("message") == "mul(4, 5) returned 21, expected 20"
    markdown = (folder / "summary.md").read_text()
    assert (
        "| 2 | ❌ test_b: Multiplies. | 0/3 | `mul(4, 5) returned 21, expected 20` |" in markdown
        and "- a note" in markdown
    )
    assert summary.read_text() == markdown + "\n"


def test_terminal_lines() -> None:
    result = make_result()
    assert outcome_line(1, result.outcomes[0], colour=False) == "    1  PASS      2/2  test_a"
    failed = outcome_line(2, result.outcomes[1], colour=True)
    assert "\x1b[31mFAIL" in failed and "checks: Multiplies." in failed
    stub = TestOutcome("t.py::test_c", "", 1.0, 0.0, False, "NotImplementedError: add (README Part A)")
    assert outcome_line(3, stub, colour=False).endswith("(not implemented yet: add (README Part A))")
    gate = GateResult(90.0, 50.0, 1, 2, missed={"toy/x.py": "3-4"})
    text = terminal_summary(make_result(gate=gate), ".grades/lab-90", colour=False)
    assert (
        "coverage gate NOT MET: 50.0% covered (needs 90%)" in text and "not covered in toy/x.py: 3-4" in text
    )
    assert "NOT PASSED in 1.2 s" in text
    assert "coverage gate NOT MET: no data" in terminal_summary(
        make_result(gate=GateResult(90.0, None, 0, 0, problem="no data")), "r", colour=False
    )


def test_compact_ranges() -> None:
    assert compact_ranges([9, 1, 2, 3, 7, 10, 3]) == "1-3, 7, 9-10"
    assert compact_ranges([]) == ""


HOSTILE = (
    "ok\x9b31m\x1b]0;title\x07 \u202eevil\u202c\n##[set-output name=x;]y\n  ::add-mask::z\u2028::error::w"
    "\n| 9 | ✅ forged row | 99/3 | |\n`` ` ``**bold**[link](http://x)\ud800\ufffe"
)


def test_every_sink_makes_hostile_learner_text_inert(tmp_path: Path) -> None:
    from autograder.reports import markdown_inert

    clean = sanitize(HOSTILE)
    for bad in ("\x9b", "\x1b", "\u202e", "\u2028", "\ud800", "\ufffe"):
        assert bad not in clean
    assert not any(line.lstrip().startswith(("::", "##[")) for line in clean.splitlines())
    cell = markdown_inert(HOSTILE)
    assert "\n" not in cell and all(part.startswith("`") for part in cell.split("<br>"))
    assert "\\| 9 \\|" in cell, "a pipe cannot end the table cell"
    result = make_result(feedback=HOSTILE)
    folder = write_reports(result, tmp_path / "grades")
    ET.parse(folder / "junit.xml")  # parses
    markdown = (folder / "summary.md").read_text()
    rows = [line for line in markdown.splitlines() if line.startswith("| 9 |")]
    assert rows == [], "learner text cannot forge a table row"
    assert "::error" not in json.dumps(results_json(result)).replace(": :error", "")


def test_ungradable_partial_and_cut_feedback_in_every_report(tmp_path: Path) -> None:
    long_feedback = "\n".join(f"line {n}" for n in range(80))
    outcomes = [
        TestOutcome("t.py::test_a", "Adds.", 2.0, 2.0, True, "", part="A"),
        TestOutcome("t.py::test_b", "Multiplies.", 3.0, 0.0, False, long_feedback, part="A"),
        TestOutcome(
            "t.py::test_r", "Restarts.", 4.0, 0.0, False, "not gradable here: x", part="B", ungradable=True
        ),
    ]
    result = LabResult("lab-90", "Toy", "workspace", outcomes, GateResult(90.0, 95.0, 1, 0), 9.0, 70.0, 1.0)
    assert (result.score, result.max_score) == (2.0, 5.0), "the ungradable test leaves the maximum"
    folder = write_reports(result, tmp_path / "grades")
    suite = ET.parse(folder / "junit.xml").getroot()
    assert (
        suite.get("skipped") == "1" and suite.find("testcase[@name='test_r: Restarts.']/skipped") is not None
    )
    markdown = (folder / "summary.md").read_text()
    assert "| A | 2/5 |" in markdown and "not gradable here" in markdown
    line = outcome_line(2, outcomes[1], colour=False)
    assert "line 39" in line and "line 41" not in line and "full text is in results.json" in line
    assert outcome_line(3, outcomes[2], colour=False).split()[1] == "SKIP"
    partial = LabResult(
        "lab-90", "Toy", "workspace", outcomes[:2], GateResult(90.0, 95.0, 1, 0), 9.0, 70.0, 1.0,
        scope_note="only part A graded; your record is not updated",
    )  # fmt: skip
    assert not partial.passed and partial.max_score == 5.0
    folder = write_reports(partial, tmp_path / "grades")
    assert folder == tmp_path / "grades" / "other" / "lab-90-partial"
    text = (folder / "summary.md").read_text()
    assert text.count("partial grade: only part A graded") == 2, "at the top and at the bottom"
    assert "PARTIAL GRADE" in terminal_summary(partial, "r", colour=False)
