"""Log replication (Raft paper §5.3) in whole clusters: agreement, majorities, backup, message budgets."""

import pytest
from raft_grading import grade, sweep

pytestmark = pytest.mark.part("B")


@pytest.mark.points(3)
@pytest.mark.hints(
    "While no partition holds a majority, no leader may be elected and nothing may commit.",
    "In a cluster of four, two nodes are exactly half: not a majority, neither for votes nor for commits.",
)
def test_no_leader_without_quorum(partial_credit):
    """While no partition holds a majority no new leader appears and nothing commits."""
    grade(partial_credit, *sweep("no-quorum", 500, main=16, others=5))


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "propose appends to the leader's log; the next tick ships the new entries to every follower.",
    "A follower acknowledges with match_index = prev_log_index + len(entries); the leader counts these.",
    "On the reordering network AppendEntries overtake each other: an older one arriving late must not "
    "undo what a newer one appended.",
)
def test_agreement(partial_credit):
    """Proposals one by one, in a burst and in a steady stream are applied everywhere, in order."""
    grade(partial_credit, *sweep("agreement", 600, main=16, others=4))


@pytest.mark.points(3)
@pytest.mark.hints(
    "Commits need a majority of the whole cluster, the leader included; crashed nodes still count in n.",
    "After the restarts the lagging nodes must be brought up to date by the leader's backup logic.",
)
def test_progress_needs_a_majority(partial_credit):
    """Commits continue with a minority down, stop without a majority, and resume after restarts."""
    grade(partial_credit, *sweep("minority-failure", 700, main=16, others=4))


@pytest.mark.points(3)
@pytest.mark.hints(
    "The cut-off leader's entries never reached a majority; the new leader's log wins.",
    "A follower deletes its entries from the first one whose term conflicts with the leader's, then appends.",
)
def test_uncommitted_entries_discarded(partial_credit):
    """A cut-off leader's uncommitted entries are discarded when it rejoins the majority."""
    grade(partial_credit, *sweep("rejoin", 800, main=16, others=4))


@pytest.mark.points(4)
@pytest.mark.hints(
    "A rejection carries conflict_term and conflict_index; use them to skip a whole term at once.",
    "A follower whose log is too short answers conflict_term 0 and conflict_index len(log) + 1.",
)
def test_fast_log_backup(partial_credit):
    """Followers 50+ entries behind catch up with at most 10 rejected AppendEntries each."""
    grade(partial_credit, *sweep("backup", 900, main=16, others=4))


@pytest.mark.points(5)
@pytest.mark.hints(
    "Heartbeats go out every heartbeat_interval, not on every tick.",
    "Send a follower only the entries it lacks, and let proposals made before a tick travel together.",
)
def test_message_budgets(partial_credit):
    """Elections, idle heartbeats and replication stay within the README's message budgets."""
    grade(partial_credit, *sweep("budget", 1000, main=10, others=2))
