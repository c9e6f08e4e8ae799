"""Part B: questions answered by one SQL statement each (README section 4.2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

RUNNING_TOTALS = """
WITH order_totals AS (
    SELECT o.id, o.customer_id, o.placed_at, sum(l.quantity * l.unit_price_cents) AS total
    FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.status = 'paid'
    GROUP BY o.id
)
SELECT customer_id, id, placed_at, total,
       sum(total) OVER (PARTITION BY customer_id ORDER BY placed_at, id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
FROM order_totals
ORDER BY customer_id, placed_at, id
"""

CATEGORY_RANKING = """
WITH revenue AS (
    SELECT p.id, p.category_id, coalesce(sum(l.quantity * l.unit_price_cents), 0) AS cents
    FROM products p
    LEFT JOIN order_lines l ON l.product_id = p.id
        AND EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id AND o.status = 'paid')
    GROUP BY p.id
)
SELECT category_id, id, cents, rank() OVER (PARTITION BY category_id ORDER BY cents DESC) AS position
FROM revenue
ORDER BY category_id, position, id
"""

ACTIVE_STREAKS = """
WITH days AS (
    SELECT DISTINCT customer_id, placed_at::date AS day
    FROM orders
    WHERE status <> 'cancelled'
), islands AS (
    SELECT customer_id, day,
           day - (row_number() OVER (PARTITION BY customer_id ORDER BY day))::int AS island
    FROM days
)
SELECT customer_id, min(day) AS first_day, max(day) AS last_day, count(*) AS days
FROM islands
GROUP BY customer_id, island
HAVING count(*) >= :min_days
ORDER BY customer_id, first_day
"""

MONTHLY_REVENUE = """
WITH monthly AS (
    SELECT date_trunc('month', o.placed_at)::date AS month, sum(l.quantity * l.unit_price_cents) AS cents
    FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.status = 'paid'
    GROUP BY 1
), months AS (
    SELECT generate_series(min(month), max(month), interval '1 month')::date AS month FROM monthly
), filled AS (
    SELECT m.month, coalesce(monthly.cents, 0) AS cents
    FROM months m LEFT JOIN monthly ON monthly.month = m.month
)
SELECT month, cents,
       cents - lag(cents) OVER w AS change,
       100.0 * (cents - lag(cents) OVER w) / nullif(lag(cents) OVER w, 0) AS change_pct
FROM filled
WINDOW w AS (ORDER BY month)
ORDER BY month
"""

CATEGORY_PATHS = """
WITH RECURSIVE tree AS (
    SELECT id, name::text AS path, 0 AS depth
    FROM categories
    WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, tree.path || ' / ' || c.name, tree.depth + 1
    FROM categories c JOIN tree ON c.parent_id = tree.id
)
SELECT id, path, depth FROM tree ORDER BY id
"""

DORMANT_CUSTOMERS = """
SELECT c.id,
       (SELECT max(o.placed_at) FROM orders o
        WHERE o.customer_id = c.id AND o.status = 'paid' AND o.placed_at < :since) AS last_paid
FROM customers c
WHERE NOT EXISTS (
    SELECT 1 FROM orders o
    WHERE o.customer_id = c.id AND o.status = 'paid' AND o.placed_at >= :since
)
ORDER BY c.id
"""


def _rows(conn: Connection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(text(sql), params)]


def running_totals(conn: Connection) -> list[tuple[int, int, dt.datetime, int, int]]:
    """(customer_id, order_id, placed_at, order_cents, running_cents) of every paid order."""
    return [(c, o, at, int(total), int(running)) for c, o, at, total, running in _rows(conn, RUNNING_TOTALS)]


def category_ranking(conn: Connection) -> list[tuple[int, int, int, int]]:
    """(category_id, product_id, revenue_cents, rank) of every product, ranked within its category."""
    return [(c, p, int(cents), int(rank)) for c, p, cents, rank in _rows(conn, CATEGORY_RANKING)]


def active_streaks(conn: Connection, min_days: int = 3) -> list[tuple[int, dt.date, dt.date, int]]:
    """(customer_id, first_day, last_day, days) of every run of at least `min_days` consecutive active days."""
    if min_days < 1:
        raise ValueError(f"min_days must be at least 1, got {min_days}")
    return [
        (c, first, last, int(days)) for c, first, last, days in _rows(conn, ACTIVE_STREAKS, min_days=min_days)
    ]


def monthly_revenue(conn: Connection) -> list[tuple[dt.date, int, int | None, float | None]]:
    """(month, revenue_cents, change_cents, change_pct) for every month from the first to the last sale."""
    return [
        (month, int(cents), None if change is None else int(change), None if pct is None else float(pct))
        for month, cents, change, pct in _rows(conn, MONTHLY_REVENUE)
    ]


def category_paths(conn: Connection) -> list[tuple[int, str, int]]:
    """(category_id, path, depth) of every category, by a recursive CTE."""
    return [(c, path, int(depth)) for c, path, depth in _rows(conn, CATEGORY_PATHS)]


def dormant_customers(conn: Connection, since: dt.datetime) -> list[tuple[int, dt.datetime | None]]:
    """(customer_id, last_paid_at) of every customer with no paid order placed at or after `since`."""
    return [(c, last) for c, last in _rows(conn, DORMANT_CUSTOMERS, since=since)]
