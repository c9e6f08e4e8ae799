"""Part A: repository functions over the ORM, each within a fixed statement budget (README section 4.1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, contains_eager, selectinload

from shop.results import CategoryTotal, CustomerTotal, FeedCursor, FeedItem, FeedPage, LineView, OrderView
from shop.schema import Category, Customer, Order, OrderLine, Product

MAX_PAGE = 100


def orders_with_lines(session: Session, customer_id: int) -> list[OrderView]:
    """Every order of the customer (oldest first) with its lines; at most 2 statements."""
    query = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at, Order.id)
        .options(selectinload(Order.lines).joinedload(OrderLine.product).joinedload(Product.category))
    )
    views = []
    for order in session.scalars(query):
        lines = tuple(
            LineView(
                line.id,
                line.product_id,
                line.product.name,
                line.product.category.name,
                line.quantity,
                line.unit_price_cents,
            )
            for line in sorted(order.lines, key=lambda line: line.id)
        )
        total = sum(line.quantity * line.unit_price_cents for line in lines)
        views.append(OrderView(order.id, order.placed_at, order.status, total, lines))
    return views


def top_customers(session: Session, n: int, since: dt.datetime) -> list[CustomerTotal]:
    """The n customers who spent most on paid orders placed at or after `since`; 1 statement."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    total = func.sum(OrderLine.quantity * OrderLine.unit_price_cents)
    query = (
        select(Customer.id, Customer.name, func.count(func.distinct(Order.id)), total)
        .join(Order, Order.customer_id == Customer.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status == "paid", Order.placed_at >= since)
        .group_by(Customer.id, Customer.name)
        .order_by(total.desc(), Customer.id)
        .limit(n)
    )
    return [
        CustomerTotal(cid, name, int(orders), int(spent))
        for cid, name, orders, spent in session.execute(query)
    ]


def category_tree_totals(session: Session) -> list[CategoryTotal]:
    """Paid revenue of every category, own and with all its descendants; at most 2 statements."""
    categories = list(session.scalars(select(Category).order_by(Category.id)))
    own_query = (
        select(Product.category_id, func.sum(OrderLine.quantity * OrderLine.unit_price_cents))
        .join(OrderLine, OrderLine.product_id == Product.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == "paid")
        .group_by(Product.category_id)
    )
    own = {category_id: int(cents) for category_id, cents in session.execute(own_query)}
    parent = {c.id: c.parent_id for c in categories}
    total = dict.fromkeys(parent, 0)
    depth = {}
    for category in categories:
        node: int | None = category.id
        steps = 0
        while node is not None:
            total[node] += own.get(category.id, 0)
            node = parent[node]
            steps += 1
        depth[category.id] = steps - 1
    return [CategoryTotal(c.id, c.name, depth[c.id], own.get(c.id, 0), total[c.id]) for c in categories]


def order_feed(session: Session, limit: int = 20, after: FeedCursor | None = None) -> FeedPage:
    """One page of all orders, newest first, by keyset pagination; 1 statement per page."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    line_count = func.count(OrderLine.id)
    total = func.coalesce(func.sum(OrderLine.quantity * OrderLine.unit_price_cents), 0)
    query = (
        select(Order, line_count, total)
        .join(Order.customer)
        .outerjoin(Order.lines)
        .options(contains_eager(Order.customer))
        .group_by(Order.id, Customer.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(tuple_(Order.placed_at, Order.id) < tuple_(after.placed_at, after.order_id))
    rows = session.execute(query).all()
    items = tuple(
        FeedItem(order.id, order.placed_at, order.customer.name, order.status, int(count), int(cents))
        for order, count, cents in rows[:limit]
    )
    more = len(rows) > limit
    cursor = FeedCursor(items[-1].placed_at, items[-1].order_id) if more else None
    return FeedPage(items, cursor)
