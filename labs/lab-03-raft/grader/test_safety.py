"""Safety under chaos, and deterministic replay."""

import random

import pytest
from raft.sim import format_event, replay_command
from raft_grading import grade, run, sweep

pytestmark = pytest.mark.part("C")


@pytest.mark.points(4)
@pytest.mark.hints(
    "Replay the seed and find the first violated property: the trace before it shows the message at fault.",
    "Check the rules that random runs reach only rarely: stale replies, late duplicates, terms in replies.",
)
def test_safety_under_chaos(partial_credit):
    """Seven nodes (and every other size) under random faults never violate a safety property and recover."""
    grade(partial_credit, *sweep("chaos", 1600, main=32, others=6))


@pytest.mark.points(2)
@pytest.mark.hints(
    "Draw every random number from the rng given to RaftNode, never from the random module.",
    "Take time only from `now`; never iterate over a set of objects whose order depends on addresses.",
)
def test_same_seed_same_run(partial_credit):
    """The same seed replays the identical run: randomness only from the given rng, no wall clock."""
    cases = [("unreliable-churn", 5, seed) for seed in (1700, 1701)] + [
        ("figure8", 5, 1703),
        ("chaos", 4, 1704),
    ]
    partial_credit.total = len(cases)
    for scenario, nodes, seed in cases:
        traces = []
        for global_seed in (1, 2):
            random.seed(global_seed)  # a node that uses the global `random` module now diverges
            outcome = run(scenario, seed, nodes, trace=True)
            if isinstance(outcome, str) or not outcome.ok:
                failure = outcome if isinstance(outcome, str) else outcome.failure
                partial_credit.check(
                    False,
                    f"{scenario} seed {seed}: the run failed: {failure} "
                    f"(replay: {replay_command(scenario, seed, nodes)})",
                )
                if "NotImplementedError" in str(failure):
                    return
                traces = []
                break
            traces.append(outcome.sim.trace)
        if not traces:
            continue
        first, second = traces
        differ = next(
            (k for k in range(max(len(first), len(second))) if first[k : k + 1] != second[k : k + 1]), None
        )
        where = ""
        if differ is not None:
            a, b = (format_event(t[differ]).strip() if differ < len(t) else "(end)" for t in traces)
            where = f"; event {differ} differs: first run '{a}', second run '{b}'"
        partial_credit.check(
            differ is None,
            f"{scenario} seed {seed}: two runs with the same seed diverged{where}. Draw every random number "
            "from the rng given to RaftNode and take time only from `now`",
        )
