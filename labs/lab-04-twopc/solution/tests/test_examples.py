"""Example tests: they pass on a finished lab. Add your own (the coverage gate counts only your tests)."""

from __future__ import annotations

import pytest
from conftest import NAMES, add, balances, prepared
from sqlalchemy import create_engine
from twopc import (
    Coordinator,
    CoordinatorCrash,
    CrashPoint,
    DecisionLog,
    FaultPlan,
    Outcome,
    demonstrate_lost_update,
    make_gid,
    parse_gid,
)
from twopc.isolation import create_accounts


def participants(bank):
    return {name: bank[name] for name in NAMES}


def test_gid_round_trip():
    gid = make_gid("t-1", "alpha")
    assert len(gid.encode()) < 200
    assert parse_gid(gid) == ("t-1", "alpha")
    assert parse_gid("someone-elses-gid") is None


def test_commit_moves_money(bank):
    coordinator = Coordinator(participants(bank), DecisionLog(bank["coord"]))
    assert coordinator.run("t-1", {"alpha": add(1, -30), "beta": add(2, 30)}) is Outcome.COMMITTED
    assert balances(bank)[("alpha", 1)] == 70 and balances(bank)[("beta", 2)] == 130
    assert prepared(bank["alpha"]) == []


def test_failing_work_aborts(bank):
    def boom(conn):
        raise RuntimeError("no")

    coordinator = Coordinator(participants(bank), DecisionLog(bank["coord"]))
    assert coordinator.run("t-2", {"alpha": add(1, -30), "beta": boom}) is Outcome.ABORTED
    assert set(balances(bank).values()) == {100}


def test_crash_after_decision_then_recover(bank):
    crashing = Coordinator(
        participants(bank), DecisionLog(bank["coord"]), faults=FaultPlan(CrashPoint.AFTER_DECISION)
    )
    with pytest.raises(CoordinatorCrash):
        crashing.run("t-3", {"alpha": add(1, -5), "gamma": add(1, 5)})
    assert prepared(bank["alpha"]) == [make_gid("t-3", "alpha")]  # in doubt, holding its locks
    report = Coordinator(participants(bank), DecisionLog(bank["coord"])).recover()
    assert sorted(report.committed) == [("alpha", "t-3"), ("gamma", "t-3")]
    assert balances(bank)[("gamma", 1)] == 105


def test_lost_update_under_read_committed(make_database):
    engine = create_engine(make_database("iso"))
    create_accounts(engine, {1: 100})
    result = demonstrate_lost_update(engine, 1, "READ COMMITTED")
    assert result.lost_update and result.final == 120
    engine.dispose()
