"""Model tests for the reference solution (with test_examples.py they meet the coverage gate)."""

from __future__ import annotations

import pytest
from conftest import NAMES, add, balances, prepared
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from twopc import (
    Coordinator,
    CoordinatorCrash,
    CrashPoint,
    DecisionLog,
    FaultPlan,
    InsufficientFunds,
    Outcome,
    demonstrate_lost_update,
    make_gid,
    parse_gid,
    transfer,
)
from twopc.isolation import create_accounts


def participants(bank):
    return {name: bank[name] for name in NAMES}


def test_gid_validation():
    for txid in ("", "x" * 101, "it's", "a:b"):
        with pytest.raises(ValueError):
            make_gid(txid, "alpha")
    with pytest.raises(ValueError):
        make_gid("t", "al:pha")
    assert parse_gid("twopc:t1:") is None and parse_gid("other:t1:alpha") is None


def test_decision_log(make_database):
    log = DecisionLog(create_engine(make_database("coord")))
    assert log.lookup("t") is None
    log.record("t", Outcome.COMMITTED)
    log.record("t", Outcome.COMMITTED)
    with pytest.raises(ValueError):
        log.record("t", Outcome.ABORTED)
    assert DecisionLog(log.engine).lookup("t") is Outcome.COMMITTED
    log.engine.dispose()


def test_argument_checks(bank):
    log = DecisionLog(bank["coord"])
    with pytest.raises(ValueError):
        Coordinator({"bad name": bank["alpha"]}, log)
    with pytest.raises(ValueError):
        Coordinator(participants(bank), log, prepare_timeout=0)
    coordinator = Coordinator(participants(bank), log)
    for work in ({}, {"nobody": add(1, 1)}):
        with pytest.raises(ValueError):
            coordinator.run("t-args", work)
    coordinator.run("t-once", {"alpha": add(1, 1)})
    with pytest.raises(ValueError):
        coordinator.run("t-once", {"alpha": add(1, 1)})


@pytest.mark.parametrize("refuser", NAMES)
def test_refusal_rolls_back_prepared_participants(bank, refuser):
    plan = FaultPlan(refuse_prepare=frozenset({refuser}))
    coordinator = Coordinator(participants(bank), DecisionLog(bank["coord"]), faults=plan)
    work = {name: add(1, 10) for name in NAMES}
    assert coordinator.run("t-refuse", work) is Outcome.ABORTED
    assert set(balances(bank).values()) == {100}
    assert all(prepared(bank[name]) == [] for name in NAMES)


@pytest.mark.parametrize(
    ("plan", "committed", "rolled_back"),
    [
        (FaultPlan(CrashPoint.BEFORE_PREPARE), [], []),
        (FaultPlan(CrashPoint.AFTER_PREPARE, 2), [], ["alpha", "beta"]),
        (FaultPlan(CrashPoint.AFTER_DECISION), NAMES, []),
        (FaultPlan(CrashPoint.AFTER_COMMIT, 1), ["beta", "gamma"], []),
        (FaultPlan(CrashPoint.AFTER_DECISION, refuse_prepare=frozenset({"gamma"})), [], ["alpha", "beta"]),
    ],
)
def test_crash_then_recover(bank, plan, committed, rolled_back):
    crashing = Coordinator(participants(bank), DecisionLog(bank["coord"]), faults=plan)
    with pytest.raises(CoordinatorCrash):
        crashing.run("t-crash", {name: add(1, 10) for name in NAMES})
    fresh = Coordinator(participants(bank), DecisionLog(bank["coord"]))
    report = fresh.recover()
    assert report.committed == [(name, "t-crash") for name in committed]
    assert report.rolled_back == [(name, "t-crash") for name in rolled_back]
    assert fresh.recover().committed == [] and all(prepared(bank[name]) == [] for name in NAMES)
    applied = (
        plan.crash_at in (CrashPoint.AFTER_DECISION, CrashPoint.AFTER_COMMIT) and not plan.refuse_prepare
    )
    assert set(balances(bank).values()) == ({100, 110} if applied else {100})
    assert balances(bank)[("alpha", 1)] == (110 if applied else 100)


def test_recover_skips_foreign_and_reraises_errors(bank, monkeypatch):
    with bank["alpha"].connect() as conn:
        conn.execute(text("UPDATE accounts SET balance = 0 WHERE id = 2"))
        conn.execute(text("PREPARE TRANSACTION 'inventory-1'"))
    crashing = Coordinator(
        participants(bank), DecisionLog(bank["coord"]), faults=FaultPlan(CrashPoint.AFTER_DECISION)
    )
    with pytest.raises(CoordinatorCrash):
        crashing.run("t-x", {"alpha": add(1, 1), "beta": add(1, 1)})
    coordinator = Coordinator(participants(bank), DecisionLog(bank["coord"]))

    import twopc.coordinator as module

    real = module._finish

    def already_done(conn, verb, gid):  # another recoverer got there first: harmless
        real(conn, verb, gid)
        real(conn, verb, gid)

    monkeypatch.setattr(module, "_finish", already_done)
    assert coordinator.recover().committed == []
    assert prepared(bank["alpha"]) == ["inventory-1"]
    with bank["alpha"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ROLLBACK PREPARED 'inventory-1'"))


def test_recover_reraises_unexpected_errors(bank, monkeypatch):
    crashing = Coordinator(
        participants(bank), DecisionLog(bank["coord"]), faults=FaultPlan(CrashPoint.AFTER_DECISION)
    )
    with pytest.raises(CoordinatorCrash):
        crashing.run("t-y", {"alpha": add(1, 1)})
    import twopc.coordinator as module

    def broken(conn, verb, gid):
        conn.execute(text("SELECT 1/0"))

    monkeypatch.setattr(module, "_finish", broken)
    with pytest.raises(DBAPIError):
        Coordinator(participants(bank), DecisionLog(bank["coord"])).recover()
    monkeypatch.undo()
    assert Coordinator(participants(bank), DecisionLog(bank["coord"])).recover().committed == [
        ("alpha", "t-y")
    ]


@pytest.fixture
def accounts(make_database):
    engine = create_engine(make_database("iso"))
    create_accounts(engine, {1: 100, 2: 100})
    yield engine
    engine.dispose()


def test_transfer_and_its_checks(accounts):
    assert transfer(accounts, 1, 2, 40, "READ COMMITTED") == 1
    with pytest.raises(InsufficientFunds):
        transfer(accounts, 1, 2, 61)
    for args in ((1, 2, 0), (1, 1, 5)):
        with pytest.raises(ValueError):
            transfer(accounts, *args)
    with pytest.raises(ValueError):
        transfer(accounts, 1, 2, 5, "CHAOS")
    with pytest.raises(LookupError):
        transfer(accounts, 1, 3, 5)


def _inject(engine, sqlstate: str, times: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE SEQUENCE failures"))
        conn.execute(
            text(
                "CREATE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF nextval('failures') <= {times} THEN RAISE EXCEPTION 'x' USING ERRCODE = '{sqlstate}'; "
                "END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(text("CREATE TRIGGER inject BEFORE UPDATE ON accounts EXECUTE FUNCTION inject()"))


def test_transfer_retries_only_retryable_errors(accounts):
    _inject(accounts, "40001", 2)
    assert transfer(accounts, 1, 2, 10) == 3
    with accounts.begin() as conn:
        conn.execute(text("SELECT setval('failures', 1, false)"))
    with pytest.raises(DBAPIError):
        transfer(accounts, 1, 2, 10, max_attempts=2)


def test_transfer_does_not_retry_other_errors(accounts):
    _inject(accounts, "23514", 1)
    with pytest.raises(DBAPIError):
        transfer(accounts, 1, 2, 10)


@pytest.mark.parametrize("level", ["REPEATABLE READ", "SERIALIZABLE"])
def test_stricter_levels_prevent_the_lost_update(accounts, level):
    result = demonstrate_lost_update(accounts, 1, level)
    assert not result.lost_update and result.final == 130 and result.attempts == 2


def test_demonstration_checks_its_arguments(accounts):
    with pytest.raises(ValueError):
        demonstrate_lost_update(accounts, 1, "CHAOS")
    with pytest.raises(LookupError):
        demonstrate_lost_update(accounts, 9, "SERIALIZABLE")
