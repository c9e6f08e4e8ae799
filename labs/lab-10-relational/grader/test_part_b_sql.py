"""Part B: window functions, a recursive CTE and anti-joins, checked against a plain-Python oracle."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pytest
import shop_oracle as oracle
from shop.analytics import (
    active_streaks,
    category_paths,
    category_ranking,
    dormant_customers,
    monthly_revenue,
    running_totals,
)
from shop_edges import edge_dataset
from shop_grading import budget_message, first_difference, plain_rows

pytestmark = [pytest.mark.part("B")]

SEEDS = (23,)


def _shops(shop):
    return [shop(seed=seed) for seed in SEEDS] + [shop(scale=edge_dataset())]


def _answer(loaded, function: Callable[..., object], *args: object) -> list[tuple[object, ...]]:
    with loaded.engine.connect() as conn:
        return plain_rows(function(conn, *args))


def _compare(partial_credit, shops, function, reference, *args: object, close: bool = False) -> None:
    for loaded in shops:
        got = _answer(loaded, function, *args)
        want = reference(loaded.data, *args)
        ok = _close(got, want) if close else got == want
        name = "the hand-built shop" if len(loaded.data.orders) < 50 else "a generated shop"
        partial_credit.check(ok, f"{function.__name__}{args or ''} on {name}: {first_difference(got, want)}")


def _close(got: list[tuple[object, ...]], want: list[tuple[object, ...]]) -> bool:
    if len(got) != len(want):
        return False
    for a, b in zip(got, want, strict=True):
        if a[:3] != b[:3]:
            return False
        if (a[3] is None) != (b[3] is None):
            return False
        if b[3] is not None and not (type(a[3]) is float and math.isclose(a[3], b[3], rel_tol=1e-9)):  # type: ignore[arg-type]
            return False
    return True


@pytest.mark.points(6)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A running total is SUM(...) OVER (PARTITION BY customer ORDER BY placed_at, order id).",
    "Two orders of one customer can be placed in the same minute. With ORDER BY in the window, the default "
    "frame is RANGE: rows that tie are peers and get the same running total. The README wants one row at a "
    "time.",
    "Say ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, and order by the order id too.",
)
def test_running_totals(shop, partial_credit):
    """running_totals(): each paid order with the customer's running total, ties broken by order id."""
    _compare(partial_credit, _shops(shop), running_totals, oracle.running_totals)


@pytest.mark.points(6)
@pytest.mark.hints(
    "Every product appears, also one that never sold (revenue 0); only paid orders count.",
    "RANK() gives equal revenues the same rank and leaves a gap after them (1, 1, 3).",
    "A LEFT JOIN whose WHERE clause filters on the joined orders' status turns back into an inner join: "
    "put the paid filter in the join condition.",
)
def test_category_ranking(shop, partial_credit):
    """category_ranking(): every product ranked by paid revenue within its category (RANK, ties share)."""
    _compare(partial_credit, _shops(shop), category_ranking, oracle.category_ranking)


@pytest.mark.points(6)
@pytest.mark.hints(
    "An active day is a calendar day with at least one order that is not cancelled; several orders on one "
    "day are still one day.",
    "Gaps and islands: day minus ROW_NUMBER() over the customer's distinct days is constant along a run.",
    "min_days below 1 (0, or negative) raises ValueError; a run of exactly min_days counts.",
)
def test_active_streaks(shop, partial_credit):
    """active_streaks(): runs of consecutive active days (gaps and islands), at least min_days long."""
    shops = _shops(shop)
    partial_credit.total = 3 * len(shops) + 2
    for min_days in (1, 2, 3):
        _compare(partial_credit, shops, active_streaks, oracle.active_streaks, min_days)
    by_default, want = _answer(shops[-1], active_streaks), oracle.active_streaks(shops[-1].data, 2)
    partial_credit.check(
        by_default == oracle.active_streaks(shops[-1].data, 3) and by_default != want,
        "active_streaks(conn) without min_days must use the README's default, 3",
    )
    accepted = []
    for bad in (0, -1):
        with shops[-1].engine.connect() as conn:
            try:
                active_streaks(conn, bad)
                accepted.append(bad)
            except ValueError:
                pass
    partial_credit.check(not accepted, f"active_streaks(conn, min_days) must raise ValueError for {accepted}")


@pytest.mark.points(6)
@pytest.mark.hints(
    "Every month from the first to the last month with a paid order appears, also a month without sales "
    "(revenue 0): generate the months, then LEFT JOIN the revenue.",
    "LAG() gives the previous month; the first month has no change (None).",
    "change_pct is 100 × change / previous as a float, None when the previous month had no revenue.",
)
def test_monthly_revenue(shop, partial_credit):
    """monthly_revenue(): paid revenue per month, gap months included, with month-over-month change."""
    _compare(partial_credit, _shops(shop), monthly_revenue, oracle.monthly_revenue, close=True)


@pytest.mark.points(3)
@pytest.mark.hints(
    "WITH RECURSIVE: start from the roots (parent_id IS NULL), then join children to the rows found so far.",
    "The path joins the names from the root down with ' / '; a root has depth 0.",
)
def test_category_paths(shop, partial_credit):
    """category_paths(): the path and depth of every category, by a recursive CTE."""
    shops = _shops(shop)
    partial_credit.total = len(shops) + 1
    _compare(partial_credit, shops, category_paths, oracle.category_paths)
    with shops[0].count() as statements:
        _answer(shops[0], category_paths)
    partial_credit.check(
        len(statements) == 1 and "RECURSIVE" in statements[0].upper(),
        "category_paths() must be one WITH RECURSIVE statement",
    )


@pytest.mark.points(5)
@pytest.mark.hints(
    "A dormant customer has no paid order placed at or after `since`: a NOT EXISTS anti-join.",
    "Customers who never ordered, or only had cancelled or pending orders, are dormant too (last_paid_at "
    "None).",
    "last_paid_at is the latest paid order before `since`; an order exactly at `since` makes the customer "
    "active.",
)
def test_dormant_customers(shop, partial_credit):
    """dormant_customers(): customers with no paid order since a moment, with their last paid order."""
    shops = _shops(shop)
    moments = (dt.datetime(2024, 3, 2, 8), dt.datetime(2024, 3, 2, 8, 1), dt.datetime(2024, 4, 10))
    partial_credit.total = len(shops) * len(moments)
    for since in moments:
        _compare(partial_credit, shops, dormant_customers, oracle.dormant_customers, since)


@pytest.mark.points(3)
@pytest.mark.hints(
    "Each of these questions is one SQL statement: the database computes the answer, Python only converts "
    "the rows.",
)
def test_one_statement_each(shop, partial_credit):
    """Each part B function sends exactly one SQL statement."""
    loaded = shop(seed=SEEDS[0])
    calls: list[tuple[Callable[..., object], tuple[object, ...]]] = [
        (running_totals, ()), (category_ranking, ()), (active_streaks, (2,)), (monthly_revenue, ()),
        (category_paths, ()), (dormant_customers, (dt.datetime(2024, 3, 1),)),
    ]  # fmt: skip
    for function, args in calls:
        with loaded.count() as statements:
            try:
                _answer(loaded, function, *args)
                answered = True
            except Exception:
                answered = False
        partial_credit.check(
            answered and len(statements) == 1,
            budget_message(f"{function.__name__}()", 1, statements)
            if answered
            else f"{function.__name__}() raised an error",
        )
