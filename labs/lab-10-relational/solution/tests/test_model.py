"""Model tests for the reference solution (with test_examples.py they meet the coverage gate)."""

from __future__ import annotations

import datetime as dt

import pytest
from shop.analytics import (
    active_streaks,
    category_ranking,
    dormant_customers,
    monthly_revenue,
)
from shop.indexing import apply_indexes, explain, plan_nodes
from shop.repository import category_tree_totals, order_feed, top_customers
from shop.results import FeedCursor
from sqlalchemy.orm import Session


def test_top_customers(small_shop):
    engine, _ = small_shop
    with Session(engine) as session:
        top = top_customers(session, 3, dt.datetime(2024, 1, 1))
        with pytest.raises(ValueError):
            top_customers(session, 0, dt.datetime(2024, 1, 1))
    assert len(top) == 3 and top[0].total_cents >= top[1].total_cents >= top[2].total_cents


def test_category_totals_roll_up(small_shop):
    engine, _ = small_shop
    with Session(engine) as session:
        totals = {t.category_id: t for t in category_tree_totals(session)}
    roots = [t for t in totals.values() if t.depth == 0]
    assert sum(t.total_cents for t in roots) == sum(t.own_cents for t in totals.values())


def test_feed_pages_cover_everything(small_shop):
    engine, data = small_shop
    seen: list[int] = []
    cursor: FeedCursor | None = None
    with Session(engine) as session:
        with pytest.raises(ValueError):
            order_feed(session, limit=0)
        while True:
            page = order_feed(session, limit=50, after=cursor)
            seen += [item.order_id for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert sorted(seen) == sorted(o[0] for o in data.orders) and len(seen) == len(set(seen))


def test_window_queries(small_shop):
    engine, data = small_shop
    with engine.connect() as conn:
        ranking = category_ranking(conn)
        streaks = active_streaks(conn, 2)
        months = monthly_revenue(conn)
        dormant = dormant_customers(conn, dt.datetime(2024, 5, 1))
        with pytest.raises(ValueError):
            active_streaks(conn, 0)
    assert len(ranking) == len(data.products) and min(r[3] for r in ranking) == 1
    assert all(days >= 2 and (last - first).days + 1 == days for _, first, last, days in streaks)
    assert months[0][2] is None and all(m[1] >= 0 for m in months)
    assert all(isinstance(pct, float) for _, _, _, pct in months[1:] if pct is not None)
    assert {c for c, _ in dormant} >= {c[0] for c in data.customers} - {o[1] for o in data.orders}


def test_explain_analyze_rolls_back(small_shop):
    engine, _ = small_shop
    with engine.connect() as conn:
        plan = explain(conn, "UPDATE customers SET name = 'x' WHERE id = 1", analyze=True)
        assert "Execution Time" in plan
        assert conn.exec_driver_sql("SELECT name FROM customers WHERE id = 1").scalar_one() != "x"
        names = apply_indexes(conn)
        assert apply_indexes(conn) == names
    assert plan_nodes(plan["Plan"])[0] is plan["Plan"]
