"""A tiny hand-built shop whose every row is there for a reason: ties, gaps, boundaries, empty groups."""

from __future__ import annotations

import datetime as dt

from shop.data import Dataset


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute)


def edge_dataset() -> Dataset:
    data = Dataset()
    data.categories = [
        (1, "Books", None), (2, "Fiction", 1), (3, "Crime", 2),
        (4, "Garden", None), (5, "Tools", 4), (6, "Seeds", 4),
    ]  # fmt: skip
    data.products = [
        (1, "Novel", 3, 1000), (2, "Thriller", 3, 1000), (3, "Atlas", 2, 500),
        (4, "Spade", 5, 2000), (5, "Rake", 5, 700), (6, "Poem", 1, 300), (7, "Memoir", 3, 900),
    ]  # fmt: skip
    data.customers = [(i, name, f"{name.lower()}@shop.example") for i, name in
                      enumerate(("Ann", "Bob", "Cy", "Dee", "Eve", "Abe"), 1)]  # fmt: skip
    # names are not in id order (Abe, 6, sorts before Ann, 1): ties are broken by id, never by name
    data.orders = [
        (8, 2, at(1, 5), "paid"),  # the same minute as orders 10 and 11
        (9, 2, at(1, 6, 23, 59), "pending"),  # a pending order still makes an active day
        (10, 1, at(1, 5), "paid"),
        (11, 1, at(1, 5), "paid"),
        (12, 1, at(1, 6, 9), "paid"),
        (13, 1, at(1, 7, 9), "cancelled"),  # a cancelled order does not: Ann's run stops at Jan 6
        (14, 1, at(1, 8, 12), "paid"),
        (15, 1, at(3, 2, 8), "paid"),  # no paid order in February
        (16, 2, at(1, 7, 0), "paid"),
        (17, 4, at(2, 10), "cancelled"),
        (18, 5, at(2, 11), "pending"),
        (19, 2, at(3, 2, 8), "paid"),
        (20, 1, at(4, 1, 0), "paid"),
        (21, 6, at(3, 15), "paid"),  # Abe ties Ann from March on
        (22, 4, at(2, 20), "cancelled"),  # an order without any line: 0 lines, total 0 in the feed
    ]
    data.order_lines = [
        (100, 10, 1, 1, 1000),
        (101, 11, 2, 1, 1000),
        (102, 12, 3, 2, 500),
        (103, 13, 4, 1, 2000),
        (104, 14, 6, 3, 300),
        (105, 15, 4, 1, 1800),
        (106, 8, 1, 2, 1000),
        (107, 8, 2, 2, 1000),
        (108, 9, 4, 1, 2000),
        (109, 16, 3, 1, 500),
        (110, 17, 5, 1, 700),
        (111, 18, 4, 1, 2000),
        (112, 19, 6, 2, 300),
        (113, 20, 3, 4, 500),
        (99, 12, 7, 1, 900),  # Novel and Thriller tie at 3000 in Crime, Memoir ranks 3rd
        (115, 21, 4, 1, 1900),
        (116, 21, 3, 1, 1900),
    ]
    return data
