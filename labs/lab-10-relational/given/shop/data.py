"""The seeded data generator and loader (given: do not change it).

`generate(seed, scale)` builds the same shop for the same arguments on every machine (it uses only
`random.Random(seed)`); `load(conn, data)` creates the tables of `shop.schema` in an empty database and
copies the rows in with `COPY`, then runs `ANALYZE`. Scales (README, section 2):

- "small": 16 categories, 40 products, 30 customers, 320 orders, about 1 000 order lines;
- "large": 48 categories, 800 products, 4 000 customers, 25 000 orders, about 100 000 order lines.

On purpose the data has what real data has: customers who never ordered, products never sold, orders of
one customer placed in the same minute, runs of consecutive active days, rare pending orders and line
prices that differ from the product's list price.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from shop.schema import Base
from sqlalchemy import Connection, text

START = dt.datetime(2024, 1, 1)


@dataclass(frozen=True)
class Scale:
    roots: int
    children: int
    grandchildren: int
    products: int
    customers: int
    orders: int
    days: int
    max_lines: int


SCALES = {
    "small": Scale(
        roots=2, children=3, grandchildren=2, products=40, customers=30, orders=320, days=150, max_lines=6
    ),
    "large": Scale(
        roots=4,
        children=3,
        grandchildren=2,
        products=800,
        customers=4000,
        orders=25000,
        days=730,
        max_lines=7,
    ),
}


@dataclass
class Dataset:
    """Rows as plain tuples, in the column order of each table of `shop.schema`."""

    categories: list[tuple[int, str, int | None]] = field(default_factory=list)
    products: list[tuple[int, str, int, int]] = field(default_factory=list)
    customers: list[tuple[int, str, str]] = field(default_factory=list)
    orders: list[tuple[int, int, dt.datetime, str]] = field(default_factory=list)
    order_lines: list[tuple[int, int, int, int, int]] = field(default_factory=list)


COLUMNS = {
    "categories": ("id", "name", "parent_id"),
    "products": ("id", "name", "category_id", "price_cents"),
    "customers": ("id", "name", "email"),
    "orders": ("id", "customer_id", "placed_at", "status"),
    "order_lines": ("id", "order_id", "product_id", "quantity", "unit_price_cents"),
}


def generate(seed: int, scale: str = "small") -> Dataset:
    """The shop for `seed` at `scale` ("small" or "large")."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, got {scale!r}")
    size = SCALES[scale]
    rng = random.Random(seed)
    data = Dataset()
    leaves = _categories(rng, size, data)
    _products(rng, size, leaves, data)
    _customers(rng, size, data)
    _orders(rng, size, data)
    return data


def _categories(rng: random.Random, size: Scale, data: Dataset) -> list[int]:
    leaves: list[int] = []
    next_id = 1
    for r in range(size.roots):
        root = next_id
        data.categories.append((root, f"Department {r + 1}", None))
        next_id += 1
        for c in range(size.children):
            child = next_id
            data.categories.append((child, f"Aisle {r + 1}.{c + 1}", root))
            next_id += 1
            # the first aisle of each department has no shelves of its own: a leaf one level up
            shelves = 0 if c == 0 else size.grandchildren
            for g in range(shelves):
                data.categories.append((next_id, f"Shelf {r + 1}.{c + 1}.{g + 1}", child))
                leaves.append(next_id)
                next_id += 1
            if shelves == 0:
                leaves.append(child)
    return leaves


def _products(rng: random.Random, size: Scale, leaves: list[int], data: Dataset) -> None:
    for p in range(1, size.products + 1):
        category = rng.choice(leaves)
        price = rng.randrange(199, 25000, 50)
        data.products.append((p, f"Product {p:04d}", category, price))


def _customers(rng: random.Random, size: Scale, data: Dataset) -> None:
    for c in range(1, size.customers + 1):
        data.customers.append((c, f"Customer {c:05d}", f"customer{c}@shop.example"))


def _orders(rng: random.Random, size: Scale, data: Dataset) -> None:
    customers = [c[0] for c in data.customers]
    # about one customer in eight never orders; the others buy with very different appetites
    buyers = [c for c in customers if rng.random() >= 0.125]
    weights = [rng.paretovariate(1.3) for _ in buyers]
    # a tenth of the products are never sold; prices are a mix of list prices and discounts
    sellable = [p for p in data.products if rng.random() >= 0.1]
    popularity = [rng.paretovariate(1.1) for _ in sellable]
    counts = {c: 0 for c in buyers}
    for c in rng.choices(buyers, weights, k=size.orders - len(buyers)) + buyers:
        counts[c] += 1
    placed: list[tuple[int, dt.datetime]] = []
    for customer, n in counts.items():
        day = rng.randrange(size.days)
        previous: dt.datetime | None = None
        for _ in range(n):
            if previous is not None and rng.random() < 0.06:
                when = previous  # two orders in the same minute
            else:
                when = START + dt.timedelta(days=day % size.days, minutes=rng.randrange(8 * 60, 22 * 60, 15))
                day += rng.choice((0, 1, 1, 1, 2, 3, 7, 20))
            placed.append((customer, when))
            previous = when
    ids = list(range(1, len(placed) + 1))
    rng.shuffle(ids)  # order ids do not follow time
    line_id = 1
    for order_id, (customer, when) in sorted(zip(ids, placed, strict=True)):
        roll = rng.random()
        status = "pending" if roll < 0.01 else "cancelled" if roll < 0.11 else "paid"
        data.orders.append((order_id, customer, when, status))
        chosen = rng.choices(sellable, popularity, k=rng.randint(1, size.max_lines))
        for product in dict.fromkeys(chosen):  # a product appears once per order
            price = product[3] if rng.random() < 0.8 else product[3] * rng.choice((70, 85, 90)) // 100
            data.order_lines.append((line_id, order_id, product[0], rng.choice((1, 1, 1, 2, 2, 3, 5)), price))
            line_id += 1


def load(conn: Connection, data: Dataset) -> None:
    """Create the tables in the (empty) database of `conn` and copy `data` in; commits nothing itself."""
    Base.metadata.create_all(conn)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        for table, columns in COLUMNS.items():
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in getattr(data, table):
                    copy.write_row(row)
    conn.execute(text("ANALYZE"))
