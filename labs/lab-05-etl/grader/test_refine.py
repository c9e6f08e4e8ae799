"""Silver and quarantine: typed, validated, one row per txn_id."""

from __future__ import annotations

from collections import Counter

import etl
import pytest
from etl_harness import (
    db_fingerprint,
    diff,
    failure_of,
    install_fault,
    quarantine_rows,
    query,
    remove_faults,
    row_versions,
    run_concurrently,
    run_during,
    silver_rows,
    write_batch,
)
from ledger_oracle import COLUMNS, expected, read_batch, silver_tuple

pytestmark = pytest.mark.part("B")
REFINED = ("quarantine", "silver", "etl_state")  # what refine writes

GOOD = [
    "T9000001",
    "fuel",
    "north-40",
    "wheat",
    "-120.50",
    "EUR",
    "2024-03-05",
    "2024-03-06 10:00:00",
    "bank-feed",
]


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
    # Boundaries of the date rules.
    (
        "the first valid year",
        _row(txn_id="B01", txn_date="1900-01-01", updated_at="1900-01-01 00:00:00"),
        None,
    ),
    (
        "the last valid year",
        _row(txn_id="B02", txn_date="2099-12-31", updated_at="2099-12-31 23:59:59"),
        None,
    ),
    ("year 2100 in txn_date", _row(txn_id="B03", txn_date="2100-01-01"), "bad_date"),
    ("year 2100 in updated_at", _row(txn_id="B04", updated_at="2100-01-01 00:00:00"), "bad_date"),
    ("year 1899 in updated_at", _row(txn_id="B05", updated_at="1899-12-31 23:59:59"), "bad_date"),
    ("month 13", _row(txn_id="B06", txn_date="2024-13-01"), "bad_date"),
    ("month 00", _row(txn_id="B07", txn_date="2024-00-10"), "bad_date"),
    ("April 31st", _row(txn_id="B08", txn_date="2024-04-31"), "bad_date"),
    ("unpadded day", _row(txn_id="B09", txn_date="2024-03-5"), "bad_date"),
    ("an impossible day in updated_at", _row(txn_id="B10", updated_at="2023-02-29 10:00:00"), "bad_date"),
    ("second 60", _row(txn_id="B11", updated_at="2024-03-06 10:00:60"), "bad_date"),
    ("minute 60", _row(txn_id="B12", updated_at="2024-03-06 10:60:00"), "bad_date"),
    ("unpadded hour", _row(txn_id="B13", updated_at="2024-03-06 9:00:00"), "bad_date"),
    ("unpadded second", _row(txn_id="B14", updated_at="2024-03-06 10:00:5"), "bad_date"),
    ("a time after txn_date", _row(txn_id="B15", txn_date="2024-03-05 00:00:00"), "bad_date"),
    ("updated_at without seconds", _row(txn_id="B16", updated_at="2024-03-06 10:00"), "bad_date"),
    ("a trailing space after a date", _row(txn_id="B17", txn_date="2024-03-05 "), "bad_date"),
    (
        "digits of another script in a date",
        _row(txn_id="B18", txn_date="\u0662\u0660\u0662\u0664-03-05"),
        "bad_date",
    ),
    # Boundaries of the amount rule.
    ("the largest amount", _row(txn_id="B20", amount="9999999999.99"), None),
    ("the smallest amount", _row(txn_id="B21", amount="-9999999999.99"), None),
    ("leading zeros within ten digits", _row(txn_id="B22", amount="0000000001.5"), None),
    ("minus zero", _row(txn_id="B23", amount="-0"), None),
    ("a lone minus", _row(txn_id="B24", amount="-"), "bad_amount"),
    ("no digit before the point", _row(txn_id="B25", amount=".5"), "bad_amount"),
    ("a space before the amount", _row(txn_id="B26", amount=" 5"), "bad_amount"),
    ("a thousands separator", _row(txn_id="B27", amount="1,000.00"), "bad_amount"),
    ("an underscore separator", _row(txn_id="B28", amount="1_000"), "bad_amount"),
    ("NaN", _row(txn_id="B29", amount="NaN"), "bad_amount"),
    ("digits of another script in the amount", _row(txn_id="B30", amount="\u0661\u0662.50"), "bad_amount"),
    ("eleven digits with leading zeros", _row(txn_id="B31", amount="00000000001"), "bad_amount"),
    # Keys, accounts and precedence.
    ("a tab-only field", _row(txn_id="B40", field="\t"), "missing_key"),
    (
        "every rule broken: the key comes first",
        _row(txn_id=" ", txn_date="x", amount="x", account="x"),
        "missing_key",
    ),
    ("bad date wins over an unknown account", _row(txn_id="B42", txn_date="x", account="x"), "bad_date"),
    ("a record of one empty value", [""], "wrong_column_count"),
    ("a trailing comma makes ten values", [*_row(txn_id="B44"), ""], "wrong_column_count"),
    ("a renamed account (US spelling)", _row(txn_id="B45", account="fertilizer"), "unknown_account"),
    ("a renamed account (hyphen)", _row(txn_id="B46", account="crop-sales"), "unknown_account"),
    ("a blank account", _row(txn_id="B47", account=""), "unknown_account"),
    ("every account is accepted", _row(txn_id="B48", account="crop_sales"), None),
    ("subsidy is an account", _row(txn_id="B49", account="subsidy"), None),
    ("machinery is an account", _row(txn_id="B50", account="machinery"), None),
    # Calendar and anchoring edge cases.
    ("1900 was not a leap year", _row(txn_id="B51", txn_date="1900-02-29"), "bad_date"),
    (
        "2000 was a leap year",
        _row(txn_id="B52", txn_date="2000-02-29", updated_at="2000-02-29 12:00:00"),
        None,
    ),
    ("day 00", _row(txn_id="B53", txn_date="2024-03-00"), "bad_date"),
    ("a trailing newline after the amount", _row(txn_id="B54", amount="10.00\n"), "bad_amount"),
    (
        "a trailing newline after updated_at",
        _row(txn_id="B55", updated_at="2024-03-06 10:00:00\n"),
        "bad_date",
    ),
    (
        "text values reach silver exactly as read (not trimmed)",
        _row(txn_id="B56", field=" north-40 ", crop="wheat ", currency="EUR", source=" bank-feed\t"),
        None,
    ),
]


def _ingest_all(paths, engine):
    for path in paths:
        etl.ingest(path, engine)


def _refine_report(report):
    """(batches, rows_read, quarantined, duplicates_dropped, silver_rows), None for a value that is not an int."""
    names = ("batches", "rows_read", "quarantined", "duplicates_dropped", "silver_rows")
    return tuple(value if type(value) is int else None for value in (getattr(report, n, None) for n in names))


@pytest.mark.points(8)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Check the rules in the README's order and stop at the first that fails; each rule has its own edge cases.",
    "A real date needs the shape check (two ASCII digits per part, year 1900-2099) and a calendar check; "
    "parsers that roll second 60 over into the next minute, or accept other scripts' digits, need care.",
    "Amounts: an optional '-', 1 to 10 ASCII digits, optionally '.' and 1 or 2 digits, nothing else at all.",
)
def test_quarantine_reasons_exact(new_engine, batches, tmp_path, partial_credit):
    """Every invalid row is quarantined once with the first reason that applies (boundaries and precedence); valid ones reach silver."""
    engine = new_engine()
    edge = write_batch(tmp_path / "edge_cases.csv", [fields for _, fields, _ in EDGE_CASES])
    partial_credit.total = len(EDGE_CASES) + 3
    _ingest_all(batches, engine)
    etl.refine(engine)
    etl.ingest(edge, engine)
    etl.refine(engine)
    got = quarantine_rows(engine)
    silver = silver_rows(engine)
    edge_hash = next(iter(expected([edge]).bronze))[0]
    for line_no, (description, fields, reason) in enumerate(EDGE_CASES, start=1):
        found = got.get((edge_hash, line_no))
        found_reason = None if found is None else found[0]
        if reason is None:
            want_row = silver_tuple(fields, edge_hash, line_no)
            ok = found is None and silver.get(fields[0]) == want_row
            outcome = f"quarantined as {found_reason!r}" if found else f"silver holds {silver.get(fields[0])}"
            message = (
                f"{description}: fields {fields} should be accepted into silver as {want_row}; {outcome}"
            )
        else:
            ok = found_reason == reason and found is not None and found[1] == fields
            message = (
                f"{description}: fields {fields} should be quarantined as {reason!r} with its fields unchanged; "
                + (f"got {found_reason!r} with {found[1]}" if found else "it was not quarantined")
            )
        partial_credit.check(ok, message)
    dataset = {key: value for key, value in got.items() if key[0] != edge_hash}
    want_state = expected(batches)
    want = want_state.quarantine
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
    accepted = {t: row for t, row in silver.items() if row[9] != edge_hash}
    partial_credit.check(
        accepted == want_state.silver,
        f"silver from the dataset batches should hold {len(want_state.silver)} rows exactly as expected, holds "
        f"{len(accepted)} ({sum(1 for t in accepted if accepted[t] != want_state.silver.get(t))} differ)",
    )


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "One row per txn_id: the version with the latest updated_at wins.",
    "Two versions with the same updated_at: compare batch_hash, then line_no, both descending.",
)
def test_silver_keeps_latest_version(new_engine, batches, partial_credit):
    """silver holds one typed row per txn_id: latest updated_at, ties to the greatest (batch_hash, line_no)."""
    engine = new_engine()
    _ingest_all(batches, engine)
    etl.refine(engine)
    got = silver_rows(engine)
    want = expected(batches).silver
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


def _tie_batches(tmp_path):
    """Two batches holding a tie for txn_id TIE (same updated_at, different amounts) where the batch with
    the greater hash has the tie on the *smaller* line: only the full (batch_hash, line_no) rule gets it right."""
    filler = [_row(txn_id=f"F{i}", amount=f"{i}.00") for i in range(3)]
    for salt in range(100):
        first = write_batch(
            tmp_path / f"tie_a_{salt}.csv",
            [_row(txn_id="TIE", amount="1.00"), *filler, _row(txn_id=f"S{salt}")],
        )
        second = write_batch(
            tmp_path / f"tie_b_{salt}.csv",
            [*filler, _row(txn_id="TIE", amount="2.00"), _row(txn_id=f"S{salt}")],
        )
        if read_batch(first)[0] > read_batch(second)[0]:
            return first, second  # first wins the tie, at line 1 against line 4
    raise AssertionError("no tie pair found")  # pragma: no cover - 100 tries make this impossible


@pytest.mark.points(3)
@pytest.mark.hints(
    "A tie is two versions with the same updated_at. The README's rule decides it from the data only.",
    "The same rule must hold inside one refine and between a stored silver row and a new version.",
    "Compare the whole (updated_at, batch_hash, line_no) triple in both places; line_no alone is not enough.",
)
def test_ties_across_batches(new_engine, tmp_path, partial_credit):
    """Ties across batches go to the greatest (batch_hash, line_no), whether refined together or one after the other."""
    winner, loser = _tie_batches(tmp_path)
    scenarios = {
        "both batches refined together": [[winner, loser]],
        "the winning batch refined first": [[winner], [loser]],
        "the winning batch refined last": [[loser], [winner]],
    }
    partial_credit.total = len(scenarios)
    for label, runs in scenarios.items():
        engine = new_engine()
        for run in runs:
            _ingest_all(run, engine)
            etl.refine(engine)
        row = silver_rows(engine).get("TIE")
        got = None if row is None else (row[4], row[9], row[10])
        want = ("1.00", str(read_batch(winner)[0]), "1")
        partial_credit.check(
            got == want,
            f"{label}: silver's TIE row should be the version with amount 1.00 from the batch with the greater "
            f"batch_hash (line 1), got (amount, batch_hash, line_no) = {got}",
        )


@pytest.mark.points(3)
@pytest.mark.hints(
    "INSERT … ON CONFLICT DO UPDATE cannot touch the same row twice in one statement.",
    "Deduplicate the new records yourself before the upsert, with the same ranking rule.",
)
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
    path = write_batch(tmp_path / "dups.csv", rows)
    partial_credit.total = 2
    etl.ingest(path, engine)
    reports = []
    failed = failure_of(lambda: reports.append(etl.refine(engine)))
    assert failed is None, (
        f"refining a batch with repeated txn_ids failed: {failed!s:.300} (deduplicate the batch before the "
        "upsert: ON CONFLICT cannot affect the same row twice in one statement)"
    )
    got = {t: (row[4], row[10]) for t, row in silver_rows(engine).items()}
    want = {"D1": ("11.00", "3"), "D2": ("6.00", "6"), "D3": ("1.00", "9")}
    partial_credit.check(got == want, f"silver (txn_id: (amount, line_no)) should be {want}, is {got}")
    report = _refine_report(reports[0])
    partial_credit.check(
        report == (1, 9, 0, 6, 3),
        f"9 valid rows for 3 txn_ids: RefineReport should be (1, 9, 0, 6, 3), got {report}",
    )


@pytest.mark.points(4)
@pytest.mark.hints(
    "Every number in RefineReport describes this run only, except silver_rows, which is silver's size after it.",
    "Return plain Python ints, not numpy integers or Decimals from the database.",
    "A refine with nothing new must not write at all: not even an unchanged watermark.",
)
def test_refine_reports_and_counts(new_engine, batches, partial_credit):
    """RefineReport numbers are exact plain ints for every run; a refine with nothing new reports zeros and writes nothing."""
    engine = new_engine()
    empty = etl.refine(engine)
    partial_credit.total = 2 + len(batches) + 2
    state = query(engine, "SELECT count(*) FROM etl_state")
    partial_credit.check(
        _refine_report(empty) == (0, 0, 0, 0, 0) and state == [(0,)],
        f"refine on an empty database should report (0, 0, 0, 0, 0) and write nothing; got "
        f"{_refine_report(empty)} and {state[0][0]} etl_state rows",
    )
    _ingest_all(batches[:2], engine)
    reports = [etl.refine(engine)]
    for path in batches[2:]:
        etl.ingest(path, engine)
        reports.append(etl.refine(engine))
    steps = [batches[:2], *[batches[: k + 1] for k in range(2, len(batches))]]
    previous = expected([])
    for done, report in zip(steps, reports, strict=True):
        now = expected(done)
        new_keys = set(now.bronze) - set(previous.bronze)
        valid = now.valid_rows - previous.valid_rows
        want = (
            len({h for h, _ in new_keys}),
            len(new_keys),
            len(set(now.quarantine) - set(previous.quarantine)),
            valid - (len(now.silver) - len(previous.silver)),
            len(now.silver),
        )
        partial_credit.check(
            _refine_report(report) == want,
            f"refining {', '.join(p.name for p in done[-(want[0]) :])}: RefineReport(batches, rows_read, quarantined, "
            f"duplicates_dropped, silver_rows) should be {want} (plain ints, this run's numbers), got "
            f"{_refine_report(report)}",
        )
        previous = now
    before = row_versions(engine)
    again = etl.refine(engine)
    partial_credit.check(
        _refine_report(again) == (0, 0, 0, 0, len(previous.silver)),
        f"a refine with nothing new should report (0, 0, 0, 0, {len(previous.silver)}), got {_refine_report(again)}",
    )
    after = row_versions(engine)
    partial_credit.check(
        after == before,
        f"a refine with nothing new must write nothing, yet rows were rewritten: {diff(before, after)}",
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "A version that arrives late must not overwrite a newer one already in silver.",
    "duplicates_dropped in etl_state accumulates over runs; last_seq is the highest seq consumed.",
    "The engine may pool its connections, so two refines can run on the same session: leave nothing behind "
    "in it (a temporary table needs ON COMMIT DROP).",
)
def test_incremental_refine_matches_single_refine(pooled_engine, batches, partial_credit):
    """Refining after every batch (stale versions arriving late, on one pooled connection) gives the same silver and counters as one refine."""
    engine = pooled_engine()
    partial_credit.total = 2
    for number, path in enumerate(batches, start=1):
        etl.ingest(path, engine)
        failed = failure_of(lambda engine=engine: etl.refine(engine))
        assert failed is None, (
            f"refine number {number}, on an engine that pools its connections (SQLAlchemy's default, so the "
            f"previous refine's session is reused), failed: {failed!s:.300} (leave no session state behind: "
            "create temporary tables with ON COMMIT DROP)"
        )
    got = silver_rows(engine)
    want_state = expected(batches)
    wrong = sorted(t for t in set(got) | set(want_state.silver) if got.get(t) != want_state.silver.get(t))
    partial_credit.check(
        not wrong,
        f"after refining batch by batch, {len(wrong)} txn_ids differ from one refine of all batches, e.g. "
        f"{wrong[:1]}: expected {want_state.silver.get(wrong[0]) if wrong else ''}, found "
        f"{got.get(wrong[0]) if wrong else ''} (an older version must never overwrite a newer one)",
    )
    stored = [
        tuple(map(int, r))
        for r in query(engine, "SELECT last_seq, duplicates_dropped FROM etl_state WHERE step = 'refine'")
    ]
    want = [(len(batches), want_state.duplicates_dropped)]
    partial_credit.check(
        stored == want,
        f"etl_state 'refine' should end at (last_seq, duplicates_dropped) = {want[0]}, is {stored}",
    )


@pytest.mark.points(5)
@pytest.mark.critical(
    "no silver or quarantine data lost or duplicated across a crash during refine and a rerun"
)
@pytest.mark.hints(
    "If refine dies half-way, which of its writes are already committed?",
    "Quarantine, silver and the watermark must be written in one transaction, on one connection.",
    "A failed refine leaves every table as it was, so the rerun sees the same batches again and does the same work.",
)
def test_crash_during_refine_then_rerun(new_engine, batches, partial_credit):
    """A crash mid-quarantine, mid-silver, on a silver update or on the watermark leaves no trace; the rerun equals a clean run."""
    batches = batches[
        :3
    ]  # three batches, two of them with corrections of the first: enough to crash anywhere
    clean_engine = new_engine()
    _ingest_all(batches, clean_engine)
    etl.refine(clean_engine)
    clean = db_fingerprint(clean_engine, REFINED)
    state = expected(batches)
    some_txn = sorted(state.silver)[len(state.silver) // 2]
    some_bad = sorted(state.quarantine)[len(state.quarantine) // 2]
    last_bad = sorted(state.quarantine)[-1]
    cases = [
        (
            "a crash mid-quarantine",
            "quarantine",
            f"NEW.batch_hash = '{some_bad[0]}' AND NEW.line_no = {some_bad[1]}",
            "INSERT OR UPDATE",
            None,
        ),
        (
            "a crash on the last quarantine row",
            "quarantine",
            f"NEW.batch_hash = '{last_bad[0]}' AND NEW.line_no = {last_bad[1]}",
            "INSERT OR UPDATE",
            None,
        ),
        ("a crash mid-silver insert", "silver", f"NEW.txn_id = '{some_txn}'", "INSERT", None),
        ("a crash updating silver on a second refine", "silver", "true", "UPDATE", batches[:1]),
        (
            "a crash writing the refine watermark",
            "etl_state",
            "NEW.step = 'refine'",
            "INSERT OR UPDATE",
            None,
        ),
        ("a crash updating the refine watermark", "etl_state", "NEW.step = 'refine'", "UPDATE", batches[:1]),
    ]
    partial_credit.total = 3 * len(cases)
    for label, table, when, events, first in cases:
        engine = new_engine()
        if first:
            _ingest_all(first, engine)
            etl.refine(engine)
        _ingest_all(batches, engine)
        before = db_fingerprint(engine, REFINED)
        install_fault(engine, table, when, events)
        crashed = failure_of(lambda engine=engine: etl.refine(engine))
        remove_faults(engine)
        if not partial_credit.check(
            crashed is not None, f"{label}: the database error must propagate out of refine"
        ):
            continue
        after = db_fingerprint(engine, REFINED)
        partial_credit.check(
            after == before, f"{label}: the failed refine left a trace: {diff(before, after)}"
        )
        rerun = failure_of(lambda engine=engine: etl.refine(engine))
        final = db_fingerprint(engine, REFINED)
        partial_credit.check(
            rerun is None and final == clean,
            f"{label}: refining again should reach the state of a clean run; "
            + (f"it failed: {rerun!s:.200}" if rerun else diff(clean, final)),
        )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Two schedulers may call refine at the same moment: both read the same watermark.",
    "Lock something at the start of the refine transaction, before reading the watermark, so refines take turns.",
    "The watermark is the highest seq this refine consumed, taken from the rows it read: a batch ingested while "
    "it runs is not consumed and must be left for the next refine.",
)
def test_concurrent_refines(new_engine, batches, partial_credit):
    """Two refines at the same moment both succeed and end like one; a batch ingested during a refine is left for the next."""
    clean_engine = new_engine()
    _ingest_all(batches, clean_engine)
    etl.refine(clean_engine)
    clean = db_fingerprint(clean_engine, REFINED)
    engine = new_engine()
    _ingest_all(batches, engine)
    partial_credit.total = 3
    outcomes = run_concurrently(engine, "silver", [lambda: etl.refine(engine), lambda: etl.refine(engine)])
    errors = [f"{type(exc).__name__}: {exc!s:.150}" for _, exc in outcomes if exc is not None]
    partial_credit.check(not errors, f"two refines at the same moment: one failed: {errors}")
    after = db_fingerprint(engine, REFINED)
    partial_credit.check(
        after == clean, f"two concurrent refines should end like one refine: {diff(clean, after)}"
    )
    # An ingest that commits while a refine is stuck on its first silver write (after reading bronze).
    engine = new_engine()
    etl.ingest(batches[0], engine)
    outcomes = run_during(
        engine, "silver", lambda: etl.refine(engine), lambda: etl.ingest(batches[1], engine)
    )
    errors = [f"{type(exc).__name__}: {exc!s:.150}" for _, exc in outcomes if exc is not None]
    second = failure_of(lambda: etl.refine(engine))
    want = expected(batches[:2])
    got = silver_rows(engine)
    marks = [
        tuple(map(int, r))
        for r in query(engine, "SELECT last_seq, duplicates_dropped FROM etl_state WHERE step = 'refine'")
    ]
    partial_credit.check(
        not errors and second is None and got == want.silver and marks == [(2, want.duplicates_dropped)],
        "refine on batch 1 while batch 2 was ingested (committed before the refine finished), then refine "
        f"again: silver should hold the {len(want.silver)} rows of both batches and etl_state 'refine' "
        f"(last_seq, duplicates_dropped) be {(2, want.duplicates_dropped)}; got "
        + (
            f"errors {errors}"
            if errors
            else f"second refine {'failed: ' + format(second) if second else 'ok'}, "
            f"{len(got)} silver rows ({sum(1 for t in set(got) | set(want.silver) if got.get(t) != want.silver.get(t))} "
            f"differ) and etl_state {marks} (the watermark must be the highest seq this refine read)"
        ),
    )
