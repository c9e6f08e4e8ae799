"""Learner-test strength: how many of the lab's known bugs the learner's own tests catch.

Coverage alone over-rewards weak tests (a suite that calls everything and asserts nothing covers 100%).
So when the learner's tests pass against their own package, they are also run against the reference
(a test failing there tests something the README does not promise: it is set aside, with a message)
and against each bug of the corpus: a bug is caught when one of the remaining tests fails against it.

The figure depends only on the learner's tests, the reference and the corpus, so it is cached by their
contents: changing only the package costs nothing. A lab may make it part of the gate (`bug_gate`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autograder import gate
from autograder.manifest import Lab
from autograder.plan import RunPlan
from autograder.sandbox import Limits
from autograder.snapshot import fingerprint
from autograder.variants import Bug, apply_edits, load_bugs, reference_variant

CACHE_VERSION = "2"
HUNG_VERDICT = "(your tests hung)"


@dataclass(frozen=True)
class Strength:
    caught: dict[str, list[str]] = field(default_factory=dict)  # bug id -> the learner's tests that caught it
    missed: list[str] = field(default_factory=list)  # bug ids no test caught
    unchecked: int = 0  # bugs left out because the time budget ran out
    against_reference: list[str] = field(default_factory=list)  # learner tests failing against the reference

    @property
    def total(self) -> int:
        return len(self.caught) + len(self.missed) + self.unchecked

    def percent(self) -> float:
        checked = len(self.caught) + len(self.missed)
        return 100.0 * len(self.caught) / checked if checked else 0.0

    def lines(self) -> list[str]:
        out = [f"your tests catch {len(self.caught)} of {self.total} known bugs"]
        if self.unchecked:
            out[0] += f" ({self.unchecked} not checked yet: your next gradings check them)"
        if self.total and not self.caught and not self.unchecked:
            out.append("a test that only calls your code catches nothing: assert what the README promises")
        for name in self.against_reference[:5]:
            out.append(
                f"your test {name} fails against the reference solution: test the public API of the README, "
                "not details of your own implementation (it is left out of the known-bug count)"
            )
        return out

    def record(self) -> dict[str, object]:
        return {
            "caught": self.caught,
            "missed": self.missed,
            "unchecked": self.unchecked,
            "against_reference": self.against_reference,
        }


def _apply(lab: Lab, bug: Bug, root: Path) -> None:
    apply_edits(root, bug.edits, f"{lab.id} bug {bug.id}")


def _key(lab: Lab, tests: Path, bugs: list[Bug]) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(fingerprint([tests, lab.solution_dir / lab.package]).encode())
    digest.update(json.dumps([[b.id, [(e.file, e.find, e.replace) for e in b.edits]] for b in bugs]).encode())
    return digest.hexdigest()[:24]


def _load(cache: Path) -> tuple[list[str] | None, dict[str, list[str]]]:
    """What earlier gradings with the same tests found: failing on the reference, and per checked bug."""
    try:
        data = json.loads(cache.read_text())
        reference = data["against_reference"]
        verdicts = data["verdicts"]
        if isinstance(reference, list) and isinstance(verdicts, dict):
            return [str(x) for x in reference], {str(k): [str(x) for x in v] for k, v in verdicts.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None, {}


def _save(cache: Path, reference: list[str], verdicts: dict[str, list[str]]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.name + ".tmp")
    tmp.write_text(json.dumps({"against_reference": reference, "verdicts": verdicts}))
    tmp.replace(cache)


def measure(
    lab: Lab,
    tests: Path,
    python: str,
    env: Mapping[str, str],
    limits: Limits,
    budget_seconds: float,
    cache_dir: Path,
    stop: threading.Event | None = None,
    minimum_seconds: float = 3.0,
    plan: RunPlan | None = None,
) -> Strength | None:
    """Run the learner's `tests` against the reference and the known bugs not checked yet; None when the
    lab has no corpus or no reference here (the learner edition seals them).

    It works while `stop` is unset (the graders are still running, so the second core is free), for at
    least `minimum_seconds` and at most `budget_seconds`; what it found is kept, keyed by the tests, the
    reference and the corpus, so the figure completes over successive gradings and then costs nothing.
    `plan` is the grading's run plan: the learner's tests see what they saw in the gate (services, Java)."""
    if not (lab.solution_dir / lab.package).is_dir():
        return None
    bugs = load_bugs(lab)
    if not bugs:
        return None
    cache = cache_dir / f"strength-{lab.id}-{_key(lab, tests, bugs)}.json"
    on_reference, verdicts = _load(cache)
    started = time.monotonic()

    def may_go_on() -> bool:
        elapsed = time.monotonic() - started
        return elapsed < minimum_seconds or (elapsed < budget_seconds and not (stop and stop.is_set()))

    new_verdicts = 0

    def failing(edit: Callable[[Path], None], stoppable: bool = True) -> set[str] | None:
        """The tests that fail with `edit` applied; None without a verdict. A stoppable run still going
        when the time is up is stopped, once this grading has found one verdict (so the figure always
        moves on); the reference run, which every figure needs, is never stopped."""

        def prepare(root: Path) -> None:
            shutil.rmtree(root / "tests", ignore_errors=True)
            shutil.copytree(tests, root / "tests")
            edit(root)

        with reference_variant(lab, prepare) as root:
            result = gate.measure(
                root, lab.package, lab.gate_omit, 0.0, python, env, limits, time.monotonic() + budget_seconds,
                plan=plan, cancelled=lambda: stoppable and new_verdicts > 0 and not may_go_on(),
            )  # fmt: skip
        if result.hung:
            return {HUNG_VERDICT}  # a suite that hangs against the bug, not against the reference, fails
        if result.percent is None and not result.tests_failed:
            return None  # did not run to the end: no verdict
        return set(result.failing) | (
            {"(your tests)"} if result.tests_failed and not result.failing else set()
        )

    if on_reference is None:
        found = failing(lambda root: None, stoppable=False)
        if found is None:
            return None
        on_reference = sorted(found)
        _save(cache, on_reference, verdicts)
    for bug in bugs:
        if bug.id in verdicts:
            continue
        if not may_go_on():
            break
        found_bug = failing(functools.partial(_apply, lab, bug))
        if found_bug is None:
            continue
        verdicts[bug.id] = sorted(found_bug - set(on_reference))
        new_verdicts += 1
        _save(cache, on_reference, verdicts)
    caught = {bug.id: verdicts[bug.id] for bug in bugs if verdicts.get(bug.id)}
    missed = [bug.id for bug in bugs if bug.id in verdicts and not verdicts[bug.id]]
    unchecked = sum(bug.id not in verdicts for bug in bugs)
    return Strength(caught, missed, unchecked, on_reference)
