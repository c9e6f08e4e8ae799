"""Part A: repository functions without N+1 (statements counted with SQLAlchemy's event hooks)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal

import pytest
import shop_oracle as oracle
from shop.repository import category_tree_totals, order_feed, orders_with_lines, top_customers
from shop.results import CategoryTotal, CustomerTotal, FeedCursor, FeedItem, FeedPage, LineView, OrderView
from shop_edges import edge_dataset
from shop_grading import budget_message, first_difference
from sqlalchemy.orm import Session

pytestmark = [pytest.mark.part("A")]


def _exact(value: object) -> object:
    """A field as compared: a Decimal (which equals an int) becomes a marker, since money is an int."""
    if isinstance(value, tuple):
        return tuple(_exact(item) for item in value)
    if isinstance(value, decimal.Decimal):
        return ("a Decimal, not an int", str(value))
    return value


def _as_tuples(values: object, kind: type) -> list[tuple[object, ...]]:
    assert isinstance(values, list), f"expected a list of {kind.__name__}, got {type(values).__name__}"
    for value in values:
        assert type(value) is kind, f"expected {kind.__name__} items, got {type(value).__name__}"
    return [_exact(dataclasses.astuple(value)) for value in values]  # type: ignore[misc]


def _order_tuples(views: object) -> list[tuple[object, ...]]:
    rows = _as_tuples(views, OrderView)
    for view in views:  # type: ignore[union-attr]
        assert isinstance(view.lines, tuple), "OrderView.lines must be a tuple of LineView"
        for line in view.lines:
            assert type(line) is LineView, "OrderView.lines must hold LineView items"
    return [(r[0], r[1], r[2], r[3], tuple(tuple(line) for line in r[4])) for r in rows]


def _busiest(data) -> int:
    counts: dict[int, int] = {}
    for order in data.orders:
        counts[order[1]] = counts.get(order[1], 0) + 1
    return max(counts, key=lambda c: (counts[c], -c))


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Every order of the customer, of every status, oldest first; ties in placed_at go by order id.",
    "An order's lines come sorted by line id, and its total is the sum of quantity × unit price.",
)
def test_orders_with_lines_results(shop, partial_credit):
    """orders_with_lines() gives every order of the customer with its lines, in the README's order."""
    cases = [(shop(seed=11), None), (shop(scale=edge_dataset()), None)]
    partial_credit.total = 4
    for loaded, _ in cases:
        for customer_id in (_busiest(loaded.data), 3):
            with Session(loaded.engine) as session:
                got = _order_tuples(orders_with_lines(session, customer_id))
            want = oracle.orders_with_lines(loaded.data, customer_id)
            partial_credit.check(got == want, f"customer {customer_id}: {first_difference(got, want)}")


@pytest.mark.points(6)
@pytest.mark.critical("orders_with_lines() has no N+1 query pattern")
@pytest.mark.hints(
    "Count the statements your function sends: touching order.lines, line.product or product.category "
    "on each object lazy-loads it with a query of its own.",
    "Load the orders with one statement, and all their lines (with products and categories) with one more.",
    "selectinload(Order.lines).joinedload(OrderLine.product).joinedload(Product.category) is one way.",
)
def test_orders_with_lines_budget(shop, partial_credit):
    """orders_with_lines() sends at most 2 statements, however many orders and lines there are."""
    loaded = shop(seed=23)
    partial_credit.total = 2
    for customer_id in (_busiest(loaded.data), 999_999):
        with Session(loaded.engine) as session, loaded.count() as statements:
            views = orders_with_lines(session, customer_id)
            _order_tuples(views)
        partial_credit.check(
            len(statements) <= 2, budget_message(f"orders_with_lines({customer_id})", 2, statements)
        )
        if customer_id == 999_999:
            assert type(views) is list and not views, (
                "a customer with no orders (or an unknown id) has an empty list of orders"
            )


@pytest.mark.points(6)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Only paid orders count, and only those placed at or after `since` (the boundary is included).",
    "Sort by total spent, largest first; equal totals go by customer id, smallest first.",
    "n must be at least 1: anything else raises ValueError.",
)
def test_top_customers_results(shop, partial_credit):
    """top_customers() ranks customers by paid spend since a date, ties by id; n < 1 raises ValueError."""
    generated, edges = shop(seed=11), shop(scale=edge_dataset())
    cases = [
        (generated, 5, dt.datetime(2024, 3, 1)), (generated, 100, dt.datetime(2024, 1, 1)),
        (edges, 1, dt.datetime(2024, 3, 1)), (edges, 2, dt.datetime(2024, 3, 1)),
        (edges, 10, dt.datetime(2024, 3, 2, 8)),
    ]  # fmt: skip
    partial_credit.total = len(cases) + 1
    for loaded, n, since in cases:
        with Session(loaded.engine) as session:
            got = _as_tuples(top_customers(session, n, since), CustomerTotal)
        want = oracle.top_customers(loaded.data, n, since)
        partial_credit.check(got == want, f"top_customers({n}, {since}): {first_difference(got, want)}")
    refused = 0
    for n in (0, -1):
        with Session(edges.engine) as session:
            try:
                top_customers(session, n, dt.datetime(2024, 1, 1))
            except ValueError:
                refused += 1
    partial_credit.check(refused == 2, "top_customers(n) with n < 1 must raise ValueError")


@pytest.mark.points(3)
@pytest.mark.hints(
    "Ranking customers is an aggregate: GROUP BY the customer, SUM the lines, ORDER BY and LIMIT in SQL.",
    "Loading customers and summing their orders in Python costs one query per customer.",
)
def test_top_customers_budget(shop):
    """top_customers() is answered by a single statement (the database sorts and limits)."""
    loaded = shop(seed=23)
    with Session(loaded.engine) as session, loaded.count() as statements:
        got = _as_tuples(top_customers(session, 5, dt.datetime(2024, 1, 1)), CustomerTotal)
    assert got == oracle.top_customers(loaded.data, 5, dt.datetime(2024, 1, 1)), (
        "top_customers() must also be right here (see the results test)"
    )
    assert len(statements) == 1, budget_message("top_customers(5, ...)", 1, statements)


@pytest.mark.points(6)
@pytest.mark.hints(
    "Every category appears, also those with no sales (0); own_cents counts the category's own products, "
    "total_cents adds every descendant's.",
    "Only paid orders count. depth is 0 for a root, 1 for its children, and so on.",
    "Two statements are enough: all categories, and the paid revenue per category; roll up in Python.",
)
def test_category_tree_totals(shop, partial_credit):
    """category_tree_totals() rolls paid revenue up the hierarchy, within 2 statements."""
    partial_credit.total = 4
    for loaded in (shop(seed=11), shop(scale=edge_dataset())):
        with Session(loaded.engine) as session, loaded.count() as statements:
            got = _as_tuples(category_tree_totals(session), CategoryTotal)
        want = oracle.category_tree_totals(loaded.data)
        partial_credit.check(got == want, f"category_tree_totals(): {first_difference(got, want)}")
        partial_credit.check(len(statements) <= 2, budget_message("category_tree_totals()", 2, statements))


def _page_through(loaded, limit: int) -> tuple[list[tuple[object, ...]], list[str], int, str | None]:
    """Every item of the feed, the statements sent, the pages read, and a problem seen on the way."""
    items: list[tuple[object, ...]] = []
    cursor = None
    pages = 0
    with loaded.count() as statements:
        while pages <= len(loaded.data.orders) + 1:
            with Session(loaded.engine) as session:
                page = order_feed(session, limit=limit, after=cursor)
            pages += 1
            if type(page) is not FeedPage or not isinstance(page.items, tuple):
                return (
                    items,
                    list(statements),
                    pages,
                    "order_feed() must return a FeedPage with a tuple of items",
                )
            if any(type(item) is not FeedItem for item in page.items):
                return items, list(statements), pages, "FeedPage.items must hold FeedItem values"
            items += [_exact(dataclasses.astuple(item)) for item in page.items]  # type: ignore[misc]
            if len(page.items) > limit:
                return items, list(statements), pages, f"a page holds {len(page.items)} items, limit {limit}"
            if page.next_cursor is None:
                break
            if type(page.next_cursor) is not FeedCursor:
                return items, list(statements), pages, "next_cursor must be a FeedCursor or None"
            cursor = page.next_cursor
    return items, list(statements), pages, None


@pytest.mark.points(6)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Newest first: placed_at descending, then order id descending, so orders of the same minute have a "
    "fixed order and none is skipped or repeated across a page boundary.",
    "The cursor is the (placed_at, order_id) of the last item; the next page is what comes strictly after "
    "it in that order. next_cursor is None exactly when nothing follows.",
    "limit must be between 1 and 100; anything else raises ValueError.",
)
def test_order_feed_pages(shop, partial_credit):
    """order_feed() pages through every order exactly once, in order, with ties across page boundaries."""
    partial_credit.total = 6
    for loaded, limit in ((shop(scale=edge_dataset()), 1), (shop(seed=11), 7), (shop(seed=11), 100)):
        items, _, pages, problem = _page_through(loaded, limit)
        want = oracle.feed(loaded.data)
        expected_pages = max(1, -(-len(want) // limit))
        ok = problem is None and items == want and pages == expected_pages
        detail = problem or (
            first_difference(items, want) if items != want else f"{pages} pages instead of {expected_pages}"
        )
        partial_credit.check(ok, f"paging with limit={limit}: {detail}")
    empty_cursor = FeedCursor(dt.datetime(2000, 1, 1), 0)
    with Session(loaded.engine) as session:
        last = order_feed(session, limit=5, after=empty_cursor)
    partial_credit.check(
        type(last) is FeedPage and last.items == () and last.next_cursor is None,
        "a cursor after the oldest order gives an empty page with next_cursor None",
    )
    refused = 0
    for limit in (0, 101):
        with Session(loaded.engine) as session:
            try:
                order_feed(session, limit=limit)
            except ValueError:
                refused += 1
    partial_credit.check(refused == 2, "order_feed(limit=...) outside 1..100 must raise ValueError")
    with Session(loaded.engine) as session:
        first = order_feed(session)
    default_items = [dataclasses.astuple(item) for item in first.items] if type(first) is FeedPage else None
    partial_credit.check(
        default_items == oracle.feed(loaded.data)[:20],
        "order_feed(session) without a limit must return the README's default page of 20 newest orders",
    )


@pytest.mark.points(4)
@pytest.mark.critical("the feed costs one statement per page")
@pytest.mark.hints(
    "Each page must be one statement: join the customer (contains_eager) and aggregate the lines in SQL.",
    "Keyset pagination filters on the cursor (a row-value comparison) instead of skipping rows with OFFSET, "
    "whose cost grows with every page.",
)
def test_order_feed_budget(shop, partial_credit):
    """order_feed() sends one statement per page, and pages with a keyset, never with OFFSET."""
    loaded = shop(seed=23)
    items, statements, pages, problem = _page_through(loaded, 25)
    partial_credit.total = 2
    partial_credit.check(
        problem is None and len(statements) <= pages and items == oracle.feed(loaded.data),
        problem or budget_message("order_feed() per page", 1, statements)
        if len(statements) > pages
        else "order_feed() must also page correctly (see the paging test)",
    )
    offsets = [s for s in statements if " OFFSET " in f" {' '.join(s.upper().split())} "]
    partial_credit.check(not offsets, f"order_feed() uses OFFSET: {' '.join(offsets[:1])[:160]}")
