"""Part C: reading plans and choosing the indexes that make the slow queries fast (README section 4.3)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, text

INDEXES = (
    # recent_orders: equality first, then the order the query wants, so no sort is needed
    "CREATE INDEX IF NOT EXISTS orders_customer_recent ON orders (customer_id, placed_at DESC, id DESC)",
    # pending_queue: a partial index holds only the rare pending orders, already in placed_at order
    "CREATE INDEX IF NOT EXISTS orders_pending_by_time ON orders (placed_at) WHERE status = 'pending'",
    # product_sales: a covering index answers from the index alone (index-only scan)
    "CREATE INDEX IF NOT EXISTS order_lines_product_covering ON order_lines (product_id)"
    " INCLUDE (order_id, quantity, unit_price_cents)",
    # order_lines and customer_spend: the foreign key PostgreSQL does not index by itself
    "CREATE INDEX IF NOT EXISTS order_lines_order ON order_lines (order_id)",
)


def explain(
    conn: Connection, sql: str, params: Mapping[str, Any] | None = None, *, analyze: bool = False
) -> dict[str, Any]:
    """The parsed `EXPLAIN (FORMAT JSON)` of `sql`: the dict holding "Plan" (and timings when analyzing).
    With `analyze`, the statement really runs (with BUFFERS) inside a savepoint that is rolled back."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    savepoint = conn.begin_nested()
    try:
        raw = conn.execute(text(f"EXPLAIN ({options}) {sql}"), dict(params or {})).scalar_one()
    finally:
        savepoint.rollback()
    document = json.loads(raw) if isinstance(raw, str) else raw
    plan: dict[str, Any] = document[0]
    return plan


def plan_nodes(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every node of a plan (the dict `explain` returns, or a node), depth first, parents before children."""
    root = plan.get("Plan", plan)
    nodes: list[Mapping[str, Any]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(node.get("Plans", [])))
    return nodes


def apply_indexes(conn: Connection) -> list[str]:
    """Create the indexes for `shop.queries.SLOW_QUERIES` (idempotently); return their names."""
    names = []
    for statement in INDEXES:
        conn.execute(text(statement))
        names.append(statement.split(" EXISTS ", 1)[1].split(" ", 1)[0])
    return names
