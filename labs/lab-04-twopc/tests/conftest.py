"""Shared fixtures for your tests. `make_database` comes from the autograder's plugin (see the README)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from twopc.isolation import create_accounts

NAMES = ("alpha", "beta", "gamma")


@pytest.fixture
def bank(make_database: Callable[[str], str]) -> Iterator[dict[str, Engine]]:
    """Three participant databases (accounts 1 and 2 holding 100 each) plus the coordinator's ("coord")."""
    engines = {name: create_engine(make_database(name)) for name in (*NAMES, "coord")}
    for name in NAMES:
        create_accounts(engines[name], {1: 100, 2: 100})
    yield engines
    for engine in engines.values():
        engine.dispose()


def balances(engines: dict[str, Engine]) -> dict[tuple[str, int], int]:
    found = {}
    for name in NAMES:
        with engines[name].connect() as conn:
            for account, balance in conn.execute(text("SELECT id, balance FROM accounts")):
                found[(name, account)] = balance
    return found


def prepared(engine: Engine) -> list[str]:
    """Prepared transactions of this engine's database (pg_prepared_xacts lists the whole server)."""
    with engine.connect() as conn:
        query = "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() ORDER BY gid"
        return list(conn.execute(text(query)).scalars())


def add(account: int, amount: int):
    """Work for one participant: add `amount` (may be negative) to `account`."""

    def work(conn) -> None:
        conn.execute(
            text("UPDATE accounts SET balance = balance + :a WHERE id = :id"), {"a": amount, "id": account}
        )

    return work
