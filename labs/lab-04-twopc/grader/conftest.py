from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from bank_harness import Bank, DatabasePool


@pytest.fixture(scope="session")
def database_pool(postgres_url: str) -> Iterator[DatabasePool]:
    pool = DatabasePool(postgres_url)
    yield pool
    pool.close()


@pytest.fixture
def fresh_database(database_pool: DatabasePool) -> Iterator[Callable[[str], str]]:
    """fresh_database(name) -> URL of an empty database (use a different name for each one in a test).

    After the test, every pooled database loses its sessions and prepared transactions, so nothing a test
    leaves behind can affect the next one."""
    yield database_pool.fresh
    for url in database_pool.urls.values():
        database_pool.end_everything(url)


@pytest.fixture
def bank(fresh_database: Callable[[str], str]) -> Iterator[Bank]:
    created = Bank.create(fresh_database)
    yield created
    created.dispose()
