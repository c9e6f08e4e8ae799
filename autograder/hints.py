"""Progressive hints: the next unseen hint of the first failing grader test, and which hints were seen.

Hints live on the graders (`@pytest.mark.hints("gentle", "more specific", ...)`) and travel with them (sealed
in the learner edition). What a learner has seen is kept in `.grades/<lab>/hints.json` as
`{test node id: number of hints seen}`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.manifest import Lab
from autograder.results import ExpectedTest


@dataclass(frozen=True)
class Hint:
    test: ExpectedTest
    number: int  # 1-based
    text: str

    @property
    def last(self) -> bool:
        return self.number == len(self.test.hints)


def seen_path(lab: Lab, grades: Path) -> Path:
    return grades / lab.id / "hints.json"


def seen(lab: Lab, grades: Path) -> dict[str, int]:
    try:
        data = json.loads(seen_path(lab, grades).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): int(v) for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool) and v > 0
    }


def hints_used(lab: Lab, grades: Path) -> int:
    return sum(seen(lab, grades).values())


def failing_tests(lab: Lab, grades: Path) -> list[str] | None:
    """Node ids of the tests the learner's latest grade (full or partial) failed; None if never graded."""
    candidates = [grades / lab.id / "results.json", grades / "other" / f"{lab.id}-partial" / "results.json"]
    latest = max((p for p in candidates if p.is_file()), key=lambda p: p.stat().st_mtime, default=None)
    if latest is None:
        return None
    try:
        data = json.loads(latest.read_text())
        tests = data["tests"]
        return [
            str(t["extra_data"]["nodeid"])
            for t in tests
            if t.get("status") == "failed"
            and isinstance(t.get("extra_data"), dict)
            and t["extra_data"].get("nodeid")
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def choose(expected: list[ExpectedTest], failing: list[str] | None, wanted: str | None) -> ExpectedTest:
    """The test to hint at: the named one (a unique part of its name), else the first failing with hints."""
    with_hints = [test for test in expected if test.hints]
    if wanted:
        matches = [test for test in expected if wanted in test.nodeid]
        exact = [test for test in matches if test.nodeid.split("::", 1)[-1] == wanted]
        matches = exact or matches
        if not matches:
            raise UsageError(f"no grader test is named like {wanted!r} (see `labs status` for the tests)")
        if len(matches) > 1:
            names = ", ".join(test.nodeid.split("::", 1)[-1] for test in matches[:5])
            raise UsageError(f"{wanted!r} names several tests ({names}): give more of the name")
        if not matches[0].hints:
            raise UsageError(f"{matches[0].nodeid.split('::', 1)[-1]} has no hints")
        return matches[0]
    if failing is None:
        raise UsageError("grade the lab first (`labs grade LAB`): hints are for the tests that fail")
    for test in with_hints:
        if test.nodeid in failing:
            return test
    raise UsageError(
        "no failing test has a hint: every graded test passed, or name one (`labs hint LAB TEST`)"
    )


def next_hint(lab: Lab, grades: Path, test: ExpectedTest) -> Hint:
    """The next hint the learner has not seen for `test` (the last one again once all are seen); recorded."""
    state = seen(lab, grades)
    number = min(state.get(test.nodeid, 0) + 1, len(test.hints))
    state[test.nodeid] = max(state.get(test.nodeid, 0), number)
    path = seen_path(lab, grades)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".hints.json.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return Hint(test, number, test.hints[number - 1])
