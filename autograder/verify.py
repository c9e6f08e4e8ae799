"""The lab author's check: the contract holds, reference → full marks and gate met, untouched stub → 0,
parts independent, every known bug caught, graders stable across repeats, and (with mutants) how many
mutants of the reference the graders kill."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from autograder import contract, mutants
from autograder.errors import UsageError
from autograder.grading import Target, expected_tests, grade, resolve_target
from autograder.manifest import Lab
from autograder.redact import HIDDEN
from autograder.results import ExpectedTest, LabResult, TestOutcome, format_points
from autograder.sandbox import Limits
from autograder.variants import Bug, bug_variant, depends_on, load_bugs, part_stubbed


@dataclass
class Verdict:
    lab: Lab
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    caught: dict[str, list[str]] = field(default_factory=dict)  # bug id -> grader tests that caught it
    killed: dict[str, list[str]] = field(default_factory=dict)  # mutant id -> grader tests that killed it

    @property
    def ok(self) -> bool:
        return not self.problems


def _reason(feedback: str) -> str:
    """The feedback's first line, with the line after it when the first only introduces a list."""
    lines = [line.strip() for line in feedback.splitlines() if line.strip()]
    reason = " ".join(lines[:2]) if len(lines) > 1 and lines[0].endswith(":") else "".join(lines[:1])
    return reason[:200] or "(no message)"


def failed_tests(result: LabResult) -> list[str]:
    """`test: first line of its feedback` for every gradable test that lost points."""
    return [
        f"{outcome.nodeid.split('::', 1)[-1]}: {_reason(outcome.feedback)}"
        for outcome in result.graded
        if outcome.lost_points
    ]


def _redacted(result: LabResult) -> list[str]:
    return [outcome.nodeid for outcome in result.outcomes if HIDDEN in outcome.feedback]


def _markers(lab: Lab, expected: list[ExpectedTest]) -> list[str]:
    problems = []
    total = sum(test.points for test in expected)
    if abs(total - lab.points) > 1e-9:
        problems.append(f"grader points add up to {total:g}, but lab.toml says points = {lab.points:g}")
    if lab.parts:
        known = {part.id for part in lab.parts}
        for test in expected:
            if test.part not in known:
                what = f"part {test.part!r}, not declared in lab.toml" if test.part else "no part marker"
                problems.append(f"grader test {test.nodeid} has {what}")
    return problems


def verify_lab(
    lab: Lab,
    python: str,
    repeat: int = 1,
    random_order: bool = False,
    log: Callable[[str], None] = print,
    bugs: bool = False,
    first_catch: bool = False,
    bug_sample: int | None = None,
    mutation: bool = False,
    mutant_sample: int | None = None,
) -> Verdict:
    verdict = Verdict(lab)
    verdict.problems += contract.check(lab)
    verdict.problems += mutants.problems(lab)
    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True)
    expected = expected_tests(lab, python, limits)
    verdict.problems += _markers(lab, expected)

    solution = grade(lab, resolve_target(lab, "solution"), python=python, with_strength=False)
    verdict.facts.append(
        f"solution {format_points(solution.score)}/{format_points(solution.max_score)}, "
        f"coverage {solution.gate.percent}%, {solution.execution_time:.1f} s"
    )
    log(f"  {lab.id}: {verdict.facts[-1]}")
    if solution.score < solution.max_score - 1e-9 or solution.critical_failures:
        verdict.problems.append("the reference solution loses points:")
        verdict.problems += [f"    {line}" for line in failed_tests(solution)]
    if not solution.gate.met:
        verdict.problems.append(
            f"the reference's model tests miss the gate: {solution.gate.percent}% "
            f"({solution.gate.tests_failed} failing) {solution.gate.problem}".rstrip()
        )

    stub = grade(lab, resolve_target(lab, "workspace"), python=python, with_strength=False)
    verdict.facts.append(
        f"stub {format_points(stub.score)}/{format_points(stub.max_score)}, {stub.execution_time:.1f} s"
    )
    log(f"  {lab.id}: {verdict.facts[-1]}")
    if stub.score > 0:
        earned = [o.nodeid.split("::", 1)[-1] for o in stub.graded if o.score > 0]
        verdict.problems.append(f"the untouched stub earns points in: {', '.join(earned)}")
    for name, result in (("reference", solution), ("stub", stub)):
        hidden = _redacted(result)
        if hidden:
            verdict.problems.append(f"the {name}'s feedback has redacted lines in: {', '.join(hidden)}")

    _check_parts(lab, python, verdict, log)
    if bugs:
        _check_bugs(lab, python, verdict, log, first_catch, bug_sample)
    if mutation:
        _check_mutants(lab, python, verdict, log, mutant_sample)
    if repeat > 1:
        _check_repeats(lab, python, repeat, random_order, solution, verdict, log)
    return verdict


def _check_parts(lab: Lab, python: str, verdict: Verdict, log: Callable[[str], None]) -> None:
    """Stub each part out in turn: tests of every part that does not build on it keep full points."""
    for part in lab.parts:
        if not part.api:
            continue

        def wanted(test: ExpectedTest, stubbed: str = part.id) -> bool:
            return test.part == stubbed or not depends_on(lab, test.part, stubbed)

        with part_stubbed(lab, part) as root:  # the parts that build on it would fail anyway: not run
            result = grade(
                lab, Target(f"part {part.id} stubbed", root), python=python, measure_gate=False,
                select=wanted, scope_note=f"part {part.id} stubbed",
            )  # fmt: skip
        independent = [o for o in result.graded if o.part != part.id and not depends_on(lab, o.part, part.id)]
        lost = [o for o in independent if o.lost_points]
        own = [o for o in result.graded if o.part == part.id]
        if lost:
            verdict.problems.append(
                f"part independence: with part {part.id} stubbed, other parts lose points:"
            )
            verdict.problems += [
                f"    [{o.part or '-'}] {o.nodeid.split('::', 1)[-1]}: {_reason(o.feedback)}" for o in lost
            ]
        if own and not any(o.lost_points for o in own):
            verdict.problems.append(
                f"part {part.id}: stubbing its api costs none of its tests (is api right?)"
            )
        fact = f"part {part.id} stubbed: {len(independent) - len(lost)}/{len(independent)} independent tests keep full points"
        verdict.facts.append(fact)
        log(f"  {lab.id}: {fact}")


class _Caught(Exception):
    """Raised from an outcome callback to stop grading a bug at the first test that catches it."""

    def __init__(self, nodeid: str) -> None:
        super().__init__(nodeid)
        self.nodeid = nodeid


def _stop_at_first_catch(outcome: TestOutcome) -> None:
    if not outcome.ungradable and outcome.lost_points:
        raise _Caught(outcome.nodeid)


def bug_catchers(lab: Lab, python: str, bug: Bug, first_catch: bool) -> list[str]:
    """The grader tests that lose points on `bug` (with `first_catch`: the first one found, the bug's own
    part graded first)."""
    with bug_variant(lab, bug) as root:
        return catching_tests(lab, python, Target(f"bug {bug.id}", root), bug.part, first_catch)


def catching_tests(lab: Lab, python: str, target: Target, part: str, first_catch: bool) -> list[str]:
    """The grader tests that lose points on a variant of the reference (with `first_catch`: the first one
    found, the tests of `part` graded first)."""
    if not first_catch:
        result = grade(lab, target, python=python, measure_gate=False)
        return [o.nodeid for o in result.graded if o.lost_points]
    own = [lambda t: t.part == part, lambda t: t.part != part] if part else [lambda t: True]
    for chosen in own:
        try:
            grade(lab, target, python=python, measure_gate=False, select=chosen, scope_note="variant check",
                  on_outcome=_stop_at_first_catch)  # fmt: skip
        except _Caught as caught:
            return [caught.nodeid]
        except UsageError as exc:
            if "no grader test matches" not in str(exc):
                raise
    return []


def sample_bugs(corpus: list[Bug], size: int | None) -> list[Bug]:
    """`size` bugs spread over the whole corpus (every k-th, so each part is represented), or all of them."""
    if size is None or size >= len(corpus):
        return corpus
    step = len(corpus) / size
    return [corpus[int(i * step)] for i in range(size)]


def _check_bugs(
    lab: Lab,
    python: str,
    verdict: Verdict,
    log: Callable[[str], None],
    first_catch: bool,
    sample: int | None = None,
) -> None:
    """Grade every bug of the corpus (or a sample): each must lose points; say which tests caught it."""
    whole = load_bugs(lab)
    corpus = sample_bugs(whole, sample)
    missed = []
    for bug in corpus:
        caught = bug_catchers(lab, python, bug, first_catch)
        verdict.caught[bug.id] = caught
        if not caught:
            missed.append(bug)
        names = ", ".join(nodeid.split("::", 1)[-1] for nodeid in caught[:4])
        more = f" and {len(caught) - 4} more" if len(caught) > 4 else ""
        log(
            f"    bug {bug.id}: "
            + (f"caught by {len(caught)} ({names}{more})" if caught else "NOT CAUGHT: full marks")
        )
    for bug in missed:
        verdict.problems.append(f"bug {bug.id} gets full marks: {bug.description}")
    checked = f" (a sample of the {len(whole)} in the corpus)" if len(corpus) < len(whole) else ""
    fact = f"bug corpus: {len(corpus) - len(missed)} of {len(corpus)} bugs lose points{checked}"
    verdict.facts.append(fact)
    log(f"  {lab.id}: {fact}")


def _check_mutants(
    lab: Lab, python: str, verdict: Verdict, log: Callable[[str], None], sample: int | None
) -> None:
    """Grade every mutant of the reference (or a seeded sample of them) with first-catch semantics, like a
    bug of the corpus; report the kill rate (equivalent mutants left out) and every survivor."""
    started = time.monotonic()
    generated = mutants.generate(lab)
    equivalent = {e.id for e in mutants.load_equivalents(lab, {m.id for m in generated})}
    chosen = mutants.sample(generated, sample)  # drawn before the equivalent ones are left out: listing
    graded = [mutant for mutant in chosen if mutant.id not in equivalent]  # one keeps the sample
    survivors = []
    for number, mutant in enumerate(graded, 1):
        with mutants.mutant_variant(lab, mutant) as root:
            target = Target(f"mutant {mutant.id}", root)
            killers = catching_tests(lab, python, target, mutants.part_of(lab, mutant), first_catch=True)
        verdict.killed[mutant.id] = killers
        if not killers:
            survivors.append(mutant)
        outcome = f"killed by {killers[0].split('::', 1)[-1]}" if killers else "SURVIVED"
        log(f"    mutant {number}/{len(graded)} {mutant.describe()}: {outcome}")
    killed = len(graded) - len(survivors)
    rate = 100.0 * killed / len(graded) if graded else 100.0
    seed = mutants.MUTANT_SEED
    drawn = "all sampled" if len(chosen) == len(generated) else f"{len(chosen)} sampled (seed {seed})"
    fact = (
        f"mutants: {len(generated)} generated, {drawn}, {len(chosen) - len(graded)} equivalent (excluded), "
        f"{killed} killed, {len(survivors)} survived: kill rate {rate:.1f}% ({time.monotonic() - started:.0f} s)"
    )
    verdict.facts.append(fact)
    log(f"  {lab.id}: {fact}")
    for mutant in survivors:
        log(f"    survived {mutant.describe()}  [{mutant.id}]")
    if rate < mutants.KILL_TARGET:
        verdict.problems.append(
            f"the graders kill {rate:.1f}% of the mutants graded (target {mutants.KILL_TARGET:g}%); survivors:"
        )
        verdict.problems += [f"    {mutant.describe()}  [{mutant.id}]" for mutant in survivors]


def _check_repeats(
    lab: Lab,
    python: str,
    repeat: int,
    random_order: bool,
    first: LabResult,
    verdict: Verdict,
    log: Callable[[str], None],
) -> None:
    seen: dict[str, dict[bool, str]] = {o.nodeid: {o.passed: o.feedback} for o in first.graded}
    for run in range(1, repeat):
        again = grade(
            lab, resolve_target(lab, "solution"), python=python,
            shuffle_seed=run if random_order else None, measure_gate=False,
        )  # fmt: skip
        for outcome in again.graded:
            seen.setdefault(outcome.nodeid, {}).setdefault(outcome.passed, outcome.feedback)
        log(
            f"  {lab.id}: repeat {run + 1}/{repeat}: {format_points(again.score)}/{format_points(again.max_score)}"
        )
    flaky = sorted(nodeid for nodeid, outcomes in seen.items() if len(outcomes) > 1)
    order = "in random order " if random_order else ""
    verdict.facts.append(f"{repeat} runs {order}on the reference: {len(flaky)} flaky tests")
    log(f"  {lab.id}: {verdict.facts[-1]}")
    if flaky:
        verdict.problems.append("flaky grader tests (passed in one run, failed in another):")
        verdict.problems += [
            f"    {nodeid.split('::', 1)[-1]}: {_reason(seen[nodeid][False])}" for nodeid in flaky
        ]
