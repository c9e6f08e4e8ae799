"""Coordinator crashes at every point of the protocol, then recovery by a fresh coordinator (part D)."""

from __future__ import annotations

import pytest
from bank_harness import PARTICIPANTS, Bank, credit, debit, failing, initial_balances, plain_pairs
from sqlalchemy import Engine, event, text
from twopc import Coordinator, CoordinatorCrash, CrashPoint, DecisionLog, FaultPlan, Outcome

pytestmark = [pytest.mark.part("D")]
ATOMIC = "a transfer is atomic across a coordinator crash: applied everywhere or nowhere after recover()"


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


def recover(bank: Bank, engines: dict[str, Engine] | None = None):
    """A fresh coordinator (new engines, new DecisionLog over the same database) runs recover()."""
    return Coordinator(engines or bank.participants(), DecisionLog(bank.coordinator_engine())).recover()


def in_doubt(bank: Bank, txid: str) -> list[str]:
    """Participants holding a prepared transaction whose gid mentions txid."""
    found = bank.prepared().items()
    return [name for name, gids in found if any(txid in gid and name in gid for gid in gids)]


def pairs(items) -> list[tuple[str, str]]:
    """The report's pairs as plain strings, sorted (the order itself is checked where it matters)."""
    return sorted(plain_pairs(items))


def assert_resolved(bank: Bank, expected: dict, what: str) -> None:
    assert bank.balances() == expected, (
        f"{what}: after recover() the balances are wrong (money not conserved?)"
    )
    leftover = bank.prepared()
    assert not any(leftover.values()), f"{what}: after recover() prepared transactions remain: {leftover}"
    stuck = bank.locked()
    assert not stuck, f"{what}: after recover() locks are still held on {stuck}"


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Before any PREPARE, a crash simply ends the open transactions: PostgreSQL rolls them back.",
    "recover() must find nothing of this transaction to resolve.",
)
def test_crash_before_prepare_then_recover(bank: Bank):
    """A crash after the work but before any PREPARE leaves nothing behind; recover() changes nothing."""
    visited: list[str] = []

    def noting(name: str, then):
        def noted(conn) -> None:
            visited.append(name)
            then(conn)

        return noted

    coordinator = Coordinator(
        bank.participants(),
        DecisionLog(bank.coordinator_engine()),
        faults=FaultPlan(CrashPoint.BEFORE_PREPARE),
    )
    try:
        coordinator.run("t-crash-before", {name: noting(name, w) for name, w in work(1).items()})
        crashed = False
    except CoordinatorCrash:
        crashed = True
    assert crashed and visited == list(PARTICIPANTS), (
        f"with FaultPlan(BEFORE_PREPARE) the work of {visited} ran and run() "
        f"{'crashed' if crashed else 'did not crash'}; the crash point comes after every participant's work "
        f"({list(PARTICIPANTS)}) and before any PREPARE, and the crash must propagate"
    )
    assert not in_doubt(bank, "t-crash-before"), "a crash before any PREPARE must leave nothing prepared"
    report = recover(bank)
    assert pairs(report.committed) == [] and pairs(report.rolled_back) == [], (
        f"recover() found work to do after a crash before any PREPARE: {report}"
    )
    assert_resolved(bank, initial_balances(), "crash before prepare")


@pytest.mark.points(8)
@pytest.mark.critical(ATOMIC)
@pytest.mark.hints(
    "Draw the state after each crash point: which participants are prepared, which are locked, what is logged.",
    "The count given to faults.check after a PREPARE is the number prepared so far, counting that one.",
    "With nothing logged, presumed abort says: roll back every prepared branch.",
)
def test_crash_after_some_prepares_then_recover(bank: Bank, partial_credit):
    """A crash after preparing k of 3 leaves k in doubt, holding locks; recover() rolls them back.
    With work over two participants given in another order, the count follows `participants`."""
    partial_credit.total = len(PARTICIPANTS) + 1
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
    coordinator = Coordinator(
        bank.participants(),
        DecisionLog(bank.coordinator_engine()),
        faults=FaultPlan(CrashPoint.AFTER_PREPARE, 1),
    )
    try:
        coordinator.run("t-crash-pair", {"gamma": credit(4, 5), "alpha": debit(4, 5)})
        crashed = False
    except CoordinatorCrash:
        crashed = True
    doubtful = in_doubt(bank, "t-crash-pair")
    report = recover(bank)
    partial_credit.check(
        crashed
        and doubtful == ["alpha"]
        and pairs(report.rolled_back) == [("alpha", "t-crash-pair")]
        and bank.balances() == initial_balances(),
        "work over gamma and alpha (given in that order), crash after 1 prepare: alpha (first in "
        f"`participants`) must be the one in doubt, then rolled back; in doubt: {doubtful}, report {report}",
    )


@pytest.mark.points(7)
@pytest.mark.visibility("visible")
@pytest.mark.critical(ATOMIC)
@pytest.mark.hints(
    "The commit point is the durable log record: write it before telling anyone to commit.",
    "A recovering coordinator commits every prepared branch of a transaction the log says COMMITTED.",
)
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


@pytest.mark.points(6)
@pytest.mark.critical(ATOMIC)
@pytest.mark.hints(
    "After a crash in phase 2 some participants have committed and the others are still prepared.",
    "The count given to faults.check after a COMMIT PREPARED is the number committed so far, counting that one.",
)
def test_crash_after_some_commits_then_recover(bank: Bank, partial_credit):
    """A crash after committing k of 3 (k = 1, 2, 3): recover() commits the rest. With work over two
    participants given in another order, only those two are prepared and they commit in `participants`
    order."""
    partial_credit.total = 4
    for k in (1, 2, 3):
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
        if pairs(report.committed) != [(name, txid) for name in PARTICIPANTS[k:]] or pairs(
            report.rolled_back
        ):
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
    pair = {"gamma": credit(4, 7), "alpha": debit(4, 7)}
    expected = bank.balances()
    plan = FaultPlan(CrashPoint.AFTER_COMMIT, 1)
    coordinator = Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()), faults=plan)
    try:
        coordinator.run("t-commit-pair", pair)
        crashed = False
    except CoordinatorCrash:
        crashed = True
    doubtful = in_doubt(bank, "t-commit-pair")
    report = recover(bank)
    expected[("gamma", 4)] += 7
    expected[("alpha", 4)] -= 7
    partial_credit.check(
        crashed
        and doubtful == ["gamma"]
        and pairs(report.committed) == [("gamma", "t-commit-pair")]
        and not pairs(report.rolled_back)
        and bank.balances() == expected
        and not any(bank.prepared().values()),
        "work over gamma and alpha (given in that order), crash after 1 COMMIT PREPARED: alpha (first in "
        "`participants`) must have committed and only gamma be left in doubt (beta takes no part), then "
        f"committed by recover(); in doubt: {doubtful}, report {report}",
    )


@pytest.mark.points(4)
@pytest.mark.critical(ATOMIC)
@pytest.mark.hints(
    "The abort path has a crash point too: after deciding to abort, before rolling anything back.",
    "Whatever the crash leaves prepared without a COMMITTED record must be rolled back by recover().",
)
def test_crash_in_the_abort_path_then_recover(bank: Bank, partial_credit):
    """A crash after deciding to abort (a refusal, a failed work) leaves the prepared branches in doubt
    with no COMMITTED record; recover() rolls them back."""
    partial_credit.total = 2
    crash(bank, "t-abort-refused", FaultPlan(CrashPoint.AFTER_DECISION, refuse_prepare=frozenset({"gamma"})))
    doubtful = in_doubt(bank, "t-abort-refused")
    decided = DecisionLog(bank.coordinator_engine()).lookup("t-abort-refused")
    report = recover(bank)
    partial_credit.check(
        doubtful == ["alpha", "beta"]
        and decided is not Outcome.COMMITTED
        and pairs(report.rolled_back) == [("alpha", "t-abort-refused"), ("beta", "t-abort-refused")]
        and not pairs(report.committed)
        and bank.balances() == initial_balances(),
        "gamma refused and the coordinator crashed right after deciding to abort: alpha and beta must still be "
        f"prepared (the crash comes before any rollback), then rolled back by recover(); in doubt {doubtful}, "
        f"logged {decided!r}, report {report}",
    )
    crashing = Coordinator(
        bank.participants(),
        DecisionLog(bank.coordinator_engine()),
        faults=FaultPlan(CrashPoint.AFTER_DECISION),
    )
    try:
        crashing.run("t-abort-failed", {"alpha": debit(2, 10), "beta": failing})
        crashed = False
    except CoordinatorCrash:
        crashed = True
    report = recover(bank)
    partial_credit.check(
        crashed
        and not in_doubt(bank, "t-abort-failed")
        and not pairs(report.committed)
        and not pairs(report.rolled_back)
        and bank.balances() == initial_balances()
        and not bank.locked(),
        "beta's work failed and the coordinator crashed at AFTER_DECISION: the crash must propagate from "
        "run(), nothing may be prepared or committed, and recover() must find nothing",
    )


def _steal_resolutions(bank: Bank, engines: dict[str, Engine], stolen: list[str], spare: str) -> None:
    """Make someone else resolve each prepared transaction (but those of txid `spare`) just before the
    coordinator does, so the coordinator's own COMMIT/ROLLBACK PREPARED finds it gone (SQLSTATE 42704)."""
    for name, engine in engines.items():

        def steal(conn, cursor, statement, parameters, context, executemany, name=name) -> None:
            words = statement.lstrip().split()
            if (
                len(words) < 3
                or words[1].upper() != "PREPARED"
                or words[0].upper() not in ("COMMIT", "ROLLBACK")
            ):
                return
            gid = statement.split("'")[1] if statement.count("'") >= 2 else None
            if gid is None or gid in stolen or f":{spare}:" in gid:
                return
            stolen.append(gid)
            other = bank.engine(bank.urls[name]).connect().execution_options(isolation_level="AUTOCOMMIT")
            with other:
                other.execute(text(f"{words[0].upper()} PREPARED '{gid}'"))

        event.listen(engine, "before_cursor_execute", steal)


@pytest.mark.points(3)
@pytest.mark.hints(
    "Run recover() twice in a row: the second run must find nothing and report nothing.",
    "A prepared transaction can vanish between listing it and resolving it (another recoverer got there "
    "first): SQLSTATE 42704 then is not an error.",
)
def test_recovery_is_idempotent(bank: Bank, partial_credit):
    """Running recover() again (or on several fresh coordinators) changes nothing and reports nothing; a
    transaction resolved by someone else meanwhile is not an error."""
    partial_credit.total = 2
    crash(bank, "t-idem-commit", FaultPlan(CrashPoint.AFTER_COMMIT, 1))
    crash(bank, "t-idem-abort", FaultPlan(CrashPoint.AFTER_PREPARE, 2), row=2)
    first = recover(bank)
    again = [recover(bank) for _ in (2, 3)]
    try:
        assert len(plain_pairs(first.committed)) == 2 and len(plain_pairs(first.rolled_back)) == 2, (
            f"first recover() resolved {first}"
        )
        for attempt, report in zip((2, 3), again, strict=True):
            assert pairs(report.committed) == [] and pairs(report.rolled_back) == [], (
                f"recover() number {attempt} must find nothing left to resolve; got {report}"
            )
        assert_resolved(bank, moved(), "recover() run three times")
        partial_credit.check(True, "")
    except AssertionError as failure:
        partial_credit.check(False, str(failure))
    crash(bank, "t-idem-stolen", FaultPlan(CrashPoint.AFTER_DECISION), row=3)
    crash(bank, "t-idem-zkept", FaultPlan(CrashPoint.AFTER_PREPARE, 3), row=4)  # listed after the stolen one
    engines = bank.participants()
    stolen: list[str] = []
    _steal_resolutions(bank, engines, stolen, spare="t-idem-zkept")
    try:
        stolen_report = recover(bank, engines)
        raised = None
    except Exception as exc:
        stolen_report, raised = None, exc
    partial_credit.check(
        raised is None
        and bank.balances() == moved(1, 3)
        and not any(bank.prepared().values())
        and not pairs(stolen_report.committed)
        and pairs(stolen_report.rolled_back) == [(name, "t-idem-zkept") for name in PARTICIPANTS],
        "recover() must treat a prepared transaction that vanished before it could resolve it (SQLSTATE "
        "42704: someone else resolved it) as done, not as an error, not report it as resolved, and go on "
        "with the next one (t-idem-zkept, undecided, in doubt everywhere, must be rolled back); it "
        f"{'raised ' + repr(raised) if raised else 'reported ' + repr(stolen_report)}",
    )


@pytest.mark.points(4)
@pytest.mark.hints(
    "pg_prepared_xacts lists the whole server: keep only the rows of the participant's own database.",
    "Keep only gids your make_gid could have made, for this participant's own name.",
    "The report's lists are sorted, whatever the order of the participants.",
)
def test_recovery_leaves_foreign_transactions_alone(bank: Bank, fresh_database):
    """recover() resolves only its own gids, for the participant's own name, in each participant's own
    database; its report is sorted."""
    from sqlalchemy import text

    other_url = fresh_database("other")
    with bank.engine(other_url).connect() as conn:  # an unrelated database on the same server
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.execute(text("PREPARE TRANSACTION 'twopc:t-elsewhere:alpha'"))
    with bank.engine(bank.urls["alpha"]).connect() as conn:  # another application's transaction on alpha
        conn.execute(text("UPDATE accounts SET balance = balance WHERE id = 4"))
        conn.execute(text("PREPARE TRANSACTION 'inventory-42'"))
    with bank.engine(bank.urls["alpha"]).connect() as conn:  # a branch named for beta, in alpha's database
        conn.execute(text("UPDATE accounts SET balance = balance WHERE id = 3"))
        conn.execute(text("PREPARE TRANSACTION 'twopc:t-misplaced:beta'"))
    with bank.engine(bank.urls["alpha"]).connect() as conn:  # beta's branch whose txid mentions alpha
        conn.execute(text("SELECT 1"))
        conn.execute(text("PREPARE TRANSACTION 'twopc:t-alpha-refund:beta'"))
    crash(bank, "t-mine", FaultPlan(CrashPoint.AFTER_DECISION))
    crash(bank, "t-undecided", FaultPlan(CrashPoint.AFTER_PREPARE, 3), row=2)
    engines = bank.participants()
    backwards = {name: engines[name] for name in reversed(PARTICIPANTS)}
    report = recover(bank, backwards)
    assert plain_pairs(report.committed) == [(name, "t-mine") for name in PARTICIPANTS], (
        f"recover() must commit its own in-doubt transaction everywhere and report the pairs sorted (here "
        f"with the participants given as {list(backwards)}); got {report}"
    )
    assert plain_pairs(report.rolled_back) == [(name, "t-undecided") for name in PARTICIPANTS], (
        "recover() must roll back its undecided in-doubt transaction everywhere and report those pairs "
        f"sorted too (participants given as {list(backwards)}); got {report}"
    )
    left_on_alpha = bank.prepared()["alpha"]
    assert left_on_alpha == ["inventory-42", "twopc:t-alpha-refund:beta", "twopc:t-misplaced:beta"], (
        "recover() must leave prepared transactions it did not create alone: 'inventory-42', and "
        "'twopc:t-misplaced:beta' and 'twopc:t-alpha-refund:beta' in alpha's database (a gid naming beta is "
        "not alpha's branch, even when its txid mentions alpha); left: " + repr(left_on_alpha)
    )
    with bank.engine(other_url).connect() as conn:
        query = "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
        left = list(conn.execute(text(query)).scalars())
    assert left == ["twopc:t-elsewhere:alpha"], (
        "recover() must only look at prepared transactions of the participant's own database "
        "(pg_prepared_xacts lists the whole server)"
    )


@pytest.mark.points(5)
@pytest.mark.critical(ATOMIC)
@pytest.mark.hints(
    "A prepared transaction is on disk: it survives a crash of the whole server, with its locks.",
    "After the restart every old connection is dead: recovery must open new ones.",
)
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
