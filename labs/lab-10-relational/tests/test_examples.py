"""Example tests: they pass on a finished lab. Add your own (the coverage gate counts only your tests)."""

from __future__ import annotations

from conftest import StatementLog
from shop.analytics import category_paths, running_totals
from shop.indexing import apply_indexes, explain, plan_nodes
from shop.repository import order_feed, orders_with_lines
from sqlalchemy import event
from sqlalchemy.orm import Session


def test_orders_with_lines_stays_within_budget(small_shop):
    engine, data = small_shop
    log = StatementLog()
    event.listen(engine, "before_cursor_execute", log)
    with Session(engine) as session:
        views = orders_with_lines(session, 1)
    assert len(views) == sum(1 for order in data.orders if order[1] == 1)
    assert len(log.statements) <= 2, log.statements


def test_feed_first_page_is_newest(small_shop):
    engine, data = small_shop
    with Session(engine) as session:
        page = order_feed(session, limit=3)
    newest = max(data.orders, key=lambda o: (o[2], o[0]))
    assert page.items[0].order_id == newest[0] and len(page.items) == 3


def test_running_totals_end_with_customer_spend(small_shop):
    engine, _ = small_shop
    with engine.connect() as conn:
        rows = running_totals(conn)
    last = {}
    for customer_id, _, _, _, running in rows:
        last[customer_id] = running
    assert all(total > 0 for total in last.values())


def test_roots_have_depth_zero(small_shop):
    engine, _ = small_shop
    with engine.connect() as conn:
        paths = category_paths(conn)
    assert [path for _, path, depth in paths if depth == 0] == ["Department 1", "Department 2"]


def test_an_index_changes_the_plan(small_shop):
    engine, _ = small_shop
    sql = "SELECT product_id FROM order_lines WHERE order_id = :o"
    with engine.begin() as conn:
        before = {node["Node Type"] for node in plan_nodes(explain(conn, sql, {"o": 5}))}
        apply_indexes(conn)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        after = {node["Node Type"] for node in plan_nodes(explain(conn, sql, {"o": 5}))}
    assert "Seq Scan" in before and "Seq Scan" not in after
