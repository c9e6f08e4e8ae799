"""Part B: inserts and deletes against a dict model, with every invariant checked after every operation."""

from __future__ import annotations

import random

import pytest
from btree_harness import MemorySubject, run_and_report
from btree_sequences import mixed_ops
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.part("B")

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate),  # the graders shrink failures themselves, within a time budget
    suppress_health_check=list(HealthCheck),
)

REPRO_HINT = (
    "Run the reproduction file the feedback names: it replays every operation and stops where yours differs."
)


@st.composite
def op_lists(draw: st.DrawFn, keyspace: int, max_ops: int) -> list[tuple]:
    """Grow a tree (a random permutation's prefix), mix random operations, then delete many keys."""
    key = st.integers(0, keyspace - 1)
    bound = st.none() | st.integers(-1, keyspace)
    op = st.one_of(
        st.tuples(st.just("set"), key, st.integers(0, 999)),
        st.tuples(st.just("del"), key),
        st.tuples(st.just("get"), key),
        st.tuples(st.just("in"), key),
        st.tuples(st.just("range"), bound, bound),
        st.tuples(st.sampled_from(["min", "max", "len", "items", "iter"])),
        st.tuples(st.just("getd"), key, st.just(-1)),
    )
    grow = draw(st.permutations(range(keyspace)))[: draw(st.integers(0, keyspace))]
    ops: list[tuple] = [("set", k, i) for i, k in enumerate(grow)]
    count = draw(st.integers(0, max_ops))
    ops += draw(st.lists(op, min_size=count, max_size=count))
    shrink = draw(st.permutations(range(keyspace)))[: draw(st.integers(0, keyspace))]
    return ops + [("del", k) for k in shrink]


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.critical("deleting a key removes exactly that key and keeps every B-tree invariant")
@pytest.mark.hints(
    REPRO_HINT,
    "With t = 2 nearly every delete borrows or merges: top up every child to t keys before entering it.",
    "When a merge takes the root's last key, the merged node becomes the root.",
)
@settings(SETTINGS, max_examples=60)
@given(ops=op_lists(keyspace=40, max_ops=60))
def test_differential_t2(ops, repro):
    """t=2: random inserts, deletes and lookups match a dict model; invariants hold after every operation."""
    run_and_report(MemorySubject(t=2), ops, repro, "test_differential_t2", budget=2.0)


@pytest.mark.points(3)
@pytest.mark.hints(
    REPRO_HINT, "At t = 3 minimal nodes hold 2 keys: check every `t - 1` and `>= t` in your code."
)
@settings(SETTINGS, max_examples=40)
@given(ops=op_lists(keyspace=60, max_ops=60))
def test_differential_t3(ops, repro):
    """t=3: random inserts, deletes and lookups match a dict model; invariants hold after every operation."""
    run_and_report(MemorySubject(t=3), ops, repro, "test_differential_t3", budget=2.0)


@pytest.mark.points(2)
@pytest.mark.hints(REPRO_HINT, "Large nodes rebalance rarely, but each borrow moves a child pointer too.")
def test_differential_large_t(repro):
    """t=16: seeded grow-then-shrink sequences match the model; invariants hold after every operation."""
    rng = random.Random(2024)
    keys = rng.sample(range(100000), 1100)
    ops: list[tuple] = [("set", k, i) for i, k in enumerate(keys)]  # grow to height 3
    rng.shuffle(keys)
    for i, k in enumerate(keys):  # then shrink through every kind of rebalancing, with churn
        ops.append(("del", k))
        if i % 3 == 0:
            ops += [("set", k + 1, i), ("get", k + 1), ("del", k + 2)]
    run_and_report(MemorySubject(t=16), ops, repro, "test_differential_large_t", check_every=1, budget=3.0)


def _ignore(source: str) -> None:
    """Only the first failure of a test records its reproduction."""


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    REPRO_HINT,
    "Draining a tree in ascending order always empties the leftmost leaf: borrow from the right sibling.",
    "After the tree is empty again it must accept inserts as a new tree would.",
)
def test_tiny_fanout_drains(partial_credit, repro):
    """t=2: fill in several orders, delete everything in several orders, refill; and insert/delete churn."""
    n = 150
    up, down = list(range(n)), list(range(n - 1, -1, -1))
    shuffled = up[:]
    random.Random(5).shuffle(shuffled)
    middle_out = sorted(up, key=lambda k: (abs(k - n // 2), k))
    plans = {
        "insert ascending, delete ascending": (up, up),
        "insert ascending, delete descending": (up, down),
        "insert descending, delete ascending": (down, up),
        "insert random, delete random": (shuffled, shuffled[::-1]),
        "insert random, delete from the middle outwards": (shuffled, middle_out),
        "insert ascending, delete every other key then the rest": (up, up[::2] + up[1::2]),
    }
    churn = []
    for k in range(60):  # the same few keys inserted and deleted over and over
        churn += [("set", k % 7, k), ("set", k % 5, k), ("del", k % 7), ("set", k % 7, -k), ("del", k % 5)]
    sequences = {
        name: [("set", k, k) for k in ins]
        + [("del", k) for k in dels]
        + [("set", k, -k) for k in ins]
        + [("items",)]
        for name, (ins, dels) in plans.items()
    } | {"insert/delete churn on a handful of keys": churn}
    partial_credit.total = len(sequences)
    budget = 1.5  # shrink only the first failure, to stay within the time limit
    for name, ops in sequences.items():
        try:
            run_and_report(
                MemorySubject(t=2),
                ops,
                repro if budget else _ignore,
                f"test_tiny_fanout_drains[{name}]",
                budget=budget,
            )
            partial_credit.check(True, name)
        except AssertionError as exc:
            partial_credit.check(False, f"{name}: {exc}")
            budget = 0


@pytest.mark.points(2)
@pytest.mark.hints(
    REPRO_HINT, "Scans must see the tree as it is after every delete, including keys that moved."
)
def test_range_checked_against_model_with_deletes(repro):
    """Random range queries with open, empty and zero bounds, interleaved with inserts and deletes."""
    rng = random.Random(11)
    ops = []
    for i in range(400):
        roll = rng.random()
        k = rng.randrange(-20, 120)
        if roll < 0.45:
            ops.append(("set", k, i))
        elif roll < 0.65:
            ops.append(("del", k))
        else:
            lo = rng.choice([None, 0, rng.randrange(-25, 125)])
            hi = rng.choice([None, 0, rng.randrange(-25, 125)])
            ops.append(("range", lo, hi))
    run_and_report(MemorySubject(3), ops, repro, "test_range_checked_against_model_with_deletes", budget=2.0)


@pytest.mark.points(1)
@pytest.mark.hints("Decrement len exactly once per removed key, and never for a missing one.")
def test_scale_100k_operations(repro):
    """100,000 mixed operations at t=8 match a dict model (checked at intervals) within the time limit."""
    generator = (
        mixed_ops,
        {"seed": 99, "count": 100_000, "keyspace": 40_000, "sets": 0.55, "dels": 0.3, "gets": 0.07},
    )
    ops = mixed_ops(**generator[1])
    run_and_report(
        MemorySubject(t=8),
        ops,
        repro,
        "test_scale_100k_operations",
        check_every=25_000,
        budget=0,
        generator=generator,
    )
