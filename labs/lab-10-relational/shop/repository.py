"""Part A: repository functions over the ORM, each within a fixed statement budget (README section 4.1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from shop.results import CategoryTotal, CustomerTotal, FeedCursor, FeedPage, OrderView


def orders_with_lines(session: Session, customer_id: int) -> list[OrderView]:
    """Every order of the customer (oldest first) with its lines; at most 2 statements."""
    raise NotImplementedError("orders_with_lines: see README section 4.1")


def top_customers(session: Session, n: int, since: dt.datetime) -> list[CustomerTotal]:
    """The n customers who spent most on paid orders placed at or after `since`; 1 statement."""
    raise NotImplementedError("top_customers: see README section 4.1")


def category_tree_totals(session: Session) -> list[CategoryTotal]:
    """Paid revenue of every category, own and with all its descendants; at most 2 statements."""
    raise NotImplementedError("category_tree_totals: see README section 4.1")


def order_feed(session: Session, limit: int = 20, after: FeedCursor | None = None) -> FeedPage:
    """One page of all orders, newest first, by keyset pagination; 1 statement per page."""
    raise NotImplementedError("order_feed: see README section 4.1")
