"""Transaction isolation on one database: a retrying transfer and the lost-update anomaly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, text

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
    raise NotImplementedError("transfer: read, check, write, retry on 40001/40P01; see README section 4.6")


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
    raise NotImplementedError("demonstrate_lost_update: interleave two deposits; see README section 4.6")
