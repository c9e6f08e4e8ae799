"""Write a LabResult as results.json (Gradescope format), junit.xml, summary.md, repro files and terminal text.

Every string that a learner's code can influence (feedback, output tails, gate problems, file names, test
ids) passes through one of the sinks' guards here before it is written: `sanitize` for every sink (no
terminal escapes, no C0/C1 controls, no bidi overrides, no line a CI runner parses as a workflow command,
nothing XML cannot hold), `markdown_inert` for Markdown (learner text goes into code spans, so it cannot
forge a table row, a link or a verdict).
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from autograder.results import GateResult, LabResult, TestOutcome, format_points

# C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates, lone surrogates,
# and the two XML non-characters; ANSI escape sequences go whole.
_CONTROL = re.compile(
    "\x1b\\[[0-9;?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|"
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_LINE_BREAKS = re.compile("[\u2028\u2029]")
# GitHub Actions parses `::command::` and the legacy `##[command]` at the start of a line.
_WORKFLOW_COMMAND = re.compile(r"^(\s*)(::|##\[)", re.MULTILINE)

NOT_RUN_IMPORT = "not run: your package does not import"
TERMINAL_LINES = 40  # feedback lines shown per failed test in the terminal
SUMMARY_CHARS = 4000  # feedback characters per test in summary.md
CUT = "… (cut here; the full text is in results.json)"


def sanitize(text: str) -> str:
    """Learner-controlled text, made inert for terminals, CI logs and XML."""
    text = _LINE_BREAKS.sub("\n", _CONTROL.sub("", text))
    return _WORKFLOW_COMMAND.sub(lambda m: f"{m.group(1)}{m.group(2)[0]} {m.group(2)[1:]}", text)


def markdown_inert(text: str, *, in_table: bool = True) -> str:
    """Sanitized learner text as Markdown code spans, one per line (joined by <br>): shown literally, so it
    cannot forge a table row, a link, an image or a verdict."""
    spans = []
    for line in sanitize(text).splitlines():
        if not line.strip():
            continue
        if in_table:
            line = line.replace("|", "\\|")
        longest = max((len(run) for run in re.findall("`+", line)), default=0)
        fence = "`" * (longest + 1)
        pad = " " if line.startswith("`") or line.endswith("`") else ""
        spans.append(f"{fence}{pad}{line}{pad}{fence}")
    return "<br>".join(spans)


def _plain_cell(text: str) -> str:
    """Trusted text (a grader's test name, the lab's title) in a table cell."""
    return sanitize(text).replace("|", "\\|").replace("\n", " ")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " " + CUT


def test_name(outcome: TestOutcome) -> str:
    name = outcome.nodeid.split("::", 1)[-1]
    return sanitize(f"{name}: {outcome.doc}" if outcome.doc else name)


def gate_line(gate: GateResult) -> str:
    if gate.percent is None:
        return sanitize(f"coverage gate NOT MET: {gate.problem}")
    verdict = "met" if gate.met else "NOT MET"
    tests = f"your tests: {gate.tests_passed} passed, {gate.tests_failed} failed"
    return f"coverage gate {verdict}: {gate.percent:.1f}% covered (needs {gate.required:g}%); {tests}"


def _gate_advice(gate: GateResult) -> list[str]:
    lines = []
    if gate.problem and gate.percent is not None:
        lines.append(gate.problem)
    if gate.tests_failed:
        lines.append("fix your failing tests: the gate needs every one of your tests to pass")
    lines += [f"failing test of yours: {name}" for name in gate.failing[:10]]
    for filename, missed in list(gate.missed.items())[:8]:
        lines.append(f"not covered in {filename}: {missed}")
    lines += [str(line) for line in gate.details]
    return [sanitize(line) for line in lines]


def verdict_lines(result: LabResult) -> list[str]:
    """The lines every report shows at its top (and the terminal at its bottom): scope, import, critical."""
    lines = []
    if result.scope_note:
        lines.append(f"partial grade: {result.scope_note}")
    if result.import_problem:
        lines.append(result.import_problem)
    # critical failures are the reason only when the points were enough: a stub need not hear of them
    shown = result.critical_failures if result.score_passes and not result.import_problem else []
    for outcome in shown:
        lines.append(
            f"not passed whatever the points: critical test {outcome.nodeid.split('::', 1)[-1]} failed "
            f"({outcome.critical})"
        )
    return [sanitize(line) for line in lines]


def score_text(result: LabResult) -> str:
    return f"{format_points(result.score)}/{format_points(result.max_score)}"


def repro_name(outcome: TestOutcome) -> str:
    """`test_<name>.py` for a failed test's reproduction file: letters, digits and underscores only."""
    name = re.sub(r"\W+", "_", outcome.nodeid.split("::", 1)[-1]).strip("_")[:80] or "case"
    return f"{name if name.startswith('test_') else 'test_' + name}.py"


def _repro_note(outcome: TestOutcome, repro_dir: str | None) -> str:
    if not outcome.repro or repro_dir is None:
        return ""
    path = f"{repro_dir}/{repro_name(outcome)}"
    return f"\na complete reproduction of this failure: {path} (run it with pytest in the lab's environment)"


def _feedback(outcome: TestOutcome, repro_dir: str | None) -> str:
    return sanitize(outcome.feedback + _repro_note(outcome, repro_dir))


def results_json(result: LabResult, repro_dir: str | None = None) -> dict[str, object]:
    tests: list[dict[str, object]] = [
        {
            "name": test_name(outcome),
            "number": str(number),
            "score": outcome.score,
            "max_score": outcome.max_score if not outcome.ungradable else 0.0,
            "status": "passed" if outcome.passed else "failed",
            "output": _feedback(outcome, repro_dir),
            "visibility": outcome.visibility,
            **({"tags": [f"part {outcome.part}"]} if outcome.part else {}),
            "extra_data": {
                "nodeid": outcome.nodeid,
                "part": outcome.part,
                "not_gradable": outcome.ungradable,
            },
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
            "output": "\n".join([gate_line(result.gate), *_gate_advice(result.gate)]),
            "visibility": "visible",
        }
    )
    return {
        "score": result.score,
        "execution_time": result.execution_time,
        "output": summary_markdown(result, repro_dir),
        "output_format": "md",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {
            "lab": result.lab_id,
            "target": sanitize(result.target),
            "max_score": result.max_score,
            "lab_points": result.points,
            "passed": result.passed,
            "partial": bool(result.scope_note),
            "scope": sanitize(result.scope_note),
            "critical_failed": [outcome.nodeid for outcome in result.critical_failures],
            "not_gradable": [outcome.nodeid for outcome in result.outcomes if outcome.ungradable],
            "pass_threshold_percent": result.pass_threshold,
            "coverage_percent": result.gate.percent,
            "coverage_gate_percent": result.gate.required,
            "coverage_gate_met": result.gate.met,
            "parts": part_scores(result),
            "learner_tests_catch": result.strength,
        },
    }


def part_scores(result: LabResult) -> dict[str, dict[str, float]]:
    """Points earned and at stake per part ('' for tests without a part)."""
    parts: dict[str, dict[str, float]] = {}
    for outcome in result.graded:
        entry = parts.setdefault(outcome.part, {"score": 0.0, "max_score": 0.0})
        entry["score"] = round(entry["score"] + outcome.score, 4)
        entry["max_score"] = round(entry["max_score"] + outcome.max_score, 4)
    return parts


def junit_xml(result: LabResult, repro_dir: str | None = None) -> bytes:
    failures = sum(not outcome.passed and not outcome.ungradable for outcome in result.outcomes)
    suite = ET.Element(
        "testsuite",
        name=result.lab_id,
        tests=str(len(result.outcomes) + 1),
        failures=str(failures + (not result.gate.met)),
        errors="0",
        skipped=str(sum(outcome.ungradable for outcome in result.outcomes)),
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
            ET.Element(
                "property",
                name="points",
                value=f"{format_points(outcome.score)}/{format_points(outcome.max_score)}",
            )
        )
        feedback = _feedback(outcome, repro_dir)
        if outcome.ungradable:
            ET.SubElement(case, "skipped", message=feedback.splitlines()[0][:200] if feedback else "")
        elif not outcome.passed:
            failure = ET.SubElement(
                case, "failure", message=feedback.splitlines()[0][:200] if feedback else "failed"
            )
            failure.text = feedback
    gate_case = ET.SubElement(suite, "testcase", classname=result.lab_id, name="coverage gate", time="0")
    if not result.gate.met:
        ET.SubElement(gate_case, "failure", message=gate_line(result.gate)).text = "\n".join(
            _gate_advice(result.gate)
        )
    data: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return data


def _verdict_word(result: LabResult) -> str:
    if result.scope_note:
        return "partial grade"
    return "passed" if result.passed else "not passed"


def summary_markdown(result: LabResult, repro_dir: str | None = None) -> str:
    icon = "✅" if result.passed else ("🔎" if result.scope_note else "❌")
    head = [f"> **{markdown_inert(line, in_table=False)}**" for line in verdict_lines(result)]
    lines = [
        f"## {result.lab_id}: {_plain_cell(result.title)} ({icon} {_verdict_word(result)})",
        "",
        *([*head, ""] if head else []),
        f"**{score_text(result)} points** (pass mark {format_points(result.max_score * result.pass_threshold / 100)}) "
        f"· {markdown_inert(gate_line(result.gate), in_table=False)} · target {markdown_inert(result.target, in_table=False)} "
        f"· {result.execution_time:.1f} s",
        "",
    ]
    parts = part_scores(result)
    if len(parts) > 1 or "" not in parts:
        lines += ["| part | points |", "|---|---|"]
        lines += [
            f"| {_plain_cell(name or '(no part)')} | {format_points(e['score'])}/{format_points(e['max_score'])} |"
            for name, e in sorted(parts.items())
        ]
        lines.append("")
    lines += ["| # | test | points | feedback |", "|---|---|---|---|"]
    for number, outcome in enumerate(result.outcomes, 1):
        feedback = markdown_inert(_cut(_feedback(outcome, repro_dir), SUMMARY_CHARS))
        mark = "➖" if outcome.ungradable else ("✅" if outcome.passed else "❌")
        points = (
            "not gradable here"
            if outcome.ungradable
            else f"{format_points(outcome.score)}/{format_points(outcome.max_score)}"
        )
        lines.append(f"| {number} | {mark} {_plain_cell(test_name(outcome))} | {points} | {feedback} |")
    advice = _gate_advice(result.gate)
    if advice:
        lines += ["", *(f"- {markdown_inert(line, in_table=False)}" for line in advice)]
    lines += [f"- {_plain_cell(note)}" for note in result.notes]
    if head:
        lines += ["", *head]
    return "\n".join(lines) + "\n"


def record_folder(result: LabResult, grades: Path) -> Path:
    """Where a result's reports go: the learner's record only for a full grade of the workspace."""
    if result.target == "workspace" and not result.scope_note:
        return grades / result.lab_id
    name = result.target if result.target in ("workspace", "solution") else Path(result.target).name
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60] or "target"
    kind = "partial" if result.target == "workspace" else slug
    return grades / "other" / f"{result.lab_id}-{kind}"


def _safe_write(path: Path, data: bytes) -> None:
    """Write a report file, replacing (never following) whatever is at `path`."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def write_reports(result: LabResult, grades: Path, display: str | None = None) -> Path:
    """Write every report for `result` into its folder (see record_folder) and return the folder."""
    folder = record_folder(result, grades)
    folder.mkdir(parents=True, exist_ok=True)
    repro_dir = _write_repros(result.outcomes, folder / "repro")
    shown = f"{display or folder}/repro" if repro_dir else None
    _safe_write(
        folder / "results.json",
        (json.dumps(results_json(result, shown), indent=2, ensure_ascii=False) + "\n").encode(),
    )
    _safe_write(folder / "junit.xml", junit_xml(result, shown))
    markdown = summary_markdown(result, shown)
    _safe_write(folder / "summary.md", markdown.encode())
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    return folder


def _write_repros(outcomes: Iterable[TestOutcome], folder: Path) -> bool:
    """Write each failed test's reproduction file (the folder holds only this run's files)."""
    wanted = {repro_name(outcome): outcome.repro for outcome in outcomes if outcome.repro}
    if folder.is_dir() and not folder.is_symlink():
        for old in folder.iterdir():
            if old.is_file() and old.suffix == ".py" and old.name not in wanted:
                old.unlink()
    if not wanted:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in wanted.items():
        _safe_write(folder / name, sanitize(source).encode())
    return True


# ---------------------------------------------------------------------------------------------------
# Terminal
# ---------------------------------------------------------------------------------------------------
def _paint(text: str, colour: str, enabled: bool) -> str:
    codes = {"green": "32", "red": "31", "dim": "2", "bold": "1", "yellow": "33"}
    return f"\x1b[{codes[colour]}m{text}\x1b[0m" if enabled else text


def outcome_line(number: int, outcome: TestOutcome, colour: bool, repro_dir: str | None = None) -> str:
    """One line per test; a failed test adds what it checks and the whole feedback, indented."""
    if outcome.ungradable:
        mark = _paint("SKIP", "yellow", colour)
    else:
        mark = _paint("PASS", "green", colour) if outcome.passed else _paint("FAIL", "red", colour)
    points = f"{format_points(outcome.score)}/{format_points(outcome.max_score)}"
    part = f"[{outcome.part}] " if outcome.part else ""
    text = f"  {number:>3}  {mark}  {points:>7}  {part}{sanitize(outcome.nodeid.split('::', 1)[-1])}"
    lines = sanitize(outcome.feedback).splitlines()
    if outcome.passed:  # a passing test may still carry grader notes
        return "\n".join([text, *_details(lines[:5], colour)])
    if outcome.feedback.startswith("NotImplementedError"):  # the stub: one short line is enough
        what = lines[0].removeprefix("NotImplementedError: ")
        return text + _paint(f"  (not implemented yet: {what})", "dim", colour)
    if outcome.feedback.startswith(NOT_RUN_IMPORT):
        return text + _paint("  (not run: your package does not import)", "dim", colour)
    checks = [f"checks: {sanitize(outcome.doc)}"] if outcome.doc and not outcome.ungradable else []
    if len(lines) > TERMINAL_LINES:
        lines = [*lines[:TERMINAL_LINES], CUT]
    lines += _repro_note(outcome, repro_dir).strip("\n").splitlines()
    return "\n".join([text, *_details(checks + lines, colour)])


def _details(lines: list[str], colour: bool) -> list[str]:
    return [_paint(f"                  {line}", "dim", colour) for line in lines]


def terminal_summary(result: LabResult, report_dir: str, colour: bool) -> str:
    passed = sum(outcome.passed for outcome in result.graded)
    if result.scope_note:
        verdict = _paint("PARTIAL GRADE", "yellow", colour)
    else:
        verdict = _paint("PASSED", "green", colour) if result.passed else _paint("NOT PASSED", "red", colour)
    parts = part_scores(result)
    part_lines = (
        [
            f"    part {name or '-'}: {format_points(e['score'])}/{format_points(e['max_score'])}"
            for name, e in sorted(parts.items())
        ]
        if len(parts) > 1 or "" not in parts
        else []
    )
    lines = [
        "",
        f"  graders        {score_text(result)} points ({passed}/{len(result.graded)} tests; "
        f"pass mark {format_points(result.max_score * result.pass_threshold / 100)})",
        *part_lines,
        f"  {gate_line(result.gate)}",
        *(f"    {line}" for line in _gate_advice(result.gate)),
        *(f"  note: {sanitize(note)}" for note in result.notes),
        *(f"  {line}" for line in verdict_lines(result)),
        f"  result         {verdict} in {result.execution_time:.1f} s; reports in {report_dir}",
    ]
    return "\n".join(lines)
