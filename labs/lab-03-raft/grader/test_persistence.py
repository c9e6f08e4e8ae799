"""Persistence (Raft paper §5.4, Figure 2): crashes, Figure 8, unreliable networks with churn."""

import pytest
from raft_grading import grade


@pytest.mark.points(6)
def test_committed_entries_survive_crashes(partial_credit):
    """Committed entries survive crashes of all nodes at once, of leaders, and of followers in turn."""
    grade(partial_credit, ("persist", range(1100, 1130)))


@pytest.mark.points(6)
def test_crash_and_restart_at_any_time(partial_credit):
    """Nodes crash and restart at random moments while clients propose; afterwards all agree."""
    grade(partial_credit, ("crash-churn", range(1200, 1250)))


@pytest.mark.points(7)
def test_figure8(partial_credit):
    """The Figure 8 pattern: entries from older terms are never committed by counting replicas."""
    grade(partial_credit, ("figure8", range(1300, 1360)))


@pytest.mark.points(5)
def test_figure8_unreliable(partial_credit):
    """Figure 8 on a lossy, reordering network where leaders are cut off instead of crashed."""
    grade(partial_credit, ("figure8-unreliable", range(1400, 1440)))


@pytest.mark.points(6)
def test_unreliable_network_with_churn(partial_credit):
    """Crashes, restarts and partitions on a lossy, duplicating network; then everything recovers."""
    grade(partial_credit, ("unreliable-churn", range(1500, 1560)))
