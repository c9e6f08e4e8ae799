"""Idempotence: reruns, crashes and batch order all converge to the state of one clean run."""

from __future__ import annotations

import hashlib

import etl
import pytest
from etl_harness import db_fingerprint, diff, install_fault, query, remove_faults

DATA_TABLES = ("silver", "quarantine", "gold_monthly")


def _clean(new_engine, batches):
    engine = new_engine()
    etl.run_pipeline(batches, engine)
    return db_fingerprint(engine)


@pytest.mark.points(6)
def test_rerun_is_a_no_op(new_engine, batches, partial_credit):
    """run_pipeline(x) twice leaves every table exactly as after the first run."""
    engine = new_engine()
    partial_credit.total = 2
    etl.run_pipeline(batches, engine)
    first = db_fingerprint(engine)
    report = etl.run_pipeline(batches, engine)
    second = db_fingerprint(engine)
    partial_credit.check(first == second, f"the rerun changed tables: {diff(first, second)}")
    partial_credit.check(
        all(r.already_ingested and r.rows_added == 0 for r in report.ingested)
        and report.refine.rows_read == 0 and report.publish.skipped is True,
        "the rerun's report should show every file already_ingested, refine rows_read=0 and publish "
        f"skipped=True; got {report!r:.400}",
    )


@pytest.mark.points(4)
def test_keys_are_deterministic(new_engine, batches):
    """Two clean runs in two databases produce identical tables (no now(), random or sequence keys)."""
    first = _clean(new_engine, batches)
    second = _clean(new_engine, batches)
    assert first == second, (
        "two identical runs produced different tables: " + diff(first, second)
        + " (derive every stored value from the data: no now(), random ids or sequence-generated keys)"
    )


def _crash_then_rerun(new_engine, batches, clean, partial_credit, label, table, when,
                      events="INSERT OR UPDATE", before=None):
    engine = new_engine()
    etl.create_schema(engine)
    if before:
        etl.run_pipeline(before, engine)
    install_fault(engine, table, when, events)
    try:
        etl.run_pipeline(batches, engine)
    except NotImplementedError:
        raise
    except Exception:
        crashed = True
    else:
        crashed = False
    remove_faults(engine)
    if not partial_credit.check(
        crashed, f"{label}: a database error inside run_pipeline must propagate (do not swallow it)"
    ):
        return
    try:
        etl.run_pipeline(batches, engine)
    except Exception as exc:
        partial_credit.check(False, f"{label}: the rerun after the crash failed: {exc!s:.200}")
        return
    after = db_fingerprint(engine)
    partial_credit.check(
        after == clean,
        f"{label}: the rerun did not reach the state of a clean run: {diff(clean, after)} (make each step "
        "one transaction together with its bookkeeping)",
    )


def _hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.points(6)
def test_crash_during_ingest_then_rerun(new_engine, batches, partial_credit):
    """A crash while ingesting (recording a batch, or mid-batch), then a rerun, equals a clean run."""
    clean = _clean(new_engine, batches)
    last_line = len(batches[-1].read_text(encoding="utf-8").splitlines()) - 1
    cases = [
        ("crash recording the third batch", "bronze_batches", f"NEW.file_name = '{batches[2].name}'"),
        ("crash mid-batch (line 700 of the second batch)", "bronze_rows",
         f"NEW.batch_hash = '{_hash(batches[1])}' AND NEW.line_no = 700"),
        ("crash on the last line of the last batch", "bronze_rows",
         f"NEW.batch_hash = '{_hash(batches[-1])}' AND NEW.line_no = {last_line}"),
    ]
    partial_credit.total = 2 * len(cases)
    for label, table, when in cases:
        _crash_then_rerun(new_engine, batches, clean, partial_credit, label, table, when)


@pytest.mark.points(8)
def test_crash_during_refine_or_publish_then_rerun(new_engine, batches, expected_all, partial_credit):
    """A crash mid-refine, mid-publish or while writing a watermark, then a rerun, equals a clean run."""
    clean = _clean(new_engine, batches)
    some_txn = sorted(expected_all.silver)[len(expected_all.silver) // 2]
    some_bad = sorted(expected_all.quarantine)[len(expected_all.quarantine) // 2]
    some_group = sorted(expected_all.gold())[len(expected_all.gold()) // 2]
    cases = [
        ("crash mid-quarantine", "quarantine",
         f"NEW.batch_hash = '{some_bad[0]}' AND NEW.line_no = {some_bad[1]}", "INSERT OR UPDATE", None),
        ("crash mid-silver insert", "silver", f"NEW.txn_id = '{some_txn}'", "INSERT", None),
        ("crash updating silver on a second run", "silver", "true", "UPDATE", batches[:2]),
        ("crash writing the refine watermark", "etl_state", "NEW.step = 'refine'", "INSERT OR UPDATE", None),
        ("crash mid-gold", "gold_monthly",
         f"NEW.month = '{some_group[0]}' AND NEW.field = '{some_group[1]}'", "INSERT OR UPDATE", None),
        ("crash writing the publish watermark on a second run", "etl_state", "NEW.step = 'publish'",
         "INSERT OR UPDATE", batches[:2]),
    ]
    partial_credit.total = 2 * len(cases)
    for label, table, when, events, before in cases:
        _crash_then_rerun(new_engine, batches, clean, partial_credit, label, table, when, events, before)


@pytest.mark.points(5)
def test_crash_at_step_boundaries_then_rerun(new_engine, batches, partial_credit):
    """Stopping between steps (after some ingests, after refine, after an earlier run), then a rerun, equals a clean run."""
    clean = _clean(new_engine, batches)
    scenarios = {
        "after ingesting the first batch": lambda e: etl.ingest(batches[0], e),
        "after ingesting three batches": lambda e: [etl.ingest(p, e) for p in batches[:3]],
        "after ingesting everything": lambda e: [etl.ingest(p, e) for p in batches],
        "after refine, before publish": lambda e: ([etl.ingest(p, e) for p in batches], etl.refine(e)),
        "after a full run on the first two batches": lambda e: etl.run_pipeline(batches[:2], e),
    }
    partial_credit.total = len(scenarios)
    for label, prefix in scenarios.items():
        engine = new_engine()
        try:
            prefix(engine)
            etl.run_pipeline(batches, engine)
        except NotImplementedError:
            raise
        except Exception as exc:
            partial_credit.check(False, f"stopping {label}: the rerun failed: {exc!s:.200}")
            continue
        after = db_fingerprint(engine)
        partial_credit.check(after == clean, f"stopping {label}, then a full run: {diff(clean, after)}")


@pytest.mark.points(6)
def test_batch_order_does_not_matter(new_engine, batches, partial_credit):
    """Batches arriving in any order (refined in between) converge to the same silver, quarantine and gold."""
    engine = new_engine()
    etl.run_pipeline(batches, engine)
    reference = db_fingerprint(engine, DATA_TABLES)
    orders = {
        "reversed, one run per batch": [[p] for p in reversed(batches)],
        "shuffled, two per run": [[batches[2], batches[0]], [batches[3], batches[1]]],
        "all at once, reversed": [list(reversed(batches))],
    }
    partial_credit.total = len(orders) + 1
    for label, runs in orders.items():
        engine = new_engine()
        for run in runs:
            etl.run_pipeline(run, engine)
        got = db_fingerprint(engine, DATA_TABLES)
        partial_credit.check(got == reference, f"batch order {label}: {diff(reference, got)}")
    state = [(str(s), int(n)) for s, n in query(engine, "SELECT step, last_seq FROM etl_state ORDER BY step")]
    want = [("publish", len(batches)), ("refine", len(batches))]
    partial_credit.check(state == want, f"etl_state (step, last_seq) should be {want}, is {state}")
