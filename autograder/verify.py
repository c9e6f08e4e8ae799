"""The lab author's check: reference → full marks and gate met, untouched stub → 0, graders stable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.grading import expected_tests, grade, resolve_target
from autograder.manifest import Lab
from autograder.results import LabResult
from autograder.sandbox import Limits


@dataclass
class Verdict:
    lab: Lab
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _failures(result: LabResult, passed: bool) -> list[str]:
    return [
        f"{outcome.nodeid}: {outcome.feedback.splitlines()[0] if outcome.feedback else ''}"
        for outcome in result.outcomes
        if outcome.passed is passed or (not passed and outcome.score > 0)
    ]


def verify_lab(
    lab: Lab, python: str, repeat: int = 1, random_order: bool = False, log: Callable[[str], None] = print
) -> Verdict:
    verdict = Verdict(lab)
    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True)
    expected = expected_tests(lab, python, limits)
    total = sum(test.points for test in expected)
    if abs(total - lab.points) > 1e-9:
        verdict.problems.append(
            f"grader points add up to {total:g}, but lab.toml says points = {lab.points:g}"
        )

    solution = grade(lab, resolve_target(lab, "solution"), python=python)
    verdict.facts.append(
        f"solution {solution.score:g}/{lab.points:g}, coverage {solution.gate.percent}% , {solution.execution_time:.1f} s"
    )
    if solution.score < lab.points - 1e-9:
        verdict.problems.append(
            "the reference solution loses points: " + "; ".join(_failures(solution, False))[:2000]
        )
    if not solution.gate.met:
        verdict.problems.append(
            f"the reference's model tests miss the gate: {solution.gate.percent}% "
            f"({solution.gate.tests_failed} failing) {solution.gate.problem}"
        )
    log(f"  {lab.id}: {verdict.facts[-1]}")

    stub = grade(lab, resolve_target(lab, "workspace"), python=python)
    verdict.facts.append(f"stub {stub.score:g}/{lab.points:g}, {stub.execution_time:.1f} s")
    if stub.score > 0:
        verdict.problems.append("the untouched stub earns points: " + "; ".join(_failures(stub, True))[:2000])
    log(f"  {lab.id}: {verdict.facts[-1]}")

    if repeat > 1:
        seen: dict[str, set[bool]] = {outcome.nodeid: {outcome.passed} for outcome in solution.outcomes}
        for run in range(1, repeat):
            again = grade(
                lab, resolve_target(lab, "solution"), python=python,
                shuffle_seed=run if random_order else None, measure_gate=False,
            )  # fmt: skip
            for outcome in again.outcomes:
                seen.setdefault(outcome.nodeid, set()).add(outcome.passed)
            log(f"  {lab.id}: repeat {run + 1}/{repeat}: {again.score:g}/{lab.points:g}")
        flaky = sorted(nodeid for nodeid, outcomes in seen.items() if len(outcomes) > 1)
        order = "in random order " if random_order else ""
        verdict.facts.append(f"{repeat} runs {order}on the reference: {len(flaky)} flaky tests")
        log(f"  {lab.id}: {verdict.facts[-1]}")
        if flaky:
            verdict.problems.append("flaky grader tests (outcome varied between runs): " + ", ".join(flaky))
    return verdict
