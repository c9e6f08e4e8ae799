"""Two-phase commit without crashes (part C): arguments, commit, abort on failed work, failed prepare or
refusal, and the prepare timeout."""

from __future__ import annotations

import threading

import pytest
from bank_harness import (
    PARTICIPANTS,
    Bank,
    credit,
    debit,
    failing,
    initial_balances,
    setting_ms,
    uses_temp_table,
)
from sqlalchemy import Connection, text
from twopc import Coordinator, DecisionLog, FaultPlan, Outcome

pytestmark = [pytest.mark.part("C")]
NEVER_COMMITTED = "never report COMMITTED for a transfer that did not commit everywhere"
HANG_GUARD = 25.0  # seconds a run() blocked on a lock may take before the grader gives up on it


def _value_error(call, *args, **kwargs) -> str | None:
    try:
        call(*args, **kwargs)
    except ValueError as exc:
        return str(exc)
    except Exception:
        return None
    return None


@pytest.mark.points(2)
@pytest.mark.hints(
    "The constructor is the place to refuse a configuration that can never work.",
    "Participant names follow the same rules as in make_gid; prepare_timeout must be strictly positive.",
)
def test_constructor_validates_arguments(bank: Bank, partial_credit):
    """Coordinator() raises ValueError for a bad participant name and for prepare_timeout <= 0."""
    partial_credit.total = 2
    engines = bank.participants()
    log = DecisionLog(bank.coordinator_engine())
    names = [
        _value_error(Coordinator, {**engines, bad: engines["alpha"]}, log) for bad in ("bad name", "a:b", "")
    ]
    partial_credit.check(
        None not in names, "a participant name that make_gid would refuse must raise ValueError at once"
    )
    timeouts = [_value_error(Coordinator, engines, log, prepare_timeout=value) for value in (0, 0.0, -1.5)]
    partial_credit.check(
        None not in timeouts and all("prepare_timeout" in message for message in timeouts if message),
        "prepare_timeout <= 0 (including exactly 0) must raise ValueError naming prepare_timeout",
    )


@pytest.mark.points(3)
@pytest.mark.critical(NEVER_COMMITTED)
@pytest.mark.hints(
    "Check everything about the request before doing any work on any participant.",
    "An empty work, a name that is not a participant, a bad txid and a txid already decided are all refused.",
    "A txid that already has a logged decision must never run again: the money would move twice.",
)
def test_run_validates_its_arguments(bank: Bank, partial_credit):
    """run() refuses empty work, unknown participants, bad txids and decided txids, touching nothing."""
    partial_credit.total = 4
    log = DecisionLog(bank.coordinator_engine())
    coordinator = Coordinator(bank.participants(), log)
    partial_credit.check(
        _value_error(coordinator.run, "t-empty", {}) is not None, "run() with no work must raise ValueError"
    )
    message = _value_error(coordinator.run, "t-unknown", {"alpha": debit(1, 10), "delta": credit(1, 10)})
    partial_credit.check(
        message is not None and "delta" in message and log.lookup("t-unknown") is None,
        "work naming a participant the coordinator does not know ('delta') must raise ValueError naming it, "
        "and decide nothing",
    )
    bad = [
        _value_error(coordinator.run, txid, {"alpha": debit(1, 10), "beta": credit(1, 10)})
        for txid in ("it's", "", "x" * 101)
    ]
    partial_credit.check(None not in bad, "a txid that make_gid refuses must make run() raise ValueError")
    untouched = bank.balances() == initial_balances() and not any(bank.prepared().values())
    assert coordinator.run("t-once", {"alpha": debit(2, 10), "beta": credit(2, 10)}) is Outcome.COMMITTED
    reused = _value_error(coordinator.run, "t-once", {"alpha": debit(2, 10), "beta": credit(2, 10)})
    other = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    reused_elsewhere = _value_error(other.run, "t-once", {"alpha": debit(2, 10), "beta": credit(2, 10)})
    log.record("t-was-aborted", Outcome.ABORTED)  # an ABORTED decision is a decision too
    aborted_reused = _value_error(
        coordinator.run, "t-was-aborted", {"alpha": debit(3, 10), "beta": credit(3, 10)}
    )
    left_prepared = {name: gids for name, gids in bank.prepared().items() if gids}
    expected = initial_balances()
    expected[("alpha", 2)] -= 10
    expected[("beta", 2)] += 10
    partial_credit.check(
        untouched
        and reused is not None
        and "t-once" in reused
        and reused_elsewhere is not None
        and aborted_reused is not None
        and "t-was-aborted" in aborted_reused
        and bank.balances() == expected
        and not left_prepared
        and not bank.locked(),
        "a txid with a logged decision (COMMITTED, or ABORTED recorded with log.record) must raise ValueError "
        "naming it before any work (also on another coordinator over the same log), and refused requests "
        f"must change nothing; reusing 't-once' gave {reused!r}, 't-was-aborted' gave {aborted_reused!r}, "
        f"left prepared afterwards: {left_prepared}",
    )


@pytest.mark.points(6)
@pytest.mark.visibility("visible")
@pytest.mark.critical(NEVER_COMMITTED)
@pytest.mark.hints(
    "Phase 1 does every participant's work and PREPAREs it; only then is COMMIT decided and logged.",
    "After COMMIT PREPARED nothing may stay prepared or locked.",
    "Visit the participants in the order of the mapping given to the constructor, not the order of `work`.",
)
def test_commit_applies_everywhere(bank: Bank):
    """A distributed transfer commits on every participant, logs COMMITTED and leaves nothing prepared."""
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    outcome = coordinator.run("t-commit-1", {"alpha": debit(1, 100), "gamma": credit(2, 100)})
    assert outcome is Outcome.COMMITTED, f"run() returned {outcome!r}, expected Outcome.COMMITTED"
    visited: list[str] = []

    def noting(name: str, then):
        def work(conn: Connection) -> None:
            visited.append(name)
            then(conn)

        return work

    outcome = coordinator.run(
        "t-commit-2",
        {"gamma": noting("gamma", credit(4, 20)), "beta": noting("beta", debit(3, 30)),
         "alpha": noting("alpha", credit(3, 10))},
    )  # fmt: skip
    assert outcome is Outcome.COMMITTED, f"a three-participant run() returned {outcome!r}, expected COMMITTED"
    assert visited == list(PARTICIPANTS), (
        f"run() visited the participants in the order {visited}; it must follow the order of `participants` "
        f"({list(PARTICIPANTS)}), whatever the order of `work`"
    )
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


def _assert_aborted_cleanly(bank: Bank, outcome: object, what: str, txid: str) -> None:
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
    decided = DecisionLog(bank.coordinator_engine()).lookup(txid)
    assert decided is not Outcome.COMMITTED, f"{what}: the log says COMMITTED for an aborted transaction"


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.critical(NEVER_COMMITTED)
@pytest.mark.hints(
    "If any participant's work raises, nothing may be prepared or committed anywhere.",
    "Catching the exception of one participant's work and carrying on is the bug to avoid: abort them all.",
)
def test_failing_work_aborts_everywhere(bank: Bank):
    """When one participant's work raises (or hits a constraint), the transaction aborts everywhere."""
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    outcome = coordinator.run("t-fail-1", {"alpha": debit(1, 10), "beta": credit(1, 10), "gamma": failing})
    _assert_aborted_cleanly(bank, outcome, "work of the last participant raised", "t-fail-1")
    outcome = coordinator.run("t-fail-2", {"alpha": failing, "beta": credit(1, 10)})
    _assert_aborted_cleanly(bank, outcome, "work of the first participant raised", "t-fail-2")
    outcome = coordinator.run("t-fail-3", {"alpha": credit(2, 5000), "beta": debit(2, 5000)})
    _assert_aborted_cleanly(bank, outcome, "a participant could not pay (overdraft)", "t-fail-3")
    assert coordinator.run("t-fail-4", {"alpha": debit(1, 1), "beta": credit(1, 1)}) is Outcome.COMMITTED, (
        "the coordinator must still work after aborted transactions"
    )


@pytest.mark.points(4)
@pytest.mark.critical(NEVER_COMMITTED)
@pytest.mark.hints(
    "PREPARE TRANSACTION itself can fail; that is a 'no' vote like any other.",
    "The participants prepared before the failing one must be rolled back with ROLLBACK PREPARED.",
)
def test_failed_prepare_aborts_everywhere(bank: Bank):
    """When PREPARE TRANSACTION fails on a participant, the ones already prepared are rolled back."""
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()))
    outcome = coordinator.run(
        "t-prep-fail", {"alpha": debit(1, 10), "beta": credit(1, 10), "gamma": uses_temp_table}
    )
    _assert_aborted_cleanly(
        bank, outcome, "gamma's PREPARE TRANSACTION failed (its work used a temporary table)", "t-prep-fail"
    )


@pytest.mark.points(4)
@pytest.mark.critical(NEVER_COMMITTED)
@pytest.mark.hints(
    "A refusal is a 'no' vote: the whole transaction aborts, not just that participant's part.",
    "Skipping the refusing participant and committing the others is a partial transfer.",
)
def test_refusal_aborts_everywhere(bank: Bank, partial_credit):
    """A participant refusing to prepare (FaultPlan.refuse_prepare) makes the transaction abort everywhere."""
    partial_credit.total = len(PARTICIPANTS) + 1
    participants = bank.participants()
    gamma_refuses = FaultPlan(refuse_prepare=frozenset({"gamma"}))
    outsider = Coordinator(participants, DecisionLog(bank.coordinator_engine()), faults=gamma_refuses)
    outcome = outsider.run("t-refuse-outsider", {"alpha": debit(4, 10), "beta": credit(4, 10)})
    committed = initial_balances()
    committed[("alpha", 4)] -= 10
    committed[("beta", 4)] += 10
    partial_credit.check(
        outcome is Outcome.COMMITTED and bank.balances() == committed,
        "gamma refuses to prepare but the work names only alpha and beta: gamma has no vote in this "
        f"transaction, so it must commit; run() returned {outcome!r}",
    )
    if bank.balances() != initial_balances():  # the refusals below start from the initial balances
        with bank.engine(bank.urls["alpha"]).begin() as conn:
            conn.execute(text("UPDATE accounts SET balance = 1000 WHERE id = 4"))
        with bank.engine(bank.urls["beta"]).begin() as conn:
            conn.execute(text("UPDATE accounts SET balance = 1000 WHERE id = 4"))
    for refuser in PARTICIPANTS:
        plan = FaultPlan(refuse_prepare=frozenset({refuser}))
        coordinator = Coordinator(participants, DecisionLog(bank.coordinator_engine()), faults=plan)
        txid = f"t-refuse-{refuser}"
        outcome = coordinator.run(txid, {"alpha": debit(1, 10), "beta": credit(2, 5), "gamma": credit(3, 5)})
        try:
            _assert_aborted_cleanly(bank, outcome, f"{refuser} refused to prepare", txid)
        except AssertionError as failure:
            partial_credit.check(False, str(failure))
            return
        partial_credit.check(True, "")


def _run_in_thread(coordinator: Coordinator, txid: str, work: dict) -> tuple[threading.Thread, list]:
    box: list = []

    def target() -> None:
        try:
            box.append(coordinator.run(txid, work))
        except Exception as exc:
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


@pytest.mark.points(4)
@pytest.mark.hints(
    "A deadlock across two databases is invisible to PostgreSQL: only a timeout ends the wait.",
    "Set both lock_timeout and statement_timeout, to exactly prepare_timeout, before the work runs.",
    "Use SET LOCAL (or set_config(..., true)): a plain SET stays on the pooled connection afterwards.",
)
def test_prepare_timeout_is_enforced(bank: Bank, partial_credit):
    """Phase 1 is bounded by prepare_timeout: lock waits and statements time out, and the limits are set
    for the transaction only, to exactly prepare_timeout."""
    partial_credit.total = 3
    engines = bank.participants()
    log = DecisionLog(bank.coordinator_engine())
    seen: list[tuple[int, int]] = []

    def observe(conn: Connection) -> None:
        seen.append((setting_ms(conn, "lock_timeout"), setting_ms(conn, "statement_timeout")))

    coordinator = Coordinator(engines, log, prepare_timeout=2.5)
    outcome = coordinator.run("t-observe", {"alpha": observe, "beta": observe})
    leaked = []
    for name in ("alpha", "beta"):
        with engines[name].connect() as conn:  # the pooled connection run() just used
            leaked += [
                (name, setting)
                for setting in ("lock_timeout", "statement_timeout")
                if setting_ms(conn, setting)
            ]
    partial_credit.check(
        outcome is Outcome.COMMITTED and seen == [(2500, 2500), (2500, 2500)] and not leaked,
        f"with prepare_timeout=2.5 the work saw (lock_timeout, statement_timeout) = {seen} ms, expected 2500 "
        f"each; still set on the pooled connections afterwards: {leaked}",
    )
    quick = Coordinator(engines, log, prepare_timeout=0.4)
    blocker = bank.engine(bank.urls["beta"]).connect()
    blocker.execute(text("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE"))  # holds the row lock
    try:
        thread, box = _run_in_thread(quick, "t-blocked", {"alpha": debit(1, 10), "beta": credit(1, 10)})
        thread.join(HANG_GUARD)
        waited = thread.is_alive()
    finally:
        blocker.rollback()
        blocker.close()
    thread.join(HANG_GUARD)
    partial_credit.check(
        not waited and box == [Outcome.ABORTED] and bank.balances() == initial_balances(),
        "a participant waiting for a lock held elsewhere must give up after prepare_timeout and the "
        f"transaction abort; run() {'was still waiting' if waited else f'gave {box}'}",
    )
    thread, box = _run_in_thread(
        quick,
        "t-slow",
        {"alpha": debit(1, 10), "beta": lambda conn: conn.execute(text("SELECT pg_sleep(60)"))},
    )
    thread.join(HANG_GUARD)
    slow = thread.is_alive()
    partial_credit.check(
        not slow
        and box == [Outcome.ABORTED]
        and bank.balances() == initial_balances()
        and not any(bank.prepared().values()),
        "a statement running longer than prepare_timeout must be cancelled and the transaction abort; "
        f"run() {'was still running' if slow else f'gave {box}'}",
    )
