"""Part B: the in-memory token bucket against its definition, under a scripted clock."""

from __future__ import annotations

from fractions import Fraction

import pytest
from auth.ratelimit import TokenBucket
from auth_grading import NS, Clock, ModelBucket, as_tuple, error_name
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

pytestmark = [pytest.mark.part("B")]


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A new bucket is full. Each admitted request takes `cost` tokens; refused ones take nothing.",
    "retry_after is how long until `cost` tokens are there: (cost - tokens) / rate, exactly, as a Fraction.",
)
def test_bucket_basics(partial_credit):
    """capacity 3, refill 1/2 per second: three admitted, the fourth refused with retry_after 2, refills exactly."""
    clock = Clock()
    bucket = TokenBucket(3, Fraction(1, 2), clock)
    got = [as_tuple(bucket.acquire("alice")) for _ in range(4)]
    want = [(True, 2, 0), (True, 1, 0), (True, 0, 0), (False, 0, Fraction(2))]
    partial_credit.check(got == want, f"four requests at once: {got}, want {want}")
    partial_credit.check(as_tuple(bucket.acquire("bob")) == (True, 2, 0), "another key has its own bucket")
    clock.advance(1)
    got1 = as_tuple(bucket.acquire("alice"))
    partial_credit.check(
        got1 == (False, 0, Fraction(1)), f"after 1 s (half a token): {got1}, want (False, 0, 1)"
    )
    clock.advance(1)
    got2 = as_tuple(bucket.acquire("alice", 1))
    partial_credit.check(got2 == (True, 0, 0), f"after 2 s (one token): {got2}, want (True, 0, 0)")
    clock.advance(60)
    got3 = as_tuple(bucket.acquire("alice", 3))
    partial_credit.check(got3 == (True, 0, 0), f"after a minute (full, never above capacity), cost 3: {got3}")
    got4 = as_tuple(bucket.acquire("alice", 2))
    partial_credit.check(
        got4 == (False, 0, Fraction(4)), f"cost 2 on an empty bucket: {got4}, want retry 4 s"
    )


class BucketMachine(RuleBasedStateMachine):
    """Random keys, costs and clock steps; every Decision must equal the definition's."""

    @initialize(capacity=st.integers(1, 20), num=st.integers(1, 50), den=st.integers(1, 50))
    def setup(self, capacity, num, den):
        self.clock = Clock()
        self.rate = Fraction(num, den)
        self.capacity = capacity
        self.bucket = TokenBucket(capacity, self.rate, self.clock)
        self.model = ModelBucket(capacity, self.rate)
        self.admitted: dict[str, int] = {}
        self.start = self.clock.now

    @rule(key=st.sampled_from(["a", "b", "c", "d"]), cost=st.integers(1, 20))
    def acquire(self, key, cost):
        cost = min(cost, self.capacity)
        got = as_tuple(self.bucket.acquire(key, cost))
        want = self.model.acquire(key, cost, self.clock.now)
        assert got == want, (
            f"capacity {self.capacity}, rate {self.rate}/s, key {key!r}, cost {cost}, "
            f"t = {Fraction(self.clock.now - self.start, NS)} s: got {got}, want {want}"
        )
        if got[0]:
            self.admitted[key] = self.admitted.get(key, 0) + cost

    @rule(ns=st.sampled_from([0, 1, 999, 10**6, 10**8, 333_333_333, 10**9, 7 * 10**9, 10**12]))
    def tick(self, ns):
        self.clock.now += ns

    @invariant()
    def never_more_than_capacity_plus_refill(self):
        elapsed = Fraction(self.clock.now - self.start, NS)
        for key, total in getattr(self, "admitted", {}).items():
            assert total <= self.capacity + self.rate * elapsed, (
                f"key {key!r}: {total} tokens admitted in {elapsed} s, more than capacity + refill"
            )


@pytest.mark.points(5)
@pytest.mark.critical("the limiter never admits more than capacity + refill")
@pytest.mark.hints(
    "Refill first (tokens + elapsed × rate, capped at capacity), then decide, then store.",
    "Keep the level exact: Fractions, or integers scaled by the rate's denominator. Never floats.",
    "A refused request leaves the tokens as they were (after the refill).",
)
def test_bucket_matches_the_definition():
    """Under a scripted clock (hypothesis, stateful), every Decision equals the token-bucket definition."""
    run_state_machine_as_test(
        BucketMachine,
        settings=settings(derandomize=True, database=None, deadline=None, max_examples=120,
                          stateful_step_count=40, suppress_health_check=list(HealthCheck)),
    )  # fmt: skip


@pytest.mark.points(2)
@pytest.mark.hints(
    "0.1 added ten times is 0.9999999999999999 in floating point: a float bucket refuses the tenth second.",
    "Keep time in integer nanoseconds and the level as a Fraction or a scaled integer.",
)
def test_no_drift_over_a_million_calls():
    """capacity 1, refill 1/10 per second, a call every second for a million seconds: exactly every tenth admitted."""
    clock = Clock(0)
    bucket = TokenBucket(1, Fraction(1, 10), clock)
    for second in range(1_000_000):
        clock.now = second * NS
        allowed = bucket.acquire("k").allowed
        if allowed is not (second % 10 == 0):
            raise AssertionError(
                f"at second {second}: allowed={allowed}; the level drifted from the exact value"
            )


@pytest.mark.points(2)
@pytest.mark.hints(
    "A bucket that has refilled completely is the same as a bucket never seen: forget it.",
    "Keep buckets in the order they were last used; the oldest ones are the first to be full again.",
)
def test_idle_buckets_are_evicted(partial_credit):
    """Memory stays bounded: after capacity/rate idle seconds every old bucket is gone (len), and behaves as full."""
    clock = Clock()
    bucket = TokenBucket(2, Fraction(1), clock)
    for i in range(20_000):
        bucket.acquire(f"user-{i}")
        clock.now += 1000  # 20 000 keys within 20 microseconds
    size = len(bucket)
    partial_credit.check(isinstance(size, int) and size >= 19_000, f"len() right after 20 000 keys: {size}")
    clock.advance(2)
    decision = as_tuple(bucket.acquire("new"))
    partial_credit.check(decision == (True, 1, 0), f"a new key: {decision}")
    size = len(bucket)
    partial_credit.check(
        size <= 10, f"2 s later (every bucket full again), len() is {size}: idle buckets kept"
    )
    again = as_tuple(bucket.acquire("user-7"))
    partial_credit.check(again == (True, 1, 0), f"an evicted key comes back full: {again}")
    busy = TokenBucket(2, Fraction(1), clock)
    busy.acquire("busy")
    for i in range(1000):
        busy.acquire(f"idle-{i}")
    for _ in range(6):  # 'busy' is used every half second and never full again; the others stay idle
        clock.advance(Fraction(1, 2))
        busy.acquire("busy")
    size = len(busy)
    partial_credit.check(size <= 10, f"1000 keys idle for 3 s while the first key ever used stays busy: len() is "
                                     f"{size}; buckets are kept in order of last use, not first")  # fmt: skip


@pytest.mark.points(1)
@pytest.mark.hints("A cost above the capacity could never be admitted: refuse it at once (ValueError).")
def test_invalid_arguments(partial_credit):
    """Bad capacities, rates and costs are refused; a clock that steps back neither refills nor drains."""
    clock = Clock()
    bucket = TokenBucket(2, 1, clock)
    partial_credit.check(as_tuple(bucket.acquire("k", 2)) == (True, 0, 0), "cost 2 of capacity 2")
    cases = {  # the README names the class for costs (ValueError) and float rates (TypeError)
        "cost 0": (lambda: bucket.acquire("k", 0), ("ValueError",)),
        "cost -1": (lambda: bucket.acquire("k", -1), ("ValueError",)),
        "cost 1.5": (lambda: bucket.acquire("k", 1.5), ("ValueError",)),  # type: ignore[arg-type]
        "cost above capacity": (lambda: bucket.acquire("k", 3), ("ValueError",)),
        "capacity 0": (lambda: TokenBucket(0, 1, clock), ("ValueError", "TypeError")),
        "capacity 2.5": (lambda: TokenBucket(2.5, 1, clock), ("ValueError", "TypeError")),  # type: ignore[arg-type]
        "rate 0": (lambda: TokenBucket(1, 0, clock), ("ValueError", "TypeError")),
        "float rate": (lambda: TokenBucket(1, 0.5, clock), ("TypeError",)),
        "a clock of float seconds": (lambda: TokenBucket(1, 1, lambda: 1.5).acquire("k"), ("TypeError",)),
    }
    for label, (call, wanted) in cases.items():
        got = error_name(call)
        partial_credit.check(got in wanted, f"{label}: expected {'/'.join(wanted)}, got {got}")
    start = clock.now
    clock.now -= 10 * NS
    back = as_tuple(bucket.acquire("k"))
    partial_credit.check(back == (False, 0, Fraction(1)), f"clock 10 s back: {back}, want (False, 0, 1)")
    clock.now = start + NS // 2
    forward = as_tuple(bucket.acquire("k"))
    partial_credit.check(forward == (False, 0, Fraction(1, 2)),
                         f"then 0.5 s after the last real time: {forward}, want (False, 0, 1/2): the step back "
                         "must not move the bucket's time back (those 10 s would be refilled twice)")  # fmt: skip
