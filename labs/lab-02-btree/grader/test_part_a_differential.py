"""Part A: the BTree against a dict model, with every invariant checked after every operation."""

from __future__ import annotations

import random

import pytest
from btree_harness import MemorySubject, run_and_report
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate),  # the graders shrink failures themselves, within a time budget
    suppress_health_check=list(HealthCheck),
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


@pytest.mark.points(10)
@settings(SETTINGS, max_examples=60)
@given(ops=op_lists(keyspace=40, max_ops=60))
def test_differential_t2(ops):
    """t=2: random operation sequences match a dict model; invariants hold after every operation."""
    run_and_report(MemorySubject(t=2), ops, budget=2.0)


@pytest.mark.points(8)
@settings(SETTINGS, max_examples=40)
@given(ops=op_lists(keyspace=60, max_ops=60))
def test_differential_t3(ops):
    """t=3: random operation sequences match a dict model; invariants hold after every operation."""
    run_and_report(MemorySubject(t=3), ops, budget=2.0)


def _seeded_ops(rng: random.Random, count: int, keyspace: int, insert_bias: float) -> list[tuple]:
    ops: list[tuple] = []
    for i in range(count):
        roll, key = rng.random(), rng.randrange(keyspace)
        if roll < insert_bias:
            ops.append(("set", key, i))
        elif roll < 0.85:
            ops.append(("del", key))
        elif roll < 0.92:
            ops.append(("get", key))
        else:
            ops.append(("range", key, key + rng.randrange(1, 40)))
    return ops


@pytest.mark.points(6)
@pytest.mark.parametrize("t", [16])
def test_differential_large_t(t):
    """Large t (16): seeded grow-then-shrink sequences match the model; invariants hold after every op."""
    rng = random.Random(2024)
    keys = rng.sample(range(100000), 1100)
    ops: list[tuple] = [("set", k, i) for i, k in enumerate(keys)]  # grow to height 3
    rng.shuffle(keys)
    for i, k in enumerate(keys):  # then shrink through every kind of rebalancing, with churn
        ops.append(("del", k))
        if i % 3 == 0:
            ops.append(("set", k + 1, i))
            ops.append(("get", k + 1))
    run_and_report(MemorySubject(t=t), ops, check_every=1, budget=3.0)


@pytest.mark.points(6)
def test_tiny_fanout_mixes(partial_credit):
    """t=2 edge mixes: ascending/descending/random inserts, delete all in several orders, reinsert all."""
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
    partial_credit.total = len(plans) + 1
    budget = 1.5  # shrink only the first failure, to stay within the time limit
    for name, (inserts, deletes) in plans.items():
        ops = [("set", k, k) for k in inserts] + [("del", k) for k in deletes]
        ops += [("set", k, -k) for k in inserts] + [("items",)]  # reinsert everything into the emptied tree
        try:
            run_and_report(MemorySubject(t=2), ops, budget=budget)
            partial_credit.check(True, name)
        except Exception as exc:
            partial_credit.check(False, f"{name}: {exc}")
            budget = 0
    churn = []
    for k in range(60):  # the same few keys inserted and deleted over and over
        churn += [("set", k % 7, k), ("set", k % 5, k), ("del", k % 7), ("set", k % 7, -k), ("del", k % 5)]
    try:
        run_and_report(MemorySubject(t=2), churn, budget=budget)
        partial_credit.check(True, "churn")
    except Exception as exc:
        partial_credit.check(False, f"insert/delete churn on a handful of keys: {exc}")


@pytest.mark.points(5)
def test_scale_100k_operations():
    """100,000 mixed operations at t=8 match a dict model (checked at intervals) within the time limit."""
    rng = random.Random(99)
    ops = _seeded_ops(rng, 100_000, keyspace=40_000, insert_bias=0.55)
    run_and_report(MemorySubject(t=8), ops, check_every=25_000, budget=0)
