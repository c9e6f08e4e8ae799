"""Helpers of the lab-10 graders: loading a shop, counting statements, reading plans."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from shop.data import Dataset, generate, load
from sqlalchemy import Engine, create_engine, event, text

# row counts of the generated shops the graders use (README section 2): a loader that went wrong is
# reported as such, not as a wrong answer
EXPECTED_COUNTS = {
    ("small", 11): (16, 40, 30, 320),
    ("small", 23): (16, 40, 30, 320),
    ("large", 5): (32, 800, 4000, 25000),
}

_LARGE_CACHE: dict[int, Dataset] = {}
TABLES = ("categories", "products", "customers", "orders", "order_lines")


@dataclass
class Shop:
    engine: Engine
    data: Dataset
    statements: list[str] = field(default_factory=list)
    counting: bool = False

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def count(self) -> Iterator[list[str]]:
        """Collect the SQL statements sent to the server inside the block."""
        self.statements = []
        self.counting = True
        try:
            yield self.statements
        finally:
            self.counting = False


def dataset(seed: int, scale: object) -> Dataset:
    if isinstance(scale, Dataset):
        return scale
    if scale == "large":
        if seed not in _LARGE_CACHE:
            _LARGE_CACHE[seed] = generate(seed, "large")
        return _LARGE_CACHE[seed]
    return generate(seed, str(scale))


def open_shop(url: str, seed: int, scale: object) -> Shop:
    data = dataset(seed, scale)
    engine = create_engine(url)
    with engine.begin() as conn:
        load(conn, data)
        for table in TABLES:  # an automatic ANALYZE mid-test would sample rows at random and change plans
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = off)"))
    with engine.connect() as conn:
        counts = tuple(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES)
    lengths = tuple(
        len(rows) for rows in (data.categories, data.products, data.customers, data.orders, data.order_lines)
    )
    assert counts == lengths, f"the given loader put {counts} rows in the tables instead of {lengths}"
    expected = EXPECTED_COUNTS.get((str(scale), seed))
    assert expected is None or lengths[:4] == expected, f"the given generator made {lengths[:4]} rows"
    loaded = Shop(engine, data)

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if loaded.counting:
            loaded.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return loaded


def budget_message(what: str, budget: int, statements: list[str]) -> str:
    shown = "\n".join(f"  {i + 1}. {' '.join(s.split())[:160]}" for i, s in enumerate(statements[:6]))
    more = f"\n  … and {len(statements) - 6} more" if len(statements) > 6 else ""
    return (
        f"{what} sent {len(statements)} SQL statements; its budget is {budget} whatever the number of rows "
        f"(an N+1 pattern: choose a loading strategy or aggregate in SQL). The statements:\n{shown}{more}"
    )


def plain(value: object) -> object:
    """A learner's value as a plain comparable value; anything else (a Decimal, say) becomes a marker that
    equals no expected value and says what it was."""
    if type(value) is bool:
        return value
    if isinstance(value, decimal.Decimal):  # the README asks for int (or float), never Decimal
        return ("a Decimal, not an int or float", str(value))
    if type(value) in (int, str, float, dt.date, dt.datetime) or value is None:
        return value
    return ("not a plain value", repr(value)[:60])


def plain_rows(rows: object) -> list[tuple[object, ...]]:
    if not isinstance(rows, list):
        return [("not a list", repr(type(rows)))]
    found = []
    for row in rows:
        if not isinstance(row, tuple):
            found.append(("not a tuple", repr(type(row))))
        else:
            found.append(tuple(plain(value) for value in tuple.__iter__(row)))
    return found


def first_difference(got: list[tuple[object, ...]], want: list[tuple[object, ...]]) -> str:
    if len(got) != len(want):
        extra = [row for row in got if row not in want][:2]
        missing = [row for row in want if row not in got][:2]
        return f"{len(got)} rows instead of {len(want)} (e.g. unexpected {extra}, missing {missing})"
    for index, (a, b) in enumerate(zip(got, want, strict=True)):
        if a != b:
            return f"row {index} is {a}, expected {b}"
    return "no difference"


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [plan["Plan"]]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.get("Plans", [])))


def grader_explain(engine: Engine, sql: str, params: dict[str, Any], analyze: bool = False) -> dict[str, Any]:
    options = "ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON" if analyze else "FORMAT JSON"
    with engine.connect() as conn:
        document = conn.execute(text(f"EXPLAIN ({options}) {sql}"), params).scalar_one()
        conn.rollback()
    plan: dict[str, Any] = document[0]
    return plan
