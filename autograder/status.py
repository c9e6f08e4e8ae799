"""`labs status`: where a learner stands — every lab's last workspace grade, parts, gate, hints — and what next."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.badges import last_result
from autograder.hints import hints_used
from autograder.manifest import Lab
from autograder.results import as_number, format_points


@dataclass(frozen=True)
class LabStatus:
    lab: Lab
    graded: bool
    passed: bool
    score: float
    max_score: float
    gate_met: bool
    coverage: float | None
    parts: dict[str, tuple[float, float]]  # part id -> (score, max_score)
    failing: list[tuple[str, str]]  # (node id, part) of the tests that failed in the last grade
    hints: int


def lab_status(lab: Lab, grades: Path) -> LabStatus:
    result = last_result(lab, grades)
    hints = hints_used(lab, grades)
    if result is None:
        return LabStatus(lab, False, False, 0.0, lab.points, False, None, {}, [], hints)
    extra = result["extra_data"]
    assert isinstance(extra, dict)
    parts_data = extra.get("parts") if isinstance(extra.get("parts"), dict) else {}
    assert isinstance(parts_data, dict)
    parts = {
        str(name): (as_number(entry.get("score")), as_number(entry.get("max_score")))
        for name, entry in parts_data.items()
        if isinstance(entry, dict)
    }
    tests = result.get("tests") if isinstance(result.get("tests"), list) else []
    assert isinstance(tests, list)
    failing = [
        (str(t["extra_data"].get("nodeid")), str(t["extra_data"].get("part") or ""))
        for t in tests
        if isinstance(t, dict) and t.get("status") == "failed" and isinstance(t.get("extra_data"), dict)
    ]
    coverage = extra.get("coverage_percent")
    return LabStatus(
        lab,
        True,
        extra.get("passed") is True,
        as_number(result.get("score")),
        as_number(extra.get("max_score")),
        extra.get("coverage_gate_met") is True,
        float(coverage) if isinstance(coverage, int | float) else None,
        parts,
        failing,
        hints,
    )


def suggested_next(statuses: list[LabStatus]) -> LabStatus | None:
    """The first lab not passed yet, preferring one already started."""
    open_labs = [status for status in statuses if not status.passed]
    started = [status for status in open_labs if status.graded]
    candidates = started or open_labs
    return candidates[0] if candidates else None


def overview(statuses: list[LabStatus]) -> list[str]:
    lines = []
    for status in statuses:
        if not status.graded:
            state = "not graded yet"
        else:
            verdict = "passed" if status.passed else "not passed"
            gate = "gate met" if status.gate_met else "gate not met"
            state = f"{format_points(status.score)}/{format_points(status.max_score)} {verdict}, {gate}"
        parts = "  ".join(
            f"{name}:{format_points(score)}/{format_points(top)}"
            for name, (score, top) in sorted(status.parts.items())
            if name
        )
        hints = f"  hints used: {status.hints}" if status.hints else ""
        lines.append(f"{status.lab.id}  {state:<34} {parts}{hints}".rstrip())
    passed = sum(status.passed for status in statuses)
    lines.append(f"{passed} of {len(statuses)} labs passed")
    following = suggested_next(statuses)
    if following is not None:
        lines.append(f"next: {following.lab.id} ({following.lab.title}): nox -s {following.lab.id}")
    return lines


def detail(status: LabStatus) -> list[str]:
    lab = status.lab
    lines = [f"{lab.id}: {lab.title}"]
    if not status.graded:
        lines.append(f"  not graded yet: run `nox -s {lab.id}` (or `labs test {lab.id}` for your own tests)")
    else:
        verdict = "passed" if status.passed else "not passed"
        lines.append(
            f"  last grade: {format_points(status.score)}/{format_points(status.max_score)}, {verdict}"
        )
        coverage = f"{status.coverage:.1f}% covered" if status.coverage is not None else "not measured"
        lines.append(
            f"  coverage gate: {'met' if status.gate_met else 'not met'} ({coverage}, needs {lab.coverage_gate:g}%)"
        )
    for part in lab.parts:
        score, top = status.parts.get(part.id, (0.0, 0.0))
        earned = f"{format_points(score)}/{format_points(top)}" if status.graded else "-"
        failing = [nodeid.split("::", 1)[-1] for nodeid, where in status.failing if where == part.id]
        lines.append(
            f"  part {part.id} {part.title}: {earned}"
            + (f"  (failing: {', '.join(failing)})" if failing else "")
        )
    if not lab.parts and status.failing:
        lines.append("  failing: " + ", ".join(nodeid.split("::", 1)[-1] for nodeid, _ in status.failing))
    lines.append(
        f"  hints used: {status.hints}" + (f" (next: `labs hint {lab.id}`)" if status.failing else "")
    )
    return lines
