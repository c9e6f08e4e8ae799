"""Two-phase commit without crashes: commit, abort on failed work, failed prepare or refusal."""

from __future__ import annotations

import pytest
from bank_harness import PARTICIPANTS, Bank, credit, debit, failing, initial_balances, uses_temp_table
from twopc import Coordinator, DecisionLog, FaultPlan, Outcome, make_gid, parse_gid


@pytest.mark.points(3)
def test_gids_are_unique_short_and_traceable(partial_credit):
    """make_gid gives unique gids under 200 bytes that parse_gid maps back to (txid, participant)."""
    partial_credit.total = 5
    pairs = [("t1", "alpha"), ("t1", "beta"), ("t2", "alpha"), ("t-1.x_y", "gamma"), ("x" * 100, "p" * 60)]
    gids = [make_gid(txid, name) for txid, name in pairs]
    partial_credit.check(
        len({str(g) for g in gids}) == len(pairs),
        "make_gid must give a different gid for each (txid, participant)",
    )
    partial_credit.check(
        all(type(g) is str and len(g.encode()) < 200 for g in gids),
        "every gid must be a str shorter than 200 bytes (PostgreSQL's limit), even for a 100-character txid",
    )
    partial_credit.check(
        all(tuple(parse_gid(g) or ()) == pair for g, pair in zip(gids, pairs, strict=True)),
        "parse_gid(make_gid(txid, name)) must give back (txid, name)",
    )
    partial_credit.check(
        all(parse_gid(g) is None for g in ("inventory-42", "", "other:t1:alpha")),
        "parse_gid must return None for gids this coordinator did not make (e.g. 'inventory-42')",
    )
    rejected = 0
    for txid in ("x" * 300, "it's", ""):
        try:
            make_gid(txid, "alpha")
        except ValueError:
            rejected += 1
    partial_credit.check(
        rejected == 3, "make_gid must raise ValueError for a txid that is empty, too long or has a quote"
    )


@pytest.mark.points(7)
def test_commit_applies_everywhere(bank: Bank):
    """A distributed transfer commits on every participant, logs COMMITTED and leaves nothing prepared."""
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    outcome = coordinator.run("t-commit-1", {"alpha": debit(1, 100), "gamma": credit(2, 100)})
    assert outcome is Outcome.COMMITTED, f"run() returned {outcome!r}, expected Outcome.COMMITTED"
    outcome = coordinator.run(
        "t-commit-2", {"beta": debit(3, 30), "alpha": credit(3, 10), "gamma": credit(4, 20)}
    )
    assert outcome is Outcome.COMMITTED, f"a three-participant run() returned {outcome!r}, expected COMMITTED"
    expected = initial_balances()
    moves = {("alpha", 1): -100, ("gamma", 2): 100, ("beta", 3): -30, ("alpha", 3): 10, ("gamma", 4): 20}
    for key, delta in moves.items():
        expected[key] += delta
    assert bank.balances() == expected, "after two committed transfers the balances are not what the work did"
    leftover = bank.prepared()
    assert not any(leftover.values()), f"prepared transactions were left behind after COMMITTED: {leftover}"
    stuck = bank.locked()
    assert not stuck, f"locks are still held on {stuck} after the transaction committed"
    fresh_log = DecisionLog(bank.coordinator_engine())
    assert fresh_log.lookup("t-commit-1") is Outcome.COMMITTED, (
        "the commit decision must be stored in the coordinator's database "
        "(a fresh DecisionLog cannot find it)"
    )
    assert fresh_log.lookup("t-never-ran") is None, "lookup() of an unknown txid must return None"


def _assert_aborted_cleanly(bank: Bank, outcome: object, what: str) -> None:
    assert outcome is Outcome.ABORTED, f"{what}: run() returned {outcome!r}, expected Outcome.ABORTED"
    assert bank.balances() == initial_balances(), f"{what}: an aborted transaction changed some balances"
    leftover = bank.prepared()
    assert not any(leftover.values()), (
        f"{what}: prepared transactions were left behind {leftover}; "
        "ROLLBACK PREPARED the ones already prepared"
    )
    stuck = bank.locked()
    assert not stuck, (
        f"{what}: locks are still held on {stuck} (an open or prepared transaction was not ended)"
    )


@pytest.mark.points(5)
def test_failing_work_aborts_everywhere(bank: Bank):
    """When one participant's work raises (or hits a constraint), the transaction aborts everywhere."""
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    outcome = coordinator.run("t-fail-1", {"alpha": debit(1, 10), "beta": credit(1, 10), "gamma": failing})
    _assert_aborted_cleanly(bank, outcome, "work of the last participant raised")
    outcome = coordinator.run("t-fail-2", {"alpha": failing, "beta": credit(1, 10)})
    _assert_aborted_cleanly(bank, outcome, "work of the first participant raised")
    outcome = coordinator.run("t-fail-3", {"alpha": credit(2, 5000), "beta": debit(2, 5000)})
    _assert_aborted_cleanly(bank, outcome, "a participant could not pay (overdraft)")
    assert coordinator.run("t-fail-4", {"alpha": debit(1, 1), "beta": credit(1, 1)}) is Outcome.COMMITTED, (
        "the coordinator must still work after aborted transactions"
    )


@pytest.mark.points(5)
def test_failed_prepare_aborts_everywhere(bank: Bank):
    """When PREPARE TRANSACTION fails on a participant, the ones already prepared are rolled back."""
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    outcome = coordinator.run(
        "t-prep-fail", {"alpha": debit(1, 10), "beta": credit(1, 10), "gamma": uses_temp_table}
    )
    _assert_aborted_cleanly(
        bank, outcome, "gamma's PREPARE TRANSACTION failed (its work used a temporary table)"
    )


@pytest.mark.points(5)
def test_refusal_aborts_everywhere(bank: Bank, partial_credit):
    """A participant refusing to prepare (FaultPlan.refuse_prepare) makes the transaction abort everywhere."""
    partial_credit.total = len(PARTICIPANTS)
    participants = bank.participants()
    for refuser in PARTICIPANTS:
        plan = FaultPlan(refuse_prepare=frozenset({refuser}))
        coordinator = Coordinator(participants, DecisionLog(bank.coordinator_engine()), faults=plan)
        outcome = coordinator.run(
            f"t-refuse-{refuser}", {"alpha": debit(1, 10), "beta": credit(2, 5), "gamma": credit(3, 5)}
        )
        try:
            _assert_aborted_cleanly(bank, outcome, f"{refuser} refused to prepare")
        except AssertionError as failure:
            partial_credit.check(False, str(failure))
            return
        partial_credit.check(True, "")
