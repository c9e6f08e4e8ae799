"""Log replication (Raft paper §5.3): agreement, progress with a majority, backup, message budgets."""

import pytest
from raft_grading import grade


@pytest.mark.points(5)
def test_agreement(partial_credit):
    """Proposals one by one, in a burst and in a steady stream are applied everywhere, in order."""
    grade(partial_credit, ("agreement", range(600, 640)))


@pytest.mark.points(5)
def test_progress_needs_a_majority(partial_credit):
    """Commits continue with a minority down, stop without a majority, and resume after restarts."""
    grade(partial_credit, ("minority-failure", range(700, 740)))


@pytest.mark.points(5)
def test_uncommitted_entries_discarded(partial_credit):
    """A cut-off leader's uncommitted entries are discarded when it rejoins the majority."""
    grade(partial_credit, ("rejoin", range(800, 840)))


@pytest.mark.points(7)
def test_fast_log_backup(partial_credit):
    """Followers 50+ entries behind catch up with at most 10 rejected AppendEntries each."""
    grade(partial_credit, ("backup", range(900, 940)))


@pytest.mark.points(8)
def test_message_budgets(partial_credit):
    """Elections, idle heartbeats and replication stay within the README's message budgets."""
    grade(partial_credit, ("budget", range(1000, 1025)))
