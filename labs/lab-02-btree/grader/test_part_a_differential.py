"""Part A: inserts and lookups against a dict model, with every invariant checked after every operation.

No test here deletes: a tree whose deletion is not written yet earns every point of this file.
"""

from __future__ import annotations

import random

import pytest
from btree_harness import MemorySubject, run_and_report
from btree_sequences import mixed_ops
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.part("A")

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate),  # the graders shrink failures themselves, within a time budget
    suppress_health_check=list(HealthCheck),
)


@st.composite
def insert_op_lists(draw: st.DrawFn, keyspace: int, max_ops: int) -> list[tuple]:
    """Grow a tree (a random permutation's prefix), then mix inserts, overwrites and every kind of lookup."""
    key = st.integers(0, keyspace - 1)
    bound = st.none() | st.integers(-1, keyspace)
    op = st.one_of(
        st.tuples(st.just("set"), key, st.integers(0, 999)),
        st.tuples(st.just("get"), key),
        st.tuples(st.just("in"), key),
        st.tuples(st.just("range"), bound, bound),
        st.tuples(st.sampled_from(["min", "max", "len", "items", "iter"])),
        st.tuples(st.just("getd"), key, st.just(-1)),
    )
    grow = draw(st.permutations(range(keyspace)))[: draw(st.integers(0, keyspace))]
    ops: list[tuple] = [("set", k, i) for i, k in enumerate(grow)]
    count = draw(st.integers(0, max_ops))
    return ops + draw(st.lists(op, min_size=count, max_size=count))


@pytest.mark.points(7)
@pytest.mark.visibility("visible")
@pytest.mark.critical("every inserted key is found with its latest value and every B-tree invariant holds")
@pytest.mark.hints(
    "Run the reproduction file the feedback names: it replays every operation and stops where yours differs.",
    "With t = 2 a node is full at 3 keys: split every full child before descending into it, and the root first.",
    "A split moves keys[t - 1] up; the left half keeps keys[:t - 1], the right half keys[t:] and children[t:].",
)
@settings(SETTINGS, max_examples=60)
@given(ops=insert_op_lists(keyspace=60, max_ops=60))
def test_insert_differential_t2(ops, repro):
    """t=2: random inserts, overwrites and lookups match a dict model; invariants hold after every operation."""
    run_and_report(MemorySubject(t=2), ops, repro, "test_insert_differential_t2", budget=2.0)


@pytest.mark.points(6)
@pytest.mark.hints(
    "Run the reproduction file the feedback names: it replays every operation and stops where yours differs.",
    "With t = 3 the halves of a split hold 2 keys each; check the indices of your split for a general t.",
)
@settings(SETTINGS, max_examples=40)
@given(ops=insert_op_lists(keyspace=90, max_ops=60))
def test_insert_differential_t3(ops, repro):
    """t=3: random inserts, overwrites and lookups match a dict model; invariants hold after every operation."""
    run_and_report(MemorySubject(t=3), ops, repro, "test_insert_differential_t3", budget=2.0)


@pytest.mark.points(4)
@pytest.mark.hints(
    "Wide nodes (t = 16, up to 31 keys) exercise the binary search inside a node more than the splits.",
    "Use bisect_left in every node, for lookups and inserts alike.",
)
def test_insert_differential_large_t(repro):
    """t=16: 1,500 seeded inserts, overwrites and lookups match the model; invariants hold every 3 operations."""
    rng = random.Random(2024)
    keys = rng.sample(range(100000), 1500)
    ops: list[tuple] = []
    for i, k in enumerate(keys):  # grow to height 3
        ops.append(("set", k, i))
        if i % 5 == 0:
            ops += [("get", keys[rng.randrange(i + 1)]), ("in", k + 1), ("set", keys[i // 2], -i)]
    ops += [("range", k, k + 500) for k in keys[:20]] + [("items",), ("min",), ("max",)]
    run_and_report(
        MemorySubject(t=16), ops, repro, "test_insert_differential_large_t", check_every=3, budget=3.0
    )


@pytest.mark.points(4)
@pytest.mark.hints(
    "Ascending inserts always split the rightmost node; descending ones the leftmost: both must stay balanced.",
    "After a split, compare the key with the median that moved up to choose the half to descend into.",
)
def test_tiny_fanout_fills(partial_credit, repro):
    """t=2: ascending, descending, random and middle-out fills, then overwriting every key, keep the invariants."""
    n = 200
    up = list(range(n))
    shuffled = up[:]
    random.Random(5).shuffle(shuffled)
    plans = {
        "ascending": up,
        "descending": up[::-1],
        "random": shuffled,
        "middle outwards": sorted(up, key=lambda k: (abs(k - n // 2), k)),
        "alternating ends": [k for pair in zip(up, up[::-1], strict=True) for k in pair][:n],
    }
    partial_credit.total = len(plans)
    budget = 1.5  # shrink only the first failure, to stay within the time limit
    for name, keys in plans.items():
        ops = [("set", k, k) for k in keys] + [("set", k, -k) for k in keys[::-1]] + [("items",), ("len",)]
        try:
            run_and_report(
                MemorySubject(t=2),
                ops,
                repro if budget else _ignore,
                f"test_tiny_fanout_fills[{name}]",
                budget=budget,
            )
            partial_credit.check(True, name)
        except AssertionError as exc:
            partial_credit.check(False, f"insert {name}: {exc}")
            budget = 0


def _ignore(source: str) -> None:
    """Only the first failure of a test records its reproduction."""


@pytest.mark.points(3)
@pytest.mark.hints(
    "The tree must keep working at scale: 60,000 inserts and lookups at t = 8.",
    "Keep len in a counter; look each key up with one root-to-leaf descent.",
)
def test_scale_inserts_and_lookups(repro):
    """60,000 mixed inserts, overwrites and lookups at t=8 match a dict model (checked at intervals)."""
    generator = (
        mixed_ops,
        {"seed": 99, "count": 60_000, "keyspace": 50_000, "sets": 0.6, "dels": 0.0, "gets": 0.3},
    )
    ops = mixed_ops(**generator[1])
    run_and_report(
        MemorySubject(t=8),
        ops,
        repro,
        "test_scale_inserts_and_lookups",
        check_every=15_000,
        budget=0,
        generator=generator,
    )
