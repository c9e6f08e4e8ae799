"""The coordinator's decision log (part B)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from twopc import DecisionLog, Outcome

pytestmark = [pytest.mark.part("B")]


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.critical("a commit decision, once recorded, is durable")
@pytest.mark.hints(
    "record() must commit its own transaction before it returns: a crash right after must not lose it.",
    "Check with a brand-new engine and DecisionLog on the same database: can it see the decision?",
)
def test_decisions_are_durable(fresh_database):
    """record() commits before returning: a fresh engine and DecisionLog find every decision."""
    url = fresh_database("log")
    engine = create_engine(url)
    try:
        log = DecisionLog(engine)
        assert log.lookup("t-unknown") is None, "lookup() of a txid never recorded must return None"
        log.record("t-commit", Outcome.COMMITTED)
        log.record("t-abort", Outcome.ABORTED)
    finally:
        engine.dispose()
    fresh = create_engine(url)
    try:
        with fresh.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            assert "twopc_decisions" in list(tables), (
                "the decision log's table must be called twopc_decisions"
            )
        again = DecisionLog(fresh)
        found = (again.lookup("t-commit"), again.lookup("t-abort"), again.lookup("t-unknown"))
        assert found == (Outcome.COMMITTED, Outcome.ABORTED, None), (
            f"a fresh DecisionLog on the same database found {found}; expected (COMMITTED, ABORTED, None): "
            "record() must commit, and constructing a log must keep what is already there"
        )
        # Two logs over the same database (two coordinators): a decision recorded through one must be
        # seen by the other, even after it answered None for that txid.
        watcher, writer = DecisionLog(fresh), DecisionLog(fresh)
        before = watcher.lookup("t-late")
        writer.record("t-late", Outcome.COMMITTED)
        after = watcher.lookup("t-late")
        assert (before, after) == (None, Outcome.COMMITTED), (
            "log1.lookup('t-late') gave None, then log2.record('t-late', COMMITTED) on the same database, "
            f"then log1.lookup('t-late') gave {after!r}; expected COMMITTED: lookup() must read the stored "
            "decision (no cached answers)"
        )
    finally:
        fresh.dispose()


@pytest.mark.points(2)
@pytest.mark.critical("a commit decision can never be overwritten")
@pytest.mark.hints(
    "A decision is final: once a txid is decided, another outcome for it is a bug in the caller.",
    "Recording the same outcome twice must be harmless; a different one must raise ValueError and change "
    "nothing.",
    "An upsert that replaces the stored outcome is exactly the mistake to avoid: the database must keep "
    "the first one.",
)
def test_a_decision_cannot_be_changed(fresh_database, partial_credit):
    """Recording the same outcome again is harmless; a different one raises ValueError and changes nothing."""
    partial_credit.total = 3
    engine = create_engine(fresh_database("log"))
    try:
        log = DecisionLog(engine)
        log.record("t-1", Outcome.COMMITTED)
        try:
            log.record("t-1", Outcome.COMMITTED)
            repeat_ok = True
        except Exception:
            repeat_ok = False
        partial_credit.check(repeat_ok, "recording the same outcome again for a txid must be harmless")
        message = None
        try:
            log.record("t-1", Outcome.ABORTED)
        except ValueError as exc:
            message = str(exc)
        except Exception:
            message = None
        partial_credit.check(
            message is not None and "t-1" in message,
            "recording ABORTED for a txid already COMMITTED must raise ValueError naming the txid",
        )
        log.record("t-2", Outcome.ABORTED)
        try:
            log.record("t-2", Outcome.COMMITTED)
            flipped = True
        except ValueError:
            flipped = False
        found = (DecisionLog(engine).lookup("t-1"), DecisionLog(engine).lookup("t-2"))
        partial_credit.check(
            not flipped and found == (Outcome.COMMITTED, Outcome.ABORTED),
            f"after the refused changes the log says {found}; the first decisions must stay",
        )
    finally:
        engine.dispose()
