"""Part B: questions answered by one SQL statement each (README section 4.2)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection


def running_totals(conn: Connection) -> list[tuple[int, int, dt.datetime, int, int]]:
    """(customer_id, order_id, placed_at, order_cents, running_cents) of every paid order."""
    raise NotImplementedError("running_totals: see README section 4.2")


def category_ranking(conn: Connection) -> list[tuple[int, int, int, int]]:
    """(category_id, product_id, revenue_cents, rank) of every product, ranked within its category."""
    raise NotImplementedError("category_ranking: see README section 4.2")


def active_streaks(conn: Connection, min_days: int = 3) -> list[tuple[int, dt.date, dt.date, int]]:
    """(customer_id, first_day, last_day, days) of every run of at least `min_days` consecutive active days."""
    raise NotImplementedError("active_streaks: see README section 4.2")


def monthly_revenue(conn: Connection) -> list[tuple[dt.date, int, int | None, float | None]]:
    """(month, revenue_cents, change_cents, change_pct) for every month from the first to the last sale."""
    raise NotImplementedError("monthly_revenue: see README section 4.2")


def category_paths(conn: Connection) -> list[tuple[int, str, int]]:
    """(category_id, path, depth) of every category, by a recursive CTE."""
    raise NotImplementedError("category_paths: see README section 4.2")


def dormant_customers(conn: Connection, since: dt.datetime) -> list[tuple[int, dt.datetime | None]]:
    """(customer_id, last_paid_at) of every customer with no paid order placed at or after `since`."""
    raise NotImplementedError("dormant_customers: see README section 4.2")
