"""Leader election (Raft paper §5.2) in whole clusters: a leader in time, re-elections after failures."""

import pytest
from raft_grading import grade, sweep

pytestmark = pytest.mark.part("A")


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Start with the election alone: a follower that hears nothing for its election timeout campaigns.",
    "A leader must send every follower an AppendEntries at least every heartbeat_interval, or they campaign.",
    "Replay a failing seed with `python -m raft.sim initial-election --seed N --trace` and look at who "
    "timed out first and why the others did not vote for it.",
)
def test_initial_election(partial_credit):
    """A leader is elected within 5 s and kept, in clusters of two to seven nodes."""
    grade(
        partial_credit,
        *sweep("initial-election", 100, main=16, others=5),
        ("initial-election-3", 3, range(200, 208)),
    )


@pytest.mark.points(4)
@pytest.mark.hints(
    "The cut-off leader keeps its old term; the others elect a leader of a newer term without it.",
    "When the old leader comes back, the first message carrying the newer term must make it a follower.",
    "A node that comes back must not disrupt the new leader: it has no reason to campaign while it hears "
    "heartbeats of the current term.",
)
def test_reelection_after_partition(partial_credit):
    """A cut-off leader is replaced within 5 s and steps down quietly when it returns."""
    grade(partial_credit, *sweep("reelection", 300, main=20, others=5))


@pytest.mark.points(4)
@pytest.mark.hints(
    "A crashed leader stops sending heartbeats; the followers' election timers must be running.",
    "With a majority down nobody may win: count votes against the whole cluster, not the nodes you hear.",
)
def test_reelection_after_crash(partial_credit):
    """A crashed leader is replaced within 5 s; with a majority of the nodes down nobody is elected."""
    grade(partial_credit, *sweep("leader-crash", 400, main=20, others=5))
