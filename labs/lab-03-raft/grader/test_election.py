"""Leader election (Raft paper §5.2): a leader in time, re-elections, no leader without a quorum."""

import pytest
from raft_grading import grade


@pytest.mark.points(6)
def test_initial_election(partial_credit):
    """A leader is elected within 5 s and kept, in clusters of five and of three nodes."""
    grade(partial_credit, ("initial-election", range(100, 140)), ("initial-election-3", range(200, 220)))


@pytest.mark.points(5)
def test_reelection_after_partition(partial_credit):
    """A cut-off leader is replaced within 5 s and steps down quietly when it returns."""
    grade(partial_credit, ("reelection", range(300, 350)))


@pytest.mark.points(5)
def test_reelection_after_crash(partial_credit):
    """A crashed leader is replaced within 5 s; with three of five nodes down nobody is elected."""
    grade(partial_credit, ("leader-crash", range(400, 450)))


@pytest.mark.points(4)
def test_no_leader_without_quorum(partial_credit):
    """While no partition holds a majority no new leader appears and nothing commits."""
    grade(partial_credit, ("no-quorum", range(500, 540)))
