"""Fixtures of the lab-10 graders: a fresh database (from `make_database`) loaded with a seeded shop."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from shop_grading import Shop, open_shop


@pytest.fixture
def shop(make_database: Callable[[str], str]) -> Iterator[Callable[..., Shop]]:
    """shop(seed=..., scale="small" | "large" | dataset) -> a loaded Shop, disposed after the test."""
    opened: list[Shop] = []

    def make(seed: int = 1, scale: object = "small") -> Shop:
        loaded = open_shop(make_database("shop"), seed, scale)
        opened.append(loaded)
        return loaded

    yield make
    for loaded in opened:
        loaded.dispose()
