"""Part D: run_pipeline. Reruns, partial runs, crashes and batch order all converge to one clean run."""

from __future__ import annotations

import hashlib

import etl
import pytest
from etl_harness import (
    db_fingerprint,
    diff,
    failure_of,
    install_fault,
    query,
    remove_faults,
    row_versions,
)
from ledger_oracle import COLUMNS, expected

pytestmark = pytest.mark.part("D")
DATA_TABLES = ("silver", "quarantine", "gold_monthly")


def _clean(new_engine, batches):
    engine = new_engine()
    etl.run_pipeline(batches, engine)
    return db_fingerprint(engine)


def _plain_int(value):
    """The learner's value if it is exactly an int (a subclass could lie in ==), else None."""
    return value if type(value) is int else None


def _plain_str(value):
    return value if type(value) is str else None


def _hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "run_pipeline ingests the paths in the order given, then refines once, then publishes once.",
    "batch_paths may be any iterable, a generator included: go over it exactly once.",
    "PipelineReport.ingested is a tuple of the IngestReports, in the order of the paths.",
)
def test_run_pipeline_reports(new_engine, batches, partial_credit):
    """run_pipeline ingests any iterable of paths in the order given, then refines and publishes; its report says so."""
    engine = new_engine()
    order = [batches[2], batches[0], batches[3], batches[1]]
    partial_credit.total = 5
    report = etl.run_pipeline((path for path in order), engine)
    ingested = getattr(report, "ingested", None)
    seqs = [_plain_int(getattr(r, "seq", None)) for r in ingested] if type(ingested) is tuple else None
    partial_credit.check(
        seqs == [1, 2, 3, 4]
        and [_plain_str(getattr(r, "batch_hash", None)) for r in ingested] == [_hash(p) for p in order],
        f"report.ingested should be a tuple of 4 IngestReports, one per path in the order given (seq 1..4); got "
        f"{type(ingested).__name__} with seqs {seqs}",
    )
    listing = [str(h) for (h,) in query(engine, "SELECT batch_hash FROM bronze_batches ORDER BY seq")]
    partial_credit.check(
        listing == [_hash(p) for p in order],
        "bronze_batches' seq must follow the order of the paths given to run_pipeline (not their names)",
    )
    state = expected(batches)
    refine = tuple(
        getattr(report.refine, n, None) for n in ("batches", "rows_read", "quarantined", "silver_rows")
    )
    want = (4, len(state.bronze), len(state.quarantine), len(state.silver))
    partial_credit.check(
        refine == want and all(type(v) is int for v in refine),
        f"report.refine (batches, rows_read, quarantined, silver_rows) should be {want}, got {refine}",
    )
    publish = (getattr(report.publish, "skipped", None), getattr(report.publish, "gold_rows", None))
    partial_credit.check(
        publish == (False, len(state.gold())) and type(publish[1]) is int,
        f"report.publish should be (skipped=False, gold_rows={len(state.gold())}), got {publish}",
    )
    repeated = etl.run_pipeline([batches[1], batches[3], batches[1]], engine)
    ingested = getattr(repeated, "ingested", None)
    got = (
        [(_plain_int(getattr(r, "seq", None)), getattr(r, "already_ingested", None)) for r in ingested]
        if type(ingested) is tuple
        else ingested
    )
    partial_credit.check(
        got == [(4, True), (3, True), (4, True)],
        "run_pipeline([batch_02, batch_04, batch_02]) on a database that holds them: report.ingested should have one "
        f"IngestReport per path given, repeats included, as (seq, already_ingested) [(4, True), (3, True), (4, True)]; "
        f"got {got!r:.300}",
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "A failure is information the caller needs: never catch an exception inside run_pipeline.",
    "Files before a broken one stay ingested (each ingest commits on its own); nothing after it runs.",
)
def test_run_pipeline_propagates_errors(new_engine, batches, tmp_path, partial_credit):
    """A bad file or a database error inside any step propagates out of run_pipeline, and the later steps do not run."""
    partial_credit.total = 3
    bad = tmp_path / "bad_header.csv"
    bad.write_text(",".join(COLUMNS).replace("amount", "amt") + "\n", encoding="utf-8")
    engine = new_engine()
    failed = failure_of(lambda: etl.run_pipeline([batches[0], bad, batches[1]], engine))
    state = query(engine, "SELECT (SELECT count(*) FROM bronze_batches), (SELECT count(*) FROM etl_state)")
    partial_credit.check(
        type(failed) is ValueError and state == [(1, 0)],
        "run_pipeline over [good, bad header, good] should raise the ValueError, keep the first file ingested and "
        f"neither ingest the third nor refine; got {type(failed).__name__} and (batches, etl_state rows) = {state[0]}",
    )
    for label, table, when in (
        ("refine", "silver", "true"),
        ("publish", "gold_monthly", "true"),
    ):
        engine = new_engine()
        etl.create_schema(engine)
        install_fault(engine, table, when, "INSERT")
        failed = failure_of(lambda engine=engine: etl.run_pipeline(batches[:1], engine))
        remove_faults(engine)
        steps = [str(s) for (s,) in query(engine, "SELECT step FROM etl_state ORDER BY step")]
        want = [] if label == "refine" else ["refine"]
        partial_credit.check(
            failed is not None and steps == want,
            f"a database error during {label} must propagate out of run_pipeline (and {label} leave nothing); "
            f"{'it returned' if failed is None else 'it raised'} and etl_state holds the steps {steps}",
        )


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.critical("no data duplicated or lost by rerunning the same batches")
@pytest.mark.hints(
    "Compare etl.fingerprint(engine) before and after a second run_pipeline in your own test.",
    "Every step must recognise work it has already done: the file hash, the refine watermark, the publish one.",
)
def test_rerun_changes_nothing(new_engine, batches):
    """run_pipeline(x) twice leaves every table exactly as after the first run."""
    engine = new_engine()
    etl.run_pipeline(batches, engine)
    first = db_fingerprint(engine)
    etl.run_pipeline(batches, engine)
    second = db_fingerprint(engine)
    assert first == second, f"the rerun changed tables: {diff(first, second)}"


@pytest.mark.points(1)
@pytest.mark.hints(
    "A step with nothing to do should return before writing anything at all, even values that are unchanged.",
    "The rerun's report tells the caller nothing happened: already_ingested, rows_read=0, skipped=True.",
)
def test_rerun_reports_a_no_op_and_writes_nothing(new_engine, batches, partial_credit):
    """A rerun rewrites no row (not even with the same values) and its report shows that nothing was done."""
    engine = new_engine()
    partial_credit.total = 2
    etl.run_pipeline(batches, engine)
    versions = row_versions(engine)
    report = etl.run_pipeline(batches, engine)
    partial_credit.check(
        row_versions(engine) == versions,
        "the rerun rewrote rows with the same values: a no-op must not write",
    )
    partial_credit.check(
        type(report.ingested) is tuple
        and len(report.ingested) == len(batches)
        and all(r.already_ingested is True and _plain_int(r.rows_added) == 0 for r in report.ingested)
        and _plain_int(report.refine.rows_read) == 0
        and _plain_int(report.refine.batches) == 0
        and report.publish.skipped is True,
        "the rerun's report should show every file already_ingested, refine rows_read=0 and publish "
        f"skipped=True; got {report!r:.400}",
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Which values in your tables come from the clock, a random generator or a sequence?",
    "Every stored value must be a function of the input files alone.",
)
def test_keys_are_deterministic(new_engine, batches):
    """Two clean runs in two databases produce identical tables (no now(), random or sequence keys)."""
    first = _clean(new_engine, batches)
    second = _clean(new_engine, batches)
    assert first == second, (
        "two identical runs produced different tables: "
        + diff(first, second)
        + " (derive every stored value from the data: no now(), random ids or sequence-generated keys)"
    )


@pytest.mark.points(3)
@pytest.mark.critical("no data lost or duplicated when a run stops part-way and is run again")
@pytest.mark.hints(
    "A run can stop between any two steps. The next run must pick up exactly where the books say it stopped.",
    "Run refine and publish even when no file is new: the previous run may have stopped before them.",
)
def test_crash_at_step_boundaries_then_rerun(new_engine, batches, partial_credit):
    """Stopping between steps, or crashing inside one, then a full run, equals a clean run."""
    batches = batches[:3]  # the first batch and two that correct it: every step has work to do
    clean = _clean(new_engine, batches)
    some_txn = sorted(expected(batches).silver)[100]
    scenarios = {
        "after ingesting everything": lambda e: [etl.ingest(p, e) for p in batches],
        "after refine, before publish": lambda e: ([etl.ingest(p, e) for p in batches], etl.refine(e)),
        "after a full run on the first batch": lambda e: etl.run_pipeline(batches[:1], e),
        "after a crash mid-silver": lambda e: (
            install_fault(e, "silver", f"NEW.txn_id = '{some_txn}'"),
            failure_of(lambda: etl.run_pipeline(batches, e)),
            remove_faults(e),
        ),
        "after a crash mid-gold": lambda e: (
            install_fault(e, "gold_monthly", "true"),
            failure_of(lambda: etl.run_pipeline(batches, e)),
            remove_faults(e),
        ),
    }
    partial_credit.total = len(scenarios)
    for label, prefix in scenarios.items():
        engine = new_engine()
        etl.create_schema(engine)
        prefix(engine)
        failed = failure_of(lambda engine=engine: etl.run_pipeline(batches, engine))
        if failed is not None:
            partial_credit.check(False, f"stopping {label}: the rerun failed: {failed!s:.200}")
            continue
        after = db_fingerprint(engine)
        partial_credit.check(after == clean, f"stopping {label}, then a full run: {diff(clean, after)}")


@pytest.mark.points(3)
@pytest.mark.hints(
    "The winner of a txn_id must depend on the data only, never on which batch arrived first.",
    "Gold and quarantine follow from silver and bronze, so they converge when silver does.",
)
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
