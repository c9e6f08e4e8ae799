"""Shared grading loop: run a scenario of the graders' own simulator over many seeds, one credit each."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import raft_harness as harness

TIME_BUDGET = 20.0  # seconds of grading per test before the remaining seeds are counted as failed


def replay(scenario: str, seed: int) -> str:
    return f"replay: python -m raft.sim {scenario} --seed {seed}"


def run(scenario: str, seed: int, **options: Any) -> harness.Outcome | str:
    """The outcome of one run, or a description of why the run could not even start."""
    try:
        return harness.run_scenario(scenario, seed, **options)
    except Exception as exc:  # e.g. raft.node does not import
        return f"{type(exc).__name__}: {exc}"


def grade(partial_credit: Any, *runs: tuple[str, Iterable[int]]) -> None:
    """One partial-credit case per (scenario, seed), with feedback naming the seed, the first violated
    property and how to replay the run locally.

    Liveness and budget failures cost only their own seed. A safety violation (an InvariantViolation)
    in any seed voids the whole test: safety is not a matter of percentages.
    """
    cases = [(scenario, seed) for scenario, seeds in runs for seed in seeds]
    partial_credit.total = len(cases)
    passed: list[tuple[str, int]] = []
    unsafe = False
    started = time.perf_counter()
    for done, (scenario, seed) in enumerate(cases):
        if time.perf_counter() - started > TIME_BUDGET:
            partial_credit.check(
                False,
                f"stopped after {done} of {len(cases)} runs: {TIME_BUDGET:.0f} s of grading time used up "
                "(the reference needs about 2 s); look for work that grows with the log on every event",
            )
            break
        outcome = run(scenario, seed, trace=False)
        if isinstance(outcome, str):
            partial_credit.check(False, f"{scenario} seed {seed}: could not run the simulation: {outcome}")
            break
        if outcome.ok:
            passed.append((scenario, seed))
            continue
        unsafe = unsafe or isinstance(outcome.failure, harness.InvariantViolation)
        partial_credit.check(False, f"{scenario} seed {seed}: {outcome.failure} ({replay(scenario, seed)})")
        if isinstance(outcome.failure, harness.NodeError) and "NotImplementedError" in str(outcome.failure):
            break  # every other run would fail the same way
    for scenario, seed in passed:
        partial_credit.check(
            not unsafe, f"{scenario} seed {seed} passed, but a safety violation elsewhere voids the test"
        )
