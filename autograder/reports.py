"""Write a LabResult as results.json (Gradescope format), junit.xml, summary.md and terminal text."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from autograder.results import GateResult, LabResult, TestOutcome

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\x1b\[[0-9;?]*[A-Za-z]")
_WORKFLOW_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)


def sanitize(text: str) -> str:
    """Learner-controlled text, made inert: no terminal escapes, no CI workflow commands (`::error::`)."""
    return _WORKFLOW_COMMAND.sub(r"\1: :", _CONTROL.sub("", text))


def test_name(outcome: TestOutcome) -> str:
    name = outcome.nodeid.split("::", 1)[-1]
    return f"{name}: {outcome.doc}" if outcome.doc else name


def gate_line(gate: GateResult) -> str:
    if gate.percent is None:
        return f"coverage gate NOT MET: {gate.problem}"
    verdict = "met" if gate.met else "NOT MET"
    tests = f"your tests: {gate.tests_passed} passed, {gate.tests_failed} failed"
    return f"coverage gate {verdict}: {gate.percent:.1f}% covered (needs {gate.required:g}%); {tests}"


def _gate_advice(gate: GateResult) -> list[str]:
    lines = []
    if gate.problem and gate.percent is not None:
        lines.append(gate.problem)
    if gate.tests_failed:
        lines.append("fix your failing tests: the gate needs every one of your tests to pass")
    for filename, missed in list(gate.missed.items())[:8]:
        lines.append(f"not covered in {filename}: {missed}")
    return lines


def results_json(result: LabResult) -> dict[str, object]:
    tests: list[dict[str, object]] = [
        {
            "name": test_name(outcome),
            "number": str(number),
            "score": outcome.score,
            "max_score": outcome.max_score,
            "status": "passed" if outcome.passed else "failed",
            "output": sanitize(outcome.feedback),
            "visibility": "visible",
        }
        for number, outcome in enumerate(result.outcomes, 1)
    ]
    tests.append(
        {
            "name": "Coverage gate: your own tests pass and cover the package",
            "number": str(len(tests) + 1),
            "score": 0.0,
            "max_score": 0.0,
            "status": "passed" if result.gate.met else "failed",
            "output": sanitize("\n".join([gate_line(result.gate), *_gate_advice(result.gate)])),
            "visibility": "visible",
        }
    )
    return {
        "score": result.score,
        "execution_time": result.execution_time,
        "output": sanitize(summary_markdown(result)),
        "output_format": "md",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {
            "lab": result.lab_id,
            "target": result.target,
            "max_score": result.points,
            "passed": result.passed,
            "pass_threshold_percent": result.pass_threshold,
            "coverage_percent": result.gate.percent,
            "coverage_gate_percent": result.gate.required,
            "coverage_gate_met": result.gate.met,
        },
    }


def junit_xml(result: LabResult) -> bytes:
    failures = sum(not outcome.passed for outcome in result.outcomes)
    suite = ET.Element(
        "testsuite",
        name=result.lab_id,
        tests=str(len(result.outcomes) + 1),
        failures=str(failures + (not result.gate.met)),
        errors="0",
        time=f"{result.execution_time:.3f}",
    )
    for outcome in result.outcomes:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.lab_id,
            name=test_name(outcome),
            time=f"{outcome.duration:.3f}",
        )
        ET.SubElement(case, "properties").append(
            ET.Element("property", name="points", value=f"{outcome.score:g}/{outcome.max_score:g}")
        )
        if not outcome.passed:
            failure = ET.SubElement(
                case,
                "failure",
                message=sanitize(outcome.feedback).splitlines()[0][:200] if outcome.feedback else "failed",
            )
            failure.text = sanitize(outcome.feedback)
    gate_case = ET.SubElement(suite, "testcase", classname=result.lab_id, name="coverage gate", time="0")
    if not result.gate.met:
        ET.SubElement(gate_case, "failure", message=gate_line(result.gate)).text = "\n".join(
            _gate_advice(result.gate)
        )
    data: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return data


def summary_markdown(result: LabResult) -> str:
    verdict = "✅ passed" if result.passed else "❌ not passed"
    lines = [
        f"## {result.lab_id}: {result.title} ({verdict})",
        "",
        f"**{result.score:g} / {result.points:g} points** (pass mark {result.points * result.pass_threshold / 100:g}) "
        f"· {gate_line(result.gate)} · target `{result.target}` · {result.execution_time:.1f} s",
        "",
        "| # | test | points | feedback |",
        "|---|---|---|---|",
    ]
    for number, outcome in enumerate(result.outcomes, 1):
        feedback = sanitize(outcome.feedback).replace("|", "\\|").replace("\n", "<br>")[:400]
        mark = "✅" if outcome.passed else "❌"
        lines.append(
            f"| {number} | {mark} {test_name(outcome)} | {outcome.score:g}/{outcome.max_score:g} | {feedback} |"
        )
    advice = _gate_advice(result.gate)
    if advice:
        lines += ["", *(f"- {line}" for line in advice)]
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def write_reports(result: LabResult, grades: Path) -> Path:
    folder = grades / result.lab_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(
        json.dumps(results_json(result), indent=2, ensure_ascii=False) + "\n"
    )
    (folder / "junit.xml").write_bytes(junit_xml(result))
    markdown = summary_markdown(result)
    (folder / "summary.md").write_text(markdown, encoding="utf-8")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    return folder


# ---------------------------------------------------------------------------------------------------
# Terminal
# ---------------------------------------------------------------------------------------------------
def _paint(text: str, colour: str, enabled: bool) -> str:
    codes = {"green": "32", "red": "31", "dim": "2", "bold": "1", "yellow": "33"}
    return f"\x1b[{codes[colour]}m{text}\x1b[0m" if enabled else text


def outcome_line(number: int, outcome: TestOutcome, colour: bool) -> str:
    """One line per test; a failed test adds what it checks and the feedback, indented."""
    mark = _paint("PASS", "green", colour) if outcome.passed else _paint("FAIL", "red", colour)
    points = f"{outcome.score:g}/{outcome.max_score:g}"
    text = f"  {number:>3}  {mark}  {points:>7}  {outcome.nodeid.split('::', 1)[-1]}"
    lines = sanitize(outcome.feedback).splitlines()
    if outcome.passed:  # a passing test may still carry grader notes
        return "\n".join([text, *_details(lines[:5], colour)])
    if outcome.feedback.startswith("NotImplementedError"):  # the stub: one short line is enough
        what = lines[0].removeprefix("NotImplementedError: ")
        return text + _paint(f"  (not implemented yet: {what})", "dim", colour)
    checks = [f"checks: {outcome.doc}"] if outcome.doc else []
    return "\n".join([text, *_details(checks + lines[:12], colour)])


def _details(lines: list[str], colour: bool) -> list[str]:
    return [_paint(f"                  {line}", "dim", colour) for line in lines]


def terminal_summary(result: LabResult, report_dir: str, colour: bool) -> str:
    passed = sum(outcome.passed for outcome in result.outcomes)
    verdict = _paint("PASSED", "green", colour) if result.passed else _paint("NOT PASSED", "red", colour)
    lines = [
        "",
        f"  graders        {result.score:g} / {result.points:g} points ({passed}/{len(result.outcomes)} tests; "
        f"pass mark {result.points * result.pass_threshold / 100:g})",
        f"  {gate_line(result.gate)}",
        *(f"    {line}" for line in _gate_advice(result.gate)),
        *(f"  note: {note}" for note in result.notes),
        f"  result         {verdict} in {result.execution_time:.1f} s; reports in {report_dir}",
    ]
    return "\n".join(lines)
