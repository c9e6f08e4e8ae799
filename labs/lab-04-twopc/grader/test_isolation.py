"""Isolation levels on one database: retrying transfer and the lost-update anomaly (part E)."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from twopc import InsufficientFunds, demonstrate_lost_update, transfer
from twopc.isolation import create_accounts

LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")
pytestmark = [pytest.mark.part("E")]


@pytest.fixture
def accounts(fresh_database):
    engine = create_engine(fresh_database("iso"), pool_size=8)
    create_accounts(engine, {1: 1000, 2: 1000, 3: 1000, 4: 1000})
    yield engine
    engine.dispose()


def balances(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return {int(i): int(b) for i, b in conn.execute(text("SELECT id, balance FROM accounts ORDER BY id"))}


def _raises(error: type[Exception], call, *args, **kwargs) -> str | None:
    """The message of the `error` that call(*args) raises; None if it raises nothing or something else."""
    try:
        call(*args, **kwargs)
    except error as exc:
        return str(exc)
    except Exception:
        return None
    return None


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.critical("a refused transfer changes no balance")
@pytest.mark.hints(
    "Read both balances, check the funds, then write both new balances, all in one transaction.",
    "An account may be emptied exactly: sending the whole balance is allowed, one more is not.",
    "A missing source account is a LookupError too, not 'insufficient funds'.",
)
def test_transfer_moves_money_and_checks_funds(accounts: Engine, partial_credit):
    """transfer() moves the amount (down to exactly zero), refuses overdrafts and unknown accounts, and
    changes nothing then."""
    partial_credit.total = 5
    attempts = transfer(accounts, 1, 2, 300, "REPEATABLE READ")
    partial_credit.check(
        balances(accounts) == {1: 700, 2: 1300, 3: 1000, 4: 1000}, "transfer(1 -> 2, 300) did not move 300"
    )
    partial_credit.check(
        type(attempts) is int and attempts == 1, f"an uncontended transfer must return 1, got {attempts!r}"
    )
    overdraft = _raises(InsufficientFunds, transfer, accounts, 1, 3, 701, "SERIALIZABLE") is not None
    try:
        emptied = transfer(accounts, 4, 3, 1000, "READ COMMITTED") == 1
    except Exception:
        emptied = False
    partial_credit.check(
        overdraft and emptied and balances(accounts) == {1: 700, 2: 1300, 3: 2000, 4: 0},
        "a transfer of more than the balance must raise InsufficientFunds, and one of exactly the balance "
        "must succeed (leaving 0)",
    )
    missing = [
        args for args in ((1, 99, 5), (99, 1, 5)) if _raises(LookupError, transfer, accounts, *args) is None
    ]
    partial_credit.check(not missing, f"an unknown source or destination must raise LookupError: {missing}")
    partial_credit.check(
        balances(accounts) == {1: 700, 2: 1300, 3: 2000, 4: 0}, "a refused transfer must change no balance"
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Check the arguments before opening any transaction.",
    "A ValueError's message names the argument that is wrong: 'amount' or 'isolation'.",
    "Only the three levels of the README are accepted, in that spelling; demonstrate_lost_update checks too.",
)
def test_transfer_validates_arguments(accounts: Engine, partial_credit):
    """transfer() and demonstrate_lost_update() raise ValueError, naming the argument, for bad values."""
    partial_credit.total = 2
    amounts = [_raises(ValueError, transfer, accounts, 1, 2, amount) for amount in (0, -5)]
    same = _raises(ValueError, transfer, accounts, 1, 1, 5)
    partial_credit.check(
        None not in amounts
        and same is not None
        and all("amount" in message for message in amounts if message),
        "amount <= 0 must raise ValueError naming the amount, and src == dst ValueError",
    )
    levels = [
        _raises(ValueError, transfer, accounts, 1, 2, 5, level)
        for level in ("READ UNCOMMITTED", "SNAPSHOT", "serializable ", "")
    ]
    demo = [
        _raises(ValueError, demonstrate_lost_update, accounts, 1, level)
        for level in ("READ UNCOMMITTED", "CHAOS")
    ]
    partial_credit.check(
        None not in levels
        and None not in demo
        and balances(accounts) == {1: 1000, 2: 1000, 3: 1000, 4: 1000}
        and all("isolation" in message for message in (*levels, *demo) if message),
        "an isolation level other than the README's three must raise ValueError naming isolation, in "
        "transfer() and in demonstrate_lost_update(), and change no balance",
    )


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "The level is an execution option of the connection, set before the transaction begins.",
    "Without a level, transfer() runs at SERIALIZABLE.",
)
def test_transfer_uses_the_requested_isolation_level(accounts: Engine):
    """transfer() runs its transaction at the isolation level it is given, SERIALIZABLE by default; so do
    both deposits of demonstrate_lost_update()."""
    with accounts.begin() as conn:
        conn.execute(text("CREATE TABLE seen (level text)"))
        conn.execute(
            text(
                "CREATE FUNCTION note_level() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO seen VALUES (current_setting('transaction_isolation')); RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER note AFTER UPDATE ON accounts"
                " FOR EACH STATEMENT EXECUTE FUNCTION note_level()"
            )
        )
    transfer(accounts, 1, 2, 1)
    with accounts.begin() as conn:
        default = sorted(str(row[0]) for row in conn.execute(text("SELECT DISTINCT level FROM seen")))
        conn.execute(text("DELETE FROM seen"))
    assert default == ["serializable"], (
        f"transfer() without a level ran at {default}; the default is SERIALIZABLE"
    )
    for level in LEVELS:
        transfer(accounts, 1, 2, 1, level)
    with accounts.connect() as conn:
        seen = sorted(str(row[0]) for row in conn.execute(text("SELECT DISTINCT level FROM seen")))
    assert seen == ["read committed", "repeatable read", "serializable"], (
        f"transfer() at the three levels ran its updates at {seen}; pass isolation_level to the connection"
    )
    for level in LEVELS:
        with accounts.begin() as conn:
            conn.execute(text("DELETE FROM seen"))
        demonstrate_lost_update(accounts, 3, level)
        with accounts.connect() as conn:
            demo = sorted(str(row[0]) for row in conn.execute(text("SELECT DISTINCT level FROM seen")))
        assert demo == [level.lower()], (
            f"demonstrate_lost_update(engine, 3, {level!r}) ran its deposits' updates at {demo}; both "
            "connections (A's and B's) must run at the level it is given"
        )


def _inject(engine: Engine, sqlstate: str, times: int) -> None:
    """Make the first `times` updates of accounts fail with `sqlstate` (a sequence survives rollbacks)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE SEQUENCE failures"))
        conn.execute(
            text(
                "CREATE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF nextval('failures') <= {times} THEN "
                f"RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlstate}'; "
                "END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER inject BEFORE UPDATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION inject()"
            )
        )


def _calls(engine: Engine) -> int:
    with engine.connect() as conn:
        query = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM failures"
        return int(conn.execute(text(query)).scalar_one())


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Retry the whole transaction, from the reads, on SQLSTATE 40001 and 40P01 only.",
    "Return the number of attempts made, counting the one that succeeded.",
    "Any other error (a check violation, say) is raised at once, without a retry.",
)
def test_transfer_retries_serialization_failures(fresh_database, partial_credit):
    """transfer() retries serialization failures and deadlocks (40001, 40P01), and nothing else; a retry
    redoes the whole transaction, reads included."""
    partial_credit.total = 4
    engine = create_engine(fresh_database("retry-reread"))
    other = create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        create_accounts(engine, {1: 100, 2: 100})
        _inject(engine, "40001", 1)
        deposited: list[str] = []

        def deposit_once(context) -> None:  # runs when the first attempt fails, before the retry
            if deposited or getattr(context.original_exception, "sqlstate", None) != "40001":
                return
            deposited.append("+5")
            with other.connect() as conn:  # another client deposits 5 on account 1 meanwhile
                conn.execute(text("UPDATE accounts SET balance = balance + 5 WHERE id = 1"))

        event.listen(engine, "handle_error", deposit_once)
        try:
            attempts, raised = transfer(engine, 1, 2, 10, "REPEATABLE READ"), None
        except Exception as exc:
            attempts, raised = None, exc
        found = balances(engine)
        partial_credit.check(
            raised is None and deposited and found == {1: 95, 2: 110},
            "transfer(1 -> 2, 10) at REPEATABLE READ: the first attempt failed with 40001 and another client "
            "then deposited 5 on account 1 (100 -> 105); the retry must read the balances again, giving "
            f"{{1: 95, 2: 110}}; got {found}, returned {attempts!r} / raised {raised!r}",
        )
    finally:
        other.dispose()
        engine.dispose()
    for sqlstate, times, retried in (("40001", 2, True), ("40P01", 1, True), ("23514", 1, False)):
        engine = create_engine(fresh_database(f"retry{times}{sqlstate[-1]}"))
        try:
            create_accounts(engine, {1: 100, 2: 100})
            _inject(engine, sqlstate, times)
            try:
                attempts = transfer(engine, 1, 2, 10, "SERIALIZABLE")
                raised = None
            except Exception as exc:
                attempts, raised = None, exc
            moved = balances(engine) == {1: 90, 2: 110}
            if retried:
                partial_credit.check(
                    raised is None and type(attempts) is int and attempts == times + 1 and moved,
                    f"SQLSTATE {sqlstate} failed the first {times} attempt(s): transfer() must retry, "
                    f"move the money once and return {times + 1}; it returned {attempts!r} / raised {raised!r}",
                )
            else:
                partial_credit.check(
                    raised is not None and _calls(engine) == 1 and not moved,
                    f"SQLSTATE {sqlstate} (a check violation) must not be retried: "
                    "transfer() must raise at once",
                )
        finally:
            engine.dispose()


@pytest.mark.points(2)
@pytest.mark.hints(
    "max_attempts counts every attempt, the first one included.",
    "When the last allowed attempt fails too, raise that database error, do not try once more.",
)
def test_transfer_retry_limit_is_enforced(fresh_database, partial_credit):
    """transfer() makes at most max_attempts attempts (30 when not given, as documented): it succeeds on
    the last one, or re-raises the serialization failure after exactly max_attempts."""
    cases = ((2, 3), (3, 3), (1, 1), (29, None), (30, None))  # None: rely on the default of 30
    partial_credit.total = len(cases)
    for case, (failures, given) in enumerate(cases):
        limit = 30 if given is None else given
        label = f"max_attempts={limit}" if given is not None else "the default max_attempts (30)"
        engine = create_engine(fresh_database(f"limit{case}"))
        try:
            create_accounts(engine, {1: 100, 2: 100})
            _inject(engine, "40001", failures)
            options = {} if given is None else {"max_attempts": given}
            try:
                attempts, raised = transfer(engine, 1, 2, 10, "SERIALIZABLE", **options), None
            except Exception as exc:
                attempts, raised = None, exc
            calls, moved = _calls(engine), balances(engine) == {1: 90, 2: 110}
            if failures < limit:
                partial_credit.check(
                    raised is None and type(attempts) is int and attempts == limit and moved,
                    f"{failures} failure(s) with {label}: the last allowed attempt must succeed "
                    f"and {limit} be returned; got {attempts!r} / {raised!r}",
                )
            else:
                sqlstate = getattr(getattr(raised, "orig", None), "sqlstate", None)
                partial_credit.check(
                    isinstance(raised, DBAPIError) and sqlstate == "40001" and calls == limit and not moved,
                    f"{failures} failure(s) with {label}: transfer() must give up after exactly "
                    f"{limit} attempt(s) and re-raise the serialization failure; it made {calls} and "
                    f"{'raised ' + repr(raised) if raised else 'returned ' + repr(attempts)}",
                )
        finally:
            engine.dispose()


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "B must read before A commits, and write its stale value afterwards.",
    "Under REPEATABLE READ the snapshot is taken by the first statement, not by BEGIN.",
    "On the serialization failure, B rolls back and redoes its read and write once: 2 attempts in all.",
)
def test_lost_update_demonstration(accounts: Engine, fresh_database, partial_credit):
    """demonstrate_lost_update loses an update under READ COMMITTED (1 attempt), not under the stricter
    levels (exactly 2 attempts), and reports the real initial and final balances."""
    partial_credit.total = 4
    fee_engine = create_engine(fresh_database("iso-fee"))
    try:
        create_accounts(fee_engine, {1: 1000})
        with fee_engine.begin() as conn:  # every write of a balance also adds a bonus of 1
            conn.execute(
                text(
                    "CREATE FUNCTION bonus() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "NEW.balance := NEW.balance + 1; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text("CREATE TRIGGER bonus BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION bonus()")
            )
        wrong = []
        for level in LEVELS:
            result = demonstrate_lost_update(fee_engine, 1, level)
            stored = balances(fee_engine)[1]
            if int(result.final) != stored:
                wrong.append(f"{level}: final={int(result.final)}, database {stored}")
        partial_credit.check(
            not wrong,
            "with a trigger that adds 1 to every balance written, demonstrate_lost_update must report the "
            f"final balance as read from the database afterwards; {wrong}",
        )
    finally:
        fee_engine.dispose()
    for level in LEVELS:
        before = balances(accounts)[3]
        result = demonstrate_lost_update(accounts, 3, level)
        after = balances(accounts)[3]
        reported = (str(result.isolation), int(result.initial), int(result.final), int(result.attempts))
        if level == "READ COMMITTED":
            partial_credit.check(
                after == before + 20 and reported == (level, before, after, 1) and result.lost_update is True,
                f"under READ COMMITTED the +10 deposit must be lost (balance {before} -> {before + 20}, one "
                f"attempt); the database went {before} -> {after}, result {reported}",
            )
        else:
            partial_credit.check(
                after == before + 30
                and reported == (level, before, after, 2)
                and result.lost_update is False,
                f"under {level} the second deposit must fail with a serialization failure and be redone once "
                f"(balance {before} -> {before + 30}, attempts 2); the database went {before} -> {after}, "
                f"result {reported}",
            )


@pytest.mark.points(3)
@pytest.mark.critical("no update is lost under REPEATABLE READ or SERIALIZABLE")
@pytest.mark.hints(
    "Four clients at once: every transfer must eventually succeed, retrying its conflicts.",
    "The sum of the balances and each balance must match the transfers that returned.",
)
def test_concurrent_transfers_lose_no_updates(accounts: Engine, partial_credit):
    """Concurrent transfers at REPEATABLE READ and SERIALIZABLE all succeed and lose no update."""
    partial_credit.total = 2
    for level in ("REPEATABLE READ", "SERIALIZABLE"):
        start = balances(accounts)
        errors: list[str] = []
        done: list[tuple[int, int, int]] = []
        lock = threading.Lock()

        def client(
            seed: int, level: str = level, done: list = done, errors: list = errors, lock=lock
        ) -> None:
            rng = random.Random(seed)
            for _ in range(12):
                src, dst = rng.sample((1, 2, 3, 4), 2)
                amount = rng.randint(1, 20)
                try:
                    transfer(accounts, src, dst, amount, level)
                except Exception as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    return
                with lock:
                    done.append((src, dst, amount))

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        expected = dict(start)
        for src, dst, amount in done:
            expected[src] -= amount
            expected[dst] += amount
        found = balances(accounts)
        partial_credit.check(
            not errors and len(done) == 48 and found == expected,
            f"{level}: {len(done)}/48 transfers succeeded, errors {errors[:2]}; balances "
            f"{'match' if found == expected else 'do NOT match (lost updates)'} the transfers",
        )
