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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autograder import gate
from autograder.manifest import Lab
from autograder.sandbox import Limits
from autograder.snapshot import fingerprint
from autograder.variants import Bug, apply_edits, load_bugs, reference_variant

CACHE_VERSION = "1"


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
            out[0] += f" ({self.unchecked} not checked: the time budget ran out)"
        if self.total and not self.caught:
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


def measure(
    lab: Lab,
    tests: Path,
    python: str,
    env: Mapping[str, str],
    limits: Limits,
    budget_seconds: float,
    cache_dir: Path,
) -> Strength | None:
    """Run the learner's `tests` against the reference and every known bug; None when the lab has no
    corpus or no reference here (the learner edition seals them)."""
    if not (lab.solution_dir / lab.package).is_dir():
        return None
    bugs = load_bugs(lab)
    if not bugs:
        return None
    cache = cache_dir / f"strength-{lab.id}-{_key(lab, tests, bugs)}.json"
    try:
        data = json.loads(cache.read_text())
        return Strength(
            {str(k): [str(x) for x in v] for k, v in data["caught"].items()},
            [str(x) for x in data["missed"]],
            int(data["unchecked"]),
            [str(x) for x in data["against_reference"]],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    deadline = time.monotonic() + budget_seconds

    def failing(edit: Callable[[Path], None]) -> set[str] | None:
        def prepare(root: Path) -> None:
            shutil.rmtree(root / "tests", ignore_errors=True)
            shutil.copytree(tests, root / "tests")
            edit(root)

        with reference_variant(lab, prepare) as root:
            result = gate.measure(
                root,
                lab.package,
                lab.gate_omit,
                0.0,
                python,
                env,
                limits,
                max(deadline, time.monotonic() + 30),
            )
        if result.percent is None and not result.tests_failed:
            return None  # did not run to the end: no verdict
        return set(result.failing) | (
            {"(your tests)"} if result.tests_failed and not result.failing else set()
        )

    on_reference = failing(lambda root: None)
    if on_reference is None:
        return None
    caught: dict[str, list[str]] = {}
    missed: list[str] = []
    unchecked = 0
    for bug in bugs:
        if time.monotonic() >= deadline:
            unchecked += 1
            continue
        found = failing(functools.partial(_apply, lab, bug))
        if found is None:
            unchecked += 1
            continue
        catching = sorted(found - on_reference)
        if catching:
            caught[bug.id] = catching
        else:
            missed.append(bug.id)
    strength = Strength(caught, missed, unchecked, sorted(on_reference))
    if not unchecked:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(strength.record()))
    return strength
