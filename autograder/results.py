"""What a grading run found: one record per grader test, the coverage gate, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExpectedTest:
    """A grader test known before any learner code runs (collected against the reference)."""

    nodeid: str
    points: float
    doc: str
    part: str = ""
    visibility: str = "hidden"  # "visible": run without the grader key in course mode
    hints: tuple[str, ...] = ()
    critical: str | None = None  # the critical property it checks: failing it fails the lab
    fixtures: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: dict[str, object]) -> ExpectedTest:
        """From the collection record the child sent (or the stored manifest); raises ValueError/TypeError."""
        points = record.get("points")
        if isinstance(points, bool) or not isinstance(points, int | float):
            raise ValueError(f"grader test {record.get('nodeid')} has no valid @pytest.mark.points(n) marker")
        hints, fixtures, critical = (
            record.get("hints") or [],
            record.get("fixtures") or [],
            record.get("critical"),
        )
        if not isinstance(hints, list) or not isinstance(fixtures, list):
            raise TypeError("hints and fixtures must be lists")
        return cls(
            nodeid=str(record["nodeid"]),
            points=float(points),
            doc=str(record.get("doc", "")),
            part=str(record.get("part") or ""),
            visibility="visible" if record.get("visibility") == "visible" else "hidden",
            hints=tuple(str(hint) for hint in hints),
            critical=None if critical is None else str(critical),
            fixtures=tuple(str(name) for name in fixtures),
        )

    def record(self) -> dict[str, object]:
        return {
            "nodeid": self.nodeid,
            "points": self.points,
            "doc": self.doc,
            "part": self.part,
            "visibility": self.visibility,
            "hints": list(self.hints),
            "critical": self.critical,
            "fixtures": list(self.fixtures),
        }


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
    part: str = ""
    critical: str | None = None
    ungradable: bool = False  # cannot run in this configuration: left out of score and maximum
    repro: str = ""  # a standalone pytest file reproducing the failure, when the grader wrote one
    visibility: str = "hidden"  # Gradescope's visibility of the test: "visible" or "hidden"

    @property
    def lost_points(self) -> bool:
        """Failed, or earned less than its points (partial credit)."""
        return not self.passed or self.score < self.max_score - 1e-9


@dataclass(frozen=True)
class GateResult:
    """The learner's own tests: did they pass, and how much of the package did they cover?"""

    required: float
    percent: float | None  # None when no coverage could be measured
    tests_passed: int
    tests_failed: int
    missed: dict[str, str] = field(default_factory=dict)  # file -> compact missed line ranges
    problem: str = ""  # why the gate could not be measured or failed outright
    failing: tuple[str, ...] = ()  # node ids of the learner's tests that failed
    details: tuple[str, ...] = ()  # further lines for the learner (e.g. how many known bugs the tests catch)
    hung: bool = False  # stopped because nothing ran for a long while (not because a budget ran out)

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
    scope_note: str = ""  # set when only some tests ran (a part, -k, public checks only): a partial grade
    import_problem: str = ""  # the learner's package failed to import: said once, up front
    strength: dict[str, object] | None = None  # which known bugs the learner's own tests catch (strength.py)

    @property
    def graded(self) -> list[TestOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.ungradable]

    @property
    def max_score(self) -> float:
        """The points at stake here: the lab's points less those of tests not gradable in this configuration."""
        ungradable = sum(outcome.max_score for outcome in self.outcomes if outcome.ungradable)
        return round(self.points - ungradable, 4) if not self.scope_note else self.run_max

    @property
    def run_max(self) -> float:
        return round(sum(outcome.max_score for outcome in self.graded), 4)

    @property
    def score(self) -> float:
        return round(sum(outcome.score for outcome in self.graded), 4)

    @property
    def critical_failures(self) -> list[TestOutcome]:
        return [o for o in self.graded if o.critical is not None and not o.passed]

    @property
    def score_passes(self) -> bool:
        return self.score >= self.max_score * self.pass_threshold / 100 - 1e-9

    @property
    def passed(self) -> bool:
        return self.score_passes and self.gate.met and not self.critical_failures and not self.scope_note


def as_number(value: object) -> float:
    """A number read from a report (JSON): a real int or float, else 0 (booleans are not numbers)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def format_points(value: float) -> str:
    """At most two decimals, no trailing zeros: 95, 95.5, 33.33."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
