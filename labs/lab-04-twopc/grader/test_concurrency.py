"""Several threads run distributed transfers through two coordinators at the same time (part C)."""

from __future__ import annotations

import random
import threading

import pytest
from bank_harness import ACCOUNTS, PARTICIPANTS, TOTAL, Bank, credit, debit, initial_balances
from twopc import Coordinator, DecisionLog, Outcome

THREADS = 4
TRANSFERS = 8
pytestmark = [pytest.mark.part("C")]


@pytest.mark.points(5)
@pytest.mark.critical("never report COMMITTED for a transfer that did not commit everywhere")
@pytest.mark.hints(
    "Several threads share one Coordinator: keep each transaction's state in local variables, not on self.",
    "Two transfers can wait for each other across two databases; prepare_timeout is what breaks that.",
    "Every COMMITTED outcome must be in the log and applied everywhere; every ABORTED one nowhere.",
)
def test_concurrent_transfers_keep_the_invariant(bank: Bank):
    """Concurrent transfers through two coordinators (two threads each): each COMMITTED one applied
    exactly and logged, ABORTED ones not at all, nothing left prepared or locked."""
    coordinators = [
        Coordinator(bank.participants(), DecisionLog(bank.coordinator_engine()), prepare_timeout=1.0)
        for _ in range(2)
    ]
    results: list[tuple[tuple[str, int], tuple[str, int], int, object]] = []
    errors: list[str] = []
    outcomes: list[tuple[str, object]] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for n in range(TRANSFERS):
            src_db, dst_db = rng.sample(PARTICIPANTS, 2)
            src, dst = (src_db, rng.choice(ACCOUNTS)), (dst_db, rng.choice(ACCOUNTS))
            amount = rng.choice((50, 100, 400, 900))
            work = {src_db: debit(src[1], amount), dst_db: credit(dst[1], amount)}
            try:
                outcome = coordinators[seed % 2].run(f"t-conc-{seed}-{n}", work)
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                return
            with lock:
                results.append((src, dst, amount, outcome))
                outcomes.append((f"t-conc-{seed}-{n}", outcome))

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, f"run() raised under concurrency (it must return an Outcome): {errors[:3]}"
    assert len(results) == THREADS * TRANSFERS, "some transfers never finished (a distributed deadlock?)"
    assert all(outcome in (Outcome.COMMITTED, Outcome.ABORTED) for *_, outcome in results), (
        "run() must return an Outcome"
    )
    expected = initial_balances()
    for src, dst, amount, outcome in results:
        if outcome is Outcome.COMMITTED:
            expected[src] -= amount
            expected[dst] += amount
    found = bank.balances()
    total = sum(found.values())
    assert total == TOTAL, f"money was created or destroyed: total {total} != {TOTAL}"
    assert found == expected, "the balances do not match the transfers reported COMMITTED"
    leftover = bank.prepared()
    assert not any(leftover.values()), f"prepared transactions were left behind: {leftover}"
    assert not bank.locked(), "locks are still held after all transfers finished"
    log = DecisionLog(bank.coordinator_engine())
    wrong = [
        f"t-conc-{seed}-{n}"
        for seed in range(THREADS)
        for n in range(TRANSFERS)
        if (log.lookup(f"t-conc-{seed}-{n}") is Outcome.COMMITTED)
        != any(outcome is Outcome.COMMITTED and txid == f"t-conc-{seed}-{n}" for txid, outcome in outcomes)
    ]
    assert not wrong, f"the log disagrees with the outcomes run() returned for {wrong[:3]}"
