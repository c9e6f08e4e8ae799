"""Shared grading loop: run a scenario of the given simulator over many seeds and cluster sizes.

Every scenario runs at its own size with most of the seeds and at every other size it supports (two to
seven nodes, even sizes included) with a few: even clusters exist in practice while a node is being added
or removed, and majority arithmetic that is right for 3, 5 and 7 nodes is often wrong for 2, 4 and 6.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from raft.sim import SCENARIOS, InvariantViolation, NodeError, Outcome, replay_command, run_scenario

TIME_BUDGET = 20.0  # CPU seconds of grading per test before the remaining seeds are counted as failed

Run = tuple[str, int, Iterable[int]]  # (scenario, cluster size, seeds)


def sweep(scenario: str, base: int, main: int, others: int) -> list[Run]:
    """`main` seeds at the scenario's own size, `others` seeds at each other size it runs on."""
    spec = SCENARIOS[scenario]
    runs: list[Run] = [(scenario, spec.nodes, range(base, base + main))]
    for size in spec.sizes:
        if size != spec.nodes:
            start = base + 100 * size
            runs.append((scenario, size, range(start, start + others)))
    return runs


def run(scenario: str, seed: int, nodes: int, **options: Any) -> Outcome | str:
    """The outcome of one run, or a description of why the run could not even start."""
    try:
        return run_scenario(scenario, seed, nodes=nodes, **options)
    except Exception as exc:  # e.g. raft.node does not import
        return f"{type(exc).__name__}: {exc}"


def grade(partial_credit: Any, *runs: Run) -> None:
    """One partial-credit case per (scenario, size, seed), with feedback naming the seed, the first violated
    property and how to replay the run locally.

    Liveness and budget failures cost only their own seed. A safety violation (an InvariantViolation)
    in any seed voids the whole test: safety is not a matter of percentages.
    """
    cases = [(scenario, nodes, seed) for scenario, nodes, seeds in runs for seed in seeds]
    partial_credit.total = len(cases)
    passed: list[tuple[str, int, int]] = []
    unsafe = False
    started = time.process_time()  # CPU time: a busy machine slows the runs down but cannot fail them
    for done, (scenario, nodes, seed) in enumerate(cases):
        if time.process_time() - started > TIME_BUDGET:
            partial_credit.check(
                False,
                f"stopped after {done} of {len(cases)} runs: {TIME_BUDGET:.0f} s of CPU time used up "
                "(the reference needs well under 2 s); look for work that grows with the log on every event",
            )
            break
        outcome = run(scenario, seed, nodes, trace=False)
        where = f"{scenario} on {nodes} nodes, seed {seed}"
        if isinstance(outcome, str):
            partial_credit.check(False, f"{where}: could not run the simulation: {outcome}")
            break
        if outcome.ok:
            passed.append((scenario, nodes, seed))
            continue
        unsafe = unsafe or isinstance(outcome.failure, InvariantViolation)
        partial_credit.check(
            False, f"{where}: {outcome.failure} (replay: {replay_command(scenario, seed, nodes)})"
        )
        if isinstance(outcome.failure, NodeError) and "NotImplementedError" in str(outcome.failure):
            break  # every other run would fail the same way
    for scenario, nodes, seed in passed:
        partial_credit.check(
            not unsafe,
            f"{scenario} on {nodes} nodes, seed {seed} passed, but a safety violation elsewhere voids the test",
        )
