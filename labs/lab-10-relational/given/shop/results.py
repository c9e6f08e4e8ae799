"""The plain result types of part A (given: do not change it). Repository functions return these, never
ORM objects, so nothing can lazy-load after the query budget has been spent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LineView:
    line_id: int
    product_id: int
    product_name: str
    category_name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class OrderView:
    order_id: int
    placed_at: dt.datetime
    status: str
    total_cents: int
    lines: tuple[LineView, ...]


@dataclass(frozen=True)
class CustomerTotal:
    customer_id: int
    name: str
    orders: int
    total_cents: int


@dataclass(frozen=True)
class CategoryTotal:
    category_id: int
    name: str
    depth: int
    own_cents: int
    total_cents: int


@dataclass(frozen=True)
class FeedCursor:
    """Where the next page starts: the (placed_at, order_id) of the last item of the previous page."""

    placed_at: dt.datetime
    order_id: int


@dataclass(frozen=True)
class FeedItem:
    order_id: int
    placed_at: dt.datetime
    customer_name: str
    status: str
    line_count: int
    total_cents: int


@dataclass(frozen=True)
class FeedPage:
    items: tuple[FeedItem, ...]
    next_cursor: FeedCursor | None
