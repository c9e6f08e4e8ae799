"""Coordinator crashes at every point of the protocol, then recovery by a fresh coordinator."""

from __future__ import annotations

import pytest
from bank_harness import PARTICIPANTS, Bank, credit, debit, initial_balances
from twopc import Coordinator, CoordinatorCrash, CrashPoint, DecisionLog, FaultPlan, Outcome


def work(row: int) -> dict:
    """alpha pays 100 from account `row`; beta and gamma receive 60 and 40 on account `row`."""
    return {"alpha": debit(row, 100), "beta": credit(row, 60), "gamma": credit(row, 40)}


def moved(*rows: int) -> dict[tuple[str, int], int]:
    """The balances once the transfer on each of `rows` is applied (default: account 1)."""
    expected = initial_balances()
    for row in rows or (1,):
        for key, delta in {("alpha", row): -100, ("beta", row): 60, ("gamma", row): 40}.items():
            expected[key] += delta
    return expected


def crash(bank: Bank, txid: str, plan: FaultPlan, row: int = 1) -> None:
    """Run the transfer with a coordinator that crashes as planned; the crashed coordinator is discarded.

    A transaction left in doubt keeps its row locks, so transfers after it must use other accounts.
    """
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()), faults=plan)
    try:
        outcome = coordinator.run(txid, work(row))
    except CoordinatorCrash:
        return
    raise AssertionError(
        f"with {plan} run() returned {outcome!r}; "
        "it must let the CoordinatorCrash from FaultPlan.check propagate"
    )


def recover(bank: Bank):
    """A fresh coordinator (new engines, new DecisionLog over the same database) runs recover()."""
    return Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine())).recover()


def in_doubt(bank: Bank, txid: str) -> list[str]:
    """Participants holding a prepared transaction whose gid mentions txid."""
    found = bank.prepared().items()
    return [name for name, gids in found if any(txid in gid and name in gid for gid in gids)]


def pairs(items) -> list[tuple[str, str]]:
    return sorted((str(a), str(b)) for a, b in items)


def assert_resolved(bank: Bank, expected: dict, what: str) -> None:
    assert bank.balances() == expected, (
        f"{what}: after recover() the balances are wrong (money not conserved?)"
    )
    leftover = bank.prepared()
    assert not any(leftover.values()), f"{what}: after recover() prepared transactions remain: {leftover}"
    stuck = bank.locked()
    assert not stuck, f"{what}: after recover() locks are still held on {stuck}"


@pytest.mark.points(5)
def test_crash_before_prepare_then_recover(bank: Bank):
    """A crash after the work but before any PREPARE leaves nothing behind; recover() changes nothing."""
    crash(bank, "t-crash-before", FaultPlan(CrashPoint.BEFORE_PREPARE))
    assert not in_doubt(bank, "t-crash-before"), "a crash before any PREPARE must leave nothing prepared"
    report = recover(bank)
    assert pairs(report.committed) == [] and pairs(report.rolled_back) == [], (
        f"recover() found work to do after a crash before any PREPARE: {report}"
    )
    assert_resolved(bank, initial_balances(), "crash before prepare")


@pytest.mark.points(10)
def test_crash_after_some_prepares_then_recover(bank: Bank, partial_credit):
    """A crash after preparing k of 3 leaves k in doubt, holding locks; recover() rolls them back."""
    partial_credit.total = len(PARTICIPANTS)
    for k in range(1, len(PARTICIPANTS) + 1):
        txid = f"t-crash-prep-{k}"
        crash(bank, txid, FaultPlan(CrashPoint.AFTER_PREPARE, k))
        doubtful = in_doubt(bank, txid)
        if doubtful != list(PARTICIPANTS[:k]):
            partial_credit.check(
                False,
                f"k={k}: after a crash once {k} participant(s) prepared, expected prepared gids "
                f"(mentioning txid and participant) on {list(PARTICIPANTS[:k])}, found them on {doubtful}; "
                "prepare in the order of `participants` and do no cleanup when crashing",
            )
            continue
        stuck = bank.locked()
        if stuck != list(PARTICIPANTS[:k]):
            partial_credit.check(
                False, f"k={k}: in-doubt participants must still hold their locks; locked: {stuck}"
            )
            continue
        report = recover(bank)
        expected_report = sorted((name, txid) for name in PARTICIPANTS[:k])
        if pairs(report.rolled_back) != expected_report or pairs(report.committed):
            partial_credit.check(
                False,
                f"k={k}: no decision was logged, so recover() must roll back {expected_report}; got {report}",
            )
            continue
        try:
            assert_resolved(bank, initial_balances(), f"k={k}")
        except AssertionError as failure:
            partial_credit.check(False, str(failure))
            continue
        partial_credit.check(True, "")


@pytest.mark.points(9)
def test_crash_after_decision_then_recover(bank: Bank):
    """A crash right after the commit decision was logged: recover() must commit everywhere."""
    crash(bank, "t-crash-decided", FaultPlan(CrashPoint.AFTER_DECISION))
    assert in_doubt(bank, "t-crash-decided") == list(PARTICIPANTS), (
        "after a crash at AFTER_DECISION every participant must still be prepared "
        "(commit only after deciding)"
    )
    decision = DecisionLog(bank.coordinator_engine()).lookup("t-crash-decided")
    assert decision is Outcome.COMMITTED, (
        "the commit decision must be durably logged before any COMMIT PREPARED; "
        f"a fresh log says {decision!r}"
    )
    report = recover(bank)
    assert pairs(report.committed) == [(name, "t-crash-decided") for name in PARTICIPANTS], (
        f"recover() must commit every participant of a transaction logged COMMITTED; got {report}"
    )
    assert_resolved(bank, moved(), "crash after decision")


@pytest.mark.points(7)
def test_crash_after_some_commits_then_recover(bank: Bank, partial_credit):
    """A crash after committing k of 3: recover() commits the rest."""
    partial_credit.total = 2
    for k in (1, 2):
        txid = f"t-crash-commit-{k}"
        crash(bank, txid, FaultPlan(CrashPoint.AFTER_COMMIT, k), row=k)
        doubtful = in_doubt(bank, txid)
        if doubtful != list(PARTICIPANTS[k:]):
            partial_credit.check(
                False,
                f"k={k}: after committing {k} participant(s) expected "
                f"{list(PARTICIPANTS[k:])} still prepared, found {doubtful}",
            )
            break
        report = recover(bank)
        if pairs(report.committed) != [(name, txid) for name in PARTICIPANTS[k:]]:
            partial_credit.check(
                False, f"k={k}: recover() must commit the remaining participants; got {report}"
            )
            break
        try:
            assert_resolved(bank, moved(*range(1, k + 1)), f"k={k}")
        except AssertionError as failure:
            partial_credit.check(False, str(failure))
            break
        partial_credit.check(True, "")


@pytest.mark.points(4)
def test_recovery_is_idempotent(bank: Bank):
    """Running recover() again (or on several fresh coordinators) changes nothing and reports nothing."""
    crash(bank, "t-idem-commit", FaultPlan(CrashPoint.AFTER_COMMIT, 1))
    crash(bank, "t-idem-abort", FaultPlan(CrashPoint.AFTER_PREPARE, 2), row=2)
    first = recover(bank)
    assert len(first.committed) == 2 and len(first.rolled_back) == 2, f"first recover() resolved {first}"
    for attempt in (2, 3):
        again = recover(bank)
        assert pairs(again.committed) == [] and pairs(again.rolled_back) == [], (
            f"recover() number {attempt} must find nothing left to resolve; got {again}"
        )
    assert_resolved(bank, moved(), "recover() run three times")


@pytest.mark.points(4)
def test_recovery_leaves_foreign_transactions_alone(bank: Bank, fresh_database):
    """recover() resolves only its own gids, in each participant's own database."""
    from sqlalchemy import text

    other_url = fresh_database("other")
    with bank.engine(other_url).connect() as conn:  # an unrelated database on the same server
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.execute(text("PREPARE TRANSACTION 'twopc:t-elsewhere:alpha'"))
    with bank.engine(bank.urls["alpha"]).connect() as conn:  # another application's transaction on alpha
        conn.execute(text("UPDATE accounts SET balance = balance WHERE id = 4"))
        conn.execute(text("PREPARE TRANSACTION 'inventory-42'"))
    crash(bank, "t-mine", FaultPlan(CrashPoint.AFTER_DECISION))
    report = recover(bank)
    assert pairs(report.committed) == [(name, "t-mine") for name in PARTICIPANTS], (
        f"recover() must commit its own in-doubt transaction everywhere; got {report}"
    )
    assert bank.prepared()["alpha"] == ["inventory-42"], (
        "recover() must leave prepared transactions it did not create alone (gid 'inventory-42' on alpha)"
    )
    with bank.engine(other_url).connect() as conn:
        query = "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
        left = list(conn.execute(text(query)).scalars())
    assert left == ["twopc:t-elsewhere:alpha"], (
        "recover() must only look at prepared transactions of the participant's own database "
        "(pg_prepared_xacts lists the whole server)"
    )


@pytest.mark.points(6)
def test_server_restart_with_in_doubt_transactions(bank: Bank, restart_postgres):
    """In-doubt transactions survive a server crash-restart; recover() afterwards resolves them correctly."""
    crash(bank, "t-restart-commit", FaultPlan(CrashPoint.AFTER_DECISION))
    crash(bank, "t-restart-abort", FaultPlan(CrashPoint.AFTER_PREPARE, 2), row=2)
    bank.dispose()
    restart_postgres()
    assert in_doubt(bank, "t-restart-commit") == list(PARTICIPANTS), (
        "expected 3 in-doubt gids after the restart"
    )
    assert bank.locked() == list(PARTICIPANTS), "prepared transactions keep their locks across a restart"
    report = recover(bank)
    assert pairs(report.committed) == [(n, "t-restart-commit") for n in PARTICIPANTS], (
        f"after the restart recover() must commit the transaction logged COMMITTED; got {report}"
    )
    assert pairs(report.rolled_back) == [(n, "t-restart-abort") for n in PARTICIPANTS[:2]], (
        f"after the restart recover() must roll back the undecided transaction; got {report}"
    )
    assert_resolved(bank, moved(), "after a server restart")
