"""Isolation levels on one database: retrying transfer and the lost-update anomaly."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import Engine, create_engine, text
from twopc import InsufficientFunds, demonstrate_lost_update, transfer
from twopc.isolation import create_accounts

LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")


@pytest.fixture
def accounts(fresh_database):
    engine = create_engine(fresh_database("iso"), pool_size=8)
    create_accounts(engine, {1: 1000, 2: 1000, 3: 1000, 4: 1000})
    yield engine
    engine.dispose()


def balances(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return {int(i): int(b) for i, b in conn.execute(text("SELECT id, balance FROM accounts ORDER BY id"))}


@pytest.mark.points(4)
def test_transfer_moves_money_and_checks_funds(accounts: Engine, partial_credit):
    """transfer() moves the amount, refuses overdrafts and bad arguments, and changes nothing then."""
    partial_credit.total = 5
    attempts = transfer(accounts, 1, 2, 300, "REPEATABLE READ")
    partial_credit.check(
        balances(accounts) == {1: 700, 2: 1300, 3: 1000, 4: 1000}, "transfer(1 -> 2, 300) did not move 300"
    )
    partial_credit.check(
        type(attempts) is int and attempts == 1, f"an uncontended transfer must return 1, got {attempts!r}"
    )
    try:
        transfer(accounts, 1, 3, 701, "SERIALIZABLE")
        overdraft = False
    except InsufficientFunds:
        overdraft = True
    partial_credit.check(overdraft, "a transfer of more than the balance must raise InsufficientFunds")
    bad = 0
    for args, error in (((1, 2, 0), ValueError), ((1, 1, 5), ValueError), ((1, 99, 5), LookupError)):
        try:
            transfer(accounts, *args, "SERIALIZABLE")
        except error:
            bad += 1
    partial_credit.check(
        bad == 3, "amount <= 0 and src == dst must raise ValueError, an unknown account LookupError"
    )
    partial_credit.check(
        balances(accounts) == {1: 700, 2: 1300, 3: 1000, 4: 1000}, "a refused transfer must change no balance"
    )


@pytest.mark.points(4)
def test_transfer_uses_the_requested_isolation_level(accounts: Engine):
    """transfer() runs its transaction at the isolation level it is given."""
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
    for level in LEVELS:
        transfer(accounts, 1, 2, 1, level)
    with accounts.connect() as conn:
        seen = sorted(str(row[0]) for row in conn.execute(text("SELECT DISTINCT level FROM seen")))
    assert seen == ["read committed", "repeatable read", "serializable"], (
        f"transfer() at the three levels ran its updates at {seen}; pass isolation_level to the connection"
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


@pytest.mark.points(6)
def test_transfer_retries_serialization_failures(fresh_database, partial_credit):
    """transfer() retries serialization failures and deadlocks (40001, 40P01), and nothing else."""
    partial_credit.total = 3
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


@pytest.mark.points(5)
def test_lost_update_demonstration(accounts: Engine, partial_credit):
    """demonstrate_lost_update loses an update under READ COMMITTED, not under the stricter levels."""
    partial_credit.total = 3
    for level in LEVELS:
        before = balances(accounts)[3]
        result = demonstrate_lost_update(accounts, 3, level)
        after = balances(accounts)[3]
        if level == "READ COMMITTED":
            partial_credit.check(
                after == before + 20 and result.lost_update is True and int(result.final) == after,
                f"under READ COMMITTED the +10 deposit must be lost (balance {before} -> {before + 20}); "
                f"the database went {before} -> {after}, result {result}",
            )
        else:
            partial_credit.check(
                after == before + 30 and result.lost_update is False and int(result.attempts) >= 2,
                f"under {level} the second deposit must fail with a serialization failure and be retried "
                f"(balance {before} -> {before + 30}, attempts >= 2); the database went {before} -> {after}, "
                f"result {result}",
            )


@pytest.mark.points(6)
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
