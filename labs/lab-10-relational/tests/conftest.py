"""Shared fixtures for your tests. `make_database` comes from the autograder's plugin (see the README)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from shop.data import Dataset, generate, load
from sqlalchemy import Engine, create_engine


@pytest.fixture
def small_shop(make_database: Callable[[str], str]) -> Iterator[tuple[Engine, Dataset]]:
    """A fresh database holding the small generated shop of seed 1, and the rows that were loaded."""
    data = generate(1, "small")
    engine = create_engine(make_database("shop"))
    with engine.begin() as conn:
        load(conn, data)
    yield engine, data
    engine.dispose()


class StatementLog:
    """Collects the SQL statements an engine sends (attach with `event.listen`, see test_examples.py)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)
