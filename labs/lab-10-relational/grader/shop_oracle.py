"""The graders' oracle: every answer of parts A and B computed in plain Python from the generated rows,
independently of SQL, following the README's definitions of order and ties."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from shop.data import Dataset


def _order_cents(data: Dataset) -> dict[int, int]:
    cents: dict[int, int] = defaultdict(int)
    for _, order_id, _, quantity, price in data.order_lines:
        cents[order_id] += quantity * price
    return cents


def _paid(data: Dataset) -> list[tuple[int, int, dt.datetime, str]]:
    return [o for o in data.orders if o[3] == "paid"]


def orders_with_lines(data: Dataset, customer_id: int) -> list[tuple[object, ...]]:
    products = {p[0]: p for p in data.products}
    categories = {c[0]: c for c in data.categories}
    lines: dict[int, list[tuple[object, ...]]] = defaultdict(list)
    for line_id, order_id, product_id, quantity, price in sorted(data.order_lines):
        product = products[product_id]
        lines[order_id].append((line_id, product_id, product[1], categories[product[2]][1], quantity, price))
    cents = _order_cents(data)
    orders = sorted((o for o in data.orders if o[1] == customer_id), key=lambda o: (o[2], o[0]))
    return [(o[0], o[2], o[3], cents[o[0]], tuple(lines[o[0]])) for o in orders]


def top_customers(data: Dataset, n: int, since: dt.datetime) -> list[tuple[object, ...]]:
    names = {c[0]: c[1] for c in data.customers}
    cents = _order_cents(data)
    totals: dict[int, list[int]] = {}
    for order_id, customer_id, placed_at, _ in _paid(data):
        if placed_at >= since:
            entry = totals.setdefault(customer_id, [0, 0])
            entry[0] += 1
            entry[1] += cents[order_id]
    ranked = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))
    return [(c, names[c], count, total) for c, (count, total) in ranked[:n]]


def _own_revenue(data: Dataset) -> dict[int, int]:
    paid = {o[0] for o in _paid(data)}
    category_of = {p[0]: p[2] for p in data.products}
    own: dict[int, int] = defaultdict(int)
    for _, order_id, product_id, quantity, price in data.order_lines:
        if order_id in paid:
            own[category_of[product_id]] += quantity * price
    return own


def _ancestors(data: Dataset, category_id: int) -> list[int]:
    parent = {c[0]: c[2] for c in data.categories}
    chain = [category_id]
    while parent[chain[-1]] is not None:
        chain.append(parent[chain[-1]])  # type: ignore[arg-type]
    return chain


def category_tree_totals(data: Dataset) -> list[tuple[object, ...]]:
    own = _own_revenue(data)
    total: dict[int, int] = defaultdict(int)
    for category in data.categories:
        for ancestor in _ancestors(data, category[0]):
            total[ancestor] += own[category[0]]
    return [
        (c[0], c[1], len(_ancestors(data, c[0])) - 1, own[c[0]], total[c[0]]) for c in sorted(data.categories)
    ]


def feed(data: Dataset) -> list[tuple[object, ...]]:
    names = {c[0]: c[1] for c in data.customers}
    cents = _order_cents(data)
    counts: dict[int, int] = defaultdict(int)
    for line in data.order_lines:
        counts[line[1]] += 1
    ordered = sorted(data.orders, key=lambda o: (o[2], o[0]), reverse=True)
    return [(o[0], o[2], names[o[1]], o[3], counts[o[0]], cents[o[0]]) for o in ordered]


def running_totals(data: Dataset) -> list[tuple[object, ...]]:
    cents = _order_cents(data)
    rows = []
    running: dict[int, int] = defaultdict(int)
    for order_id, customer_id, placed_at, _ in sorted(_paid(data), key=lambda o: (o[1], o[2], o[0])):
        running[customer_id] += cents[order_id]
        rows.append((customer_id, order_id, placed_at, cents[order_id], running[customer_id]))
    return rows


def category_ranking(data: Dataset) -> list[tuple[object, ...]]:
    paid = {o[0] for o in _paid(data)}
    revenue: dict[int, int] = {p[0]: 0 for p in data.products}
    for _, order_id, product_id, quantity, price in data.order_lines:
        if order_id in paid:
            revenue[product_id] += quantity * price
    rows = []
    by_category: dict[int, list[int]] = defaultdict(list)
    for product in data.products:
        by_category[product[2]].append(product[0])
    for category_id in sorted(by_category):
        members = by_category[category_id]
        for product_id in members:
            rank = 1 + sum(1 for other in members if revenue[other] > revenue[product_id])
            rows.append((category_id, product_id, revenue[product_id], rank))
    return sorted(rows, key=lambda r: (r[0], r[3], r[1]))


def active_streaks(data: Dataset, min_days: int) -> list[tuple[object, ...]]:
    days: dict[int, set[dt.date]] = defaultdict(set)
    for _, customer_id, placed_at, status in data.orders:
        if status != "cancelled":
            days[customer_id].add(placed_at.date())
    rows = []
    for customer_id in sorted(days):
        ordered = sorted(days[customer_id])
        start = previous = ordered[0]
        for day in [*ordered[1:], None]:
            if day is not None and day - previous == dt.timedelta(days=1):
                previous = day
                continue
            length = (previous - start).days + 1
            if length >= min_days:
                rows.append((customer_id, start, previous, length))
            if day is not None:
                start = previous = day
    return rows


def monthly_revenue(data: Dataset) -> list[tuple[object, ...]]:
    cents = _order_cents(data)
    months: dict[dt.date, int] = defaultdict(int)
    for order_id, _, placed_at, _ in _paid(data):
        months[placed_at.date().replace(day=1)] += cents[order_id]
    if not months:
        return []
    month, last = min(months), max(months)
    rows: list[tuple[object, ...]] = []
    previous: int | None = None
    while month <= last:
        value = months.get(month, 0)
        change = None if previous is None else value - previous
        pct = None if previous is None or previous == 0 else 100.0 * (value - previous) / previous
        rows.append((month, value, change, pct))
        previous = value
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows


def category_paths(data: Dataset) -> list[tuple[object, ...]]:
    names = {c[0]: c[1] for c in data.categories}
    rows = []
    for category in sorted(data.categories):
        chain = list(reversed(_ancestors(data, category[0])))
        rows.append((category[0], " / ".join(names[c] for c in chain), len(chain) - 1))
    return rows


def dormant_customers(data: Dataset, since: dt.datetime) -> list[tuple[object, ...]]:
    rows = []
    for customer in sorted(data.customers):
        paid = [o[2] for o in _paid(data) if o[1] == customer[0]]
        if any(at >= since for at in paid):
            continue
        rows.append((customer[0], max(paid, default=None)))
    return rows
