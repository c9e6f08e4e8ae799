"""Transaction isolation on one database: a retrying transfer and the lost-update anomaly."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")


class InsufficientFunds(Exception):
    """The source account holds less than the amount to transfer."""


def create_accounts(engine: Engine, balances: Mapping[int, int]) -> None:
    """Create table `accounts(id, balance)` with the given balances (given code: nothing to implement)."""
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, balance bigint NOT NULL)")
        )
        for account, balance in balances.items():
            conn.execute(
                text("INSERT INTO accounts (id, balance) VALUES (:id, :balance)"),
                {"id": account, "balance": balance},
            )


def _balance(conn: Connection, account: int) -> int:
    balance = conn.execute(text("SELECT balance FROM accounts WHERE id = :id"), {"id": account}).scalar()
    if balance is None:
        raise LookupError(f"no account {account}")
    return int(balance)


def _set_balance(conn: Connection, account: int, balance: int) -> None:
    conn.execute(text("UPDATE accounts SET balance = :b WHERE id = :id"), {"b": balance, "id": account})


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def transfer(
    engine: Engine,
    src: int,
    dst: int,
    amount: int,
    isolation: str = "SERIALIZABLE",
    *,
    max_attempts: int = 30,
) -> int:
    """Move `amount` from account `src` to account `dst` in one transaction at level `isolation`.

    Reads both balances, then writes the new ones (read-modify-write, so only REPEATABLE READ or
    SERIALIZABLE make it safe under concurrency). A serialization failure or deadlock (SQLSTATE 40001,
    40P01) rolls back and retries the whole transaction after a short random backoff, at most
    `max_attempts` times in all; other errors propagate at once. Returns the number of attempts made.
    Raises `ValueError` for a non-positive amount or `src == dst`, `LookupError` for an unknown account and
    `InsufficientFunds` when `src` holds less than `amount` (nothing is changed then).
    """
    if amount <= 0 or src == dst:
        raise ValueError("amount must be positive and the accounts different")
    if isolation not in LEVELS:
        raise ValueError(f"isolation must be one of {LEVELS}")
    for attempt in range(1, max_attempts + 1):
        try:
            with engine.connect().execution_options(isolation_level=isolation) as conn, conn.begin():
                have = _balance(conn, src)
                if have < amount:
                    raise InsufficientFunds(f"account {src} holds {have}, cannot send {amount}")
                to = _balance(conn, dst)
                _set_balance(conn, src, have - amount)
                _set_balance(conn, dst, to + amount)
            return attempt
        except DBAPIError as exc:
            if _sqlstate(exc) not in RETRYABLE or attempt == max_attempts:
                raise
            time.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt)))  # jittered exponential backoff
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class LostUpdateResult:
    """Two concurrent deposits (+10 and +20) on one account, interleaved read, read, write, write."""

    isolation: str
    initial: int
    final: int
    attempts: int  # transactions started by the second depositor (more than 1 means it retried)

    @property
    def expected(self) -> int:
        return self.initial + 30

    @property
    def lost_update(self) -> bool:
        return self.final != self.expected


def demonstrate_lost_update(engine: Engine, account: int, isolation: str) -> LostUpdateResult:
    """Interleave two read-modify-write deposits on `account` deterministically, on two connections.

    A reads the balance, B reads it, A writes balance+10 and commits, B writes its stale balance+20 and
    commits. Under READ COMMITTED B silently overwrites A's deposit (a lost update); under REPEATABLE READ or
    SERIALIZABLE B's write fails with a serialization failure, and B retries from the start and succeeds.
    """
    if isolation not in LEVELS:
        raise ValueError(f"isolation must be one of {LEVELS}")
    with engine.connect() as conn:
        initial = _balance(conn, account)
    a_conn = engine.connect().execution_options(isolation_level=isolation)
    b_conn = engine.connect().execution_options(isolation_level=isolation)
    with a_conn, b_conn:
        a_tx, b_tx = a_conn.begin(), b_conn.begin()
        a_seen = _balance(a_conn, account)
        b_seen = _balance(b_conn, account)
        _set_balance(a_conn, account, a_seen + 10)
        a_tx.commit()
        attempts = 1
        while True:
            try:
                _set_balance(b_conn, account, b_seen + 20)
                b_tx.commit()
                break
            except DBAPIError as exc:
                if _sqlstate(exc) not in RETRYABLE:
                    raise
                b_tx.rollback()
                attempts += 1
                b_tx = b_conn.begin()
                b_seen = _balance(b_conn, account)
    with engine.connect() as conn:
        final = _balance(conn, account)
    return LostUpdateResult(isolation, initial, final, attempts)
