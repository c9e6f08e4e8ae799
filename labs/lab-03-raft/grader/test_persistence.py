"""Persistence (Raft paper §5.4, Figure 2) in whole clusters: crashes, Figure 8, unreliable networks."""

import pytest
from raft_grading import grade, sweep

pytestmark = pytest.mark.part("C")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Everything in Figure 2's 'Persistent state' goes through storage.save before a message depends on it.",
    "A restarted node rebuilds current_term, voted_for and its log from storage in __init__.",
)
def test_committed_entries_survive_crashes(partial_credit):
    """Committed entries survive crashes of all nodes at once, of leaders, and of followers in turn."""
    grade(partial_credit, *sweep("persist", 1100, main=12, others=4))


@pytest.mark.points(3)
@pytest.mark.hints(
    "A crash can happen between any two events: save before you send, never after.",
    "apply starts again from index 1 after a restart: the state machine is in memory.",
)
def test_crash_and_restart_at_any_time(partial_credit):
    """Nodes crash and restart at random moments while clients propose; afterwards all agree."""
    grade(partial_credit, *sweep("crash-churn", 1200, main=20, others=5))


@pytest.mark.points(4)
@pytest.mark.hints(
    "Read Figure 8 of the paper: an entry replicated on a majority can still be overwritten if it is "
    "from an older term.",
    "Count replicas only for an entry of the leader's current term; committing it commits all before it.",
)
def test_figure8(partial_credit):
    """The Figure 8 pattern: entries from older terms are never committed by counting replicas."""
    grade(partial_credit, *sweep("figure8", 1300, main=24, others=6))


@pytest.mark.points(2)
@pytest.mark.hints(
    "Messages arrive late and twice: count each voter and each follower's highest match_index once.",
    "Ignore replies whose term is not your current term.",
)
def test_figure8_unreliable(partial_credit):
    """Figure 8 on a lossy, reordering network where leaders are cut off instead of crashed."""
    grade(partial_credit, *sweep("figure8-unreliable", 1400, main=16, others=4))


@pytest.mark.points(2)
@pytest.mark.hints(
    "Lost messages are never resent by the network: heartbeats and retries are the node's job.",
    "A follower's commit_index is min(leader_commit, index of the last entry the request verified).",
)
def test_unreliable_network_with_churn(partial_credit):
    """Crashes, restarts and partitions on a lossy, duplicating network; then everything recovers."""
    grade(partial_credit, *sweep("unreliable-churn", 1500, main=24, others=5))
