"""Part C: reading plans and choosing the indexes that make the slow queries fast (README section 4.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection


def explain(
    conn: Connection, sql: str, params: Mapping[str, Any] | None = None, *, analyze: bool = False
) -> dict[str, Any]:
    """The parsed `EXPLAIN (FORMAT JSON)` of `sql`: the dict holding "Plan" (and timings when analyzing).
    With `analyze`, the statement really runs (with BUFFERS) inside a savepoint that is rolled back."""
    raise NotImplementedError("explain: see README section 4.3")


def plan_nodes(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every node of a plan (the dict `explain` returns, or a node), depth first, parents before children."""
    raise NotImplementedError("plan_nodes: see README section 4.3")


def apply_indexes(conn: Connection) -> list[str]:
    """Create the indexes for `shop.queries.SLOW_QUERIES` (idempotently); return their names."""
    raise NotImplementedError("apply_indexes: see README section 4.3")
