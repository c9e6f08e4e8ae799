"""What a grading run found: one record per grader test, the coverage gate, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExpectedTest:
    """A grader test known before any learner code runs (collected against the reference)."""

    nodeid: str
    points: float
    doc: str


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    nodeid: str
    doc: str
    max_score: float
    score: float
    passed: bool
    feedback: str
    duration: float = 0.0


@dataclass(frozen=True)
class GateResult:
    """The learner's own tests: did they pass, and how much of the package did they cover?"""

    required: float
    percent: float | None  # None when no coverage could be measured
    tests_passed: int
    tests_failed: int
    missed: dict[str, str] = field(default_factory=dict)  # file -> compact missed line ranges
    problem: str = ""  # why the gate could not be measured or failed outright

    @property
    def met(self) -> bool:
        return (
            not self.problem
            and self.percent is not None
            and self.percent >= self.required
            and self.tests_failed == 0
            and self.tests_passed > 0
        )


@dataclass(frozen=True)
class LabResult:
    lab_id: str
    title: str
    target: str
    outcomes: list[TestOutcome]
    gate: GateResult
    points: float
    pass_threshold: float
    execution_time: float
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(outcome.score for outcome in self.outcomes), 4)

    @property
    def score_passes(self) -> bool:
        return self.score >= self.points * self.pass_threshold / 100 - 1e-9

    @property
    def passed(self) -> bool:
        return self.score_passes and self.gate.met
