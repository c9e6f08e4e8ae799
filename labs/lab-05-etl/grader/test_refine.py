"""Silver and quarantine: typed, validated, one row per txn_id."""

from __future__ import annotations

import csv
from collections import Counter

import etl
import pytest
from etl_harness import quarantine_rows, query, silver_rows
from ledger_oracle import COLUMNS, expected

GOOD = ["T9000001", "fuel", "north-40", "wheat", "-120.50", "EUR", "2024-03-05", "2024-03-06 10:00:00", "bank-feed"]


def _row(**changes):
    row = list(GOOD)
    for key, value in changes.items():
        row[COLUMNS.index(key)] = value
    return row


# (description, fields, expected reason or None); txn_ids are unique so nothing is deduplicated.
EDGE_CASES = [
    ("valid row", _row(txn_id="E01"), None),
    ("leap day is a real date", _row(txn_id="E02", txn_date="2024-02-29"), None),
    ("a one-decimal amount is fine", _row(txn_id="E03", amount="0.5"), None),
    ("ten integer digits fit numeric(12,2)", _row(txn_id="E04", amount="-1234567890.99"), None),
    ("comma inside a quoted field", _row(txn_id="E05", field="north, 40"), None),
    ("too few columns", _row(txn_id="E06")[:8], "wrong_column_count"),
    ("too many columns", [*_row(txn_id="E07"), "x"], "wrong_column_count"),
    ("empty record", [], "wrong_column_count"),
    ("wrong count wins over a blank key", ["", "fuel"], "wrong_column_count"),
    ("blank txn_id", _row(txn_id=""), "missing_key"),
    ("whitespace-only txn_id", _row(txn_id="   "), "missing_key"),
    ("blank field", _row(txn_id="E12", field=""), "missing_key"),
    ("whitespace-only crop", _row(txn_id="E13", crop=" "), "missing_key"),
    ("missing key wins over a bad date", _row(txn_id="", txn_date="nope"), "missing_key"),
    ("2023 has no Feb 29", _row(txn_id="E15", txn_date="2023-02-29"), "bad_date"),
    ("day-first date", _row(txn_id="E16", txn_date="05/03/2024"), "bad_date"),
    ("unpadded month", _row(txn_id="E17", txn_date="2024-3-05"), "bad_date"),
    ("year before 1900", _row(txn_id="E18", txn_date="1899-12-31"), "bad_date"),
    ("ISO 'T' separator in updated_at", _row(txn_id="E19", updated_at="2024-03-06T10:00:00"), "bad_date"),
    ("hour 24", _row(txn_id="E20", updated_at="2024-03-06 24:00:00"), "bad_date"),
    ("blank updated_at", _row(txn_id="E21", updated_at=""), "bad_date"),
    ("bad date wins over a bad amount", _row(txn_id="E22", txn_date="x", amount="x"), "bad_date"),
    ("decimal comma", _row(txn_id="E23", amount="12,50"), "bad_amount"),
    ("exponent", _row(txn_id="E24", amount="1e3"), "bad_amount"),
    ("three decimals", _row(txn_id="E25", amount="3.141"), "bad_amount"),
    ("leading plus", _row(txn_id="E26", amount="+5"), "bad_amount"),
    ("trailing dot", _row(txn_id="E27", amount="10."), "bad_amount"),
    ("eleven integer digits", _row(txn_id="E28", amount="12345678901"), "bad_amount"),
    ("blank amount", _row(txn_id="E29", amount=""), "bad_amount"),
    ("bad amount wins over an unknown account", _row(txn_id="E30", amount="x", account="misc"), "bad_amount"),
    ("unknown account", _row(txn_id="E31", account="dividends"), "unknown_account"),
    ("accounts are case-sensitive", _row(txn_id="E32", account="Fuel"), "unknown_account"),
    ("accounts are not trimmed", _row(txn_id="E33", account="fuel "), "unknown_account"),
]


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


@pytest.mark.points(9)
def test_quarantine_reasons_exact(new_engine, batches, tmp_path, partial_credit):
    """Every invalid row is quarantined once, with the first reason code that applies (README order)."""
    engine = new_engine()
    edge = _write(tmp_path / "edge_cases.csv", [fields for _, fields, _ in EDGE_CASES])
    partial_credit.total = len(EDGE_CASES) + 2
    etl.run_pipeline(batches, engine)
    etl.ingest(edge, engine)
    etl.refine(engine)
    got = quarantine_rows(engine)
    edge_hash = next(iter(expected([edge]).bronze))[0]
    for line_no, (description, fields, reason) in enumerate(EDGE_CASES, start=1):
        found = got.get((edge_hash, line_no))
        found_reason = None if found is None else found[0]
        partial_credit.check(
            found_reason == reason,
            f"{description}: fields {fields} should be "
            + (f"quarantined as {reason!r}" if reason else "accepted into silver")
            + (f", but got {found_reason!r}" if found_reason else ", but it was not quarantined"),
        )
    dataset = {key: value for key, value in got.items() if key[0] != edge_hash}
    want = expected(batches).quarantine
    counts, want_counts = Counter(r for r, _ in dataset.values()), Counter(r for r, _ in want.values())
    partial_credit.check(
        counts == want_counts,
        f"reason counts over the dataset batches should be {dict(sorted(want_counts.items()))}, are "
        f"{dict(sorted(counts.items()))}",
    )
    differing = sum(1 for key in set(dataset) | set(want) if dataset.get(key) != want.get(key))
    partial_credit.check(
        differing == 0,
        f"{differing} quarantine rows differ from the expected (batch_hash, line_no, reason, fields exactly as "
        "in bronze); each invalid bronze row must appear exactly once",
    )


@pytest.mark.points(7)
def test_silver_keeps_latest_version(new_engine, batches, expected_all, partial_credit):
    """silver holds one typed row per txn_id: latest updated_at, ties to the greatest (batch_hash, line_no)."""
    engine = new_engine()
    etl.run_pipeline(batches, engine)
    got = silver_rows(engine)
    want = expected_all.silver
    partial_credit.check(
        set(got) == set(want),
        f"silver should hold {len(want)} txn_ids, holds {len(got)} "
        f"({len(set(want) - set(got))} missing, {len(set(got) - set(want))} unexpected)",
    )
    wrong = sorted(t for t in set(got) & set(want) if got[t] != want[t])
    partial_credit.check(
        not wrong,
        f"{len(wrong)} silver rows hold the wrong version, e.g. {wrong[:1]}: expected "
        f"{want[wrong[0]] if wrong else ''}, found {got[wrong[0]] if wrong else ''} (keep the latest "
        "updated_at; on a tie keep the row with the greatest batch_hash, then the greatest line_no)",
    )


@pytest.mark.points(5)
def test_in_batch_duplicates(new_engine, tmp_path, partial_credit):
    """A batch repeating a txn_id (copies, corrections, ties) refines without error to the right row."""
    engine = new_engine()
    rows = [
        _row(txn_id="D1", amount="10.00"),
        _row(txn_id="D1", amount="10.00"),
        _row(txn_id="D1", amount="11.00", updated_at="2024-03-07 09:00:00"),
        _row(txn_id="D1", amount="10.00"),
        _row(txn_id="D2", amount="5.00"),
        _row(txn_id="D2", amount="6.00"),  # tie on updated_at: the later line wins
        _row(txn_id="D2", amount="4.00", updated_at="2024-03-01 00:00:00"),
        _row(txn_id="D3", amount="1.00"),
        _row(txn_id="D3", amount="1.00"),
    ]
    path = _write(tmp_path / "dups.csv", rows)
    partial_credit.total = 2
    try:
        report = etl.run_pipeline([path], engine)
    except NotImplementedError:
        raise
    except Exception as exc:
        raise AssertionError(
            f"refining a batch with repeated txn_ids failed: {exc!s:.300} (deduplicate the batch before the "
            "upsert: ON CONFLICT cannot affect the same row twice in one statement)"
        ) from None
    got = {t: (row[4], row[10]) for t, row in silver_rows(engine).items()}
    want = {"D1": ("11.00", "3"), "D2": ("6.00", "6"), "D3": ("1.00", "9")}
    partial_credit.check(got == want, f"silver (txn_id: (amount, line_no)) should be {want}, is {got}")
    partial_credit.check(
        report.refine.duplicates_dropped == 6 and report.refine.quarantined == 0,
        f"9 valid rows for 3 txn_ids: duplicates_dropped should be 6, quarantined 0; got {report.refine!r:.300}",
    )


@pytest.mark.points(4)
def test_refine_reports_and_counts(new_engine, batches, expected_all, partial_credit):
    """RefineReport/PublishReport numbers are exact, and a refine with nothing new reports zeros."""
    engine = new_engine()
    partial_credit.total = 3
    for path in batches:
        etl.ingest(path, engine)
    report = etl.refine(engine)
    want = (len(batches), len(expected_all.bronze), len(expected_all.quarantine),
            expected_all.duplicates_dropped, len(expected_all.silver))
    got = (report.batches, report.rows_read, report.quarantined, report.duplicates_dropped, report.silver_rows)
    partial_credit.check(
        type(report).__name__ == "RefineReport" and got == want,
        f"RefineReport(batches, rows_read, quarantined, duplicates_dropped, silver_rows) should be {want}, "
        f"is {got}",
    )
    again = etl.refine(engine)
    got_again = (again.batches, again.rows_read, again.quarantined, again.duplicates_dropped, again.silver_rows)
    want_again = (0, 0, 0, 0, len(expected_all.silver))
    partial_credit.check(
        got_again == want_again, f"a refine with nothing new should report {want_again}, reported {got_again}"
    )
    first, second = etl.publish(engine), etl.publish(engine)
    groups = len(expected_all.gold())
    partial_credit.check(
        (first.skipped, first.gold_rows, second.skipped, second.gold_rows) == (False, groups, True, groups),
        f"publish should rebuild gold ({groups} rows, skipped=False), then skip while silver is unchanged "
        f"(skipped=True); got {first!r} then {second!r}",
    )


@pytest.mark.points(4)
def test_incremental_refine_matches_single_refine(new_engine, batches, expected_all, partial_credit):
    """Refining after every batch (stale versions arriving late) gives the same silver as one refine."""
    engine = new_engine()
    partial_credit.total = 2
    total_dropped = 0
    for path in batches:
        etl.ingest(path, engine)
        total_dropped += etl.refine(engine).duplicates_dropped
    got = silver_rows(engine)
    wrong = sorted(t for t in set(got) | set(expected_all.silver) if got.get(t) != expected_all.silver.get(t))
    partial_credit.check(
        not wrong,
        f"after refining batch by batch, {len(wrong)} txn_ids differ from one refine of all batches, e.g. "
        f"{wrong[:1]}: expected {expected_all.silver.get(wrong[0]) if wrong else ''}, found "
        f"{got.get(wrong[0]) if wrong else ''} (an older version must never overwrite a newer one)",
    )
    stored = [tuple(map(int, r)) for r in query(
        engine, "SELECT last_seq, duplicates_dropped FROM etl_state WHERE step = 'refine'"
    )]
    want = [(len(batches), expected_all.duplicates_dropped)]
    partial_credit.check(
        stored == want and total_dropped == expected_all.duplicates_dropped,
        f"etl_state 'refine' should end at (last_seq, duplicates_dropped) = {want[0]} and the reports' "
        f"duplicates_dropped should add up to {want[0][1]}; got {stored} and {total_dropped}",
    )
