"""Shared grader fixtures: the committed ledger batches, their expected state, and fresh databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from etl_harness import engine_on


@pytest.fixture(scope="session")
def batches(datasets_dir: Path) -> list[Path]:
    paths = sorted((datasets_dir / "farm_ledger" / "batches").glob("batch_*.csv"))
    assert len(paths) >= 4, "the farm_ledger dataset batches are missing from datasets/farm_ledger/batches"
    return paths


@pytest.fixture
def new_engine(
    make_database: Callable[..., str], grader_note: Callable[[str], None]
) -> Iterator[Callable[[], sa.Engine]]:
    """Factory: an Engine on a fresh empty database (disposed after the test)."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(engine_on(make_database("etl"), on_self_wait=once(grader_note)))


@pytest.fixture
def pooled_engine(
    make_database: Callable[..., str], grader_note: Callable[[str], None]
) -> Iterator[Callable[[], sa.Engine]]:
    """Factory: an Engine with SQLAlchemy's default connection pool on a fresh database, holding one
    connection that every step reuses (disposed after the test)."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(
            engine_on(make_database("etl"), pooled=True, on_self_wait=once(grader_note))
        )


def once(note: Callable[[str], None]) -> Callable[[str], None]:
    """`note`, but each distinct text only the first time."""
    said: set[str] = set()

    def say(text: str) -> None:
        if text not in said:
            said.add(text)
            note(text)

    return say
