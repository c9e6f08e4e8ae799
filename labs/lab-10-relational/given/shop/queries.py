"""The slow queries of part C (given: do not change it). Each is plain SQL with named parameters."""

from __future__ import annotations

SLOW_QUERIES: dict[str, str] = {
    # a customer's latest orders: filter on one column, order on another
    "recent_orders": (
        "SELECT id, placed_at, status FROM orders WHERE customer_id = :customer_id"
        " ORDER BY placed_at DESC, id DESC LIMIT 10"
    ),
    # the queue of pending orders (about 1 % of all orders), oldest first
    "pending_queue": (
        "SELECT id, customer_id, placed_at FROM orders WHERE status = 'pending' ORDER BY placed_at LIMIT 20"
    ),
    # every sale of one product, read for a sales report: only these three columns are needed
    "product_sales": "SELECT order_id, quantity, unit_price_cents FROM order_lines WHERE product_id = :product_id",
    # the lines of one order
    "order_lines": "SELECT product_id, quantity, unit_price_cents FROM order_lines WHERE order_id = :order_id",
    # what one customer has spent: a join from orders to their lines
    "customer_spend": (
        "SELECT sum(l.quantity * l.unit_price_cents) FROM orders o JOIN order_lines l ON l.order_id = o.id"
        " WHERE o.customer_id = :customer_id AND o.status = 'paid'"
    ),
}
