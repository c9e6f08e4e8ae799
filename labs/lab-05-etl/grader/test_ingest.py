"""Part A: bronze. Raw records in, each file content once, atomically, one ingest at a time."""

from __future__ import annotations

import hashlib
import shutil

import etl
import pytest
from etl_harness import (
    db_fingerprint,
    diff,
    failure_of,
    install_fault,
    query,
    remove_faults,
    run_concurrently,
)
from ledger_oracle import COLUMNS, read_batch

pytestmark = pytest.mark.part("A")

BRONZE = ("bronze_batches", "bronze_rows", "etl_state")
GOOD = ["T1", "fuel", "north-40", "wheat", "-12.50", "EUR", "2024-03-05", "2024-03-06 10:00:00", "bank-feed"]
# What a hand-edited export really contains: kept exactly as csv.reader returns it.
AWKWARD = [
    GOOD,
    [
        "  T2 ",
        " fuel",
        "north-40 ",
        "wheat",
        " 3.00",
        "EUR",
        "2024-03-05",
        "2024-03-06 10:00:00",
        "bank-feed  ",
    ],
    [
        "T3",
        "fuel",
        "north, 40",
        "wheat",
        "1.00",
        "EUR",
        "2024-03-05",
        "2024-03-06 10:00:00",
        'a "quoted" note',
    ],
    ["T4", "fuel", "north\n40", "wheat", "1.00", "EUR", "2024-03-05", "2024-03-06 10:00:00", "two\r\nlines"],
    ["T5", "", "", "wheat", "", "", "", "", ""],
    ["T6", "fuel"],
    [],
    [*GOOD, "", "extra"],
    ["T7", "fuel", "north-40", "wheat", "1.00", "EUR", "2024-03-05", "2024-03-06 10:00:00", "bank-feed"],
]


def _raw(path):
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), read_batch(path)[1]


def _report(report):
    """The report's fields as plain values (None for any field of the wrong type)."""
    kinds = {"file_name": str, "batch_hash": str, "seq": int, "rows_added": int, "already_ingested": bool}
    return tuple(
        value if type(value) is kind else None
        for value, kind in ((getattr(report, name, None), kind) for name, kind in kinds.items())
    )


def _bronze(engine):
    return {
        (str(h), int(n)): [str(v) for v in f]
        for h, n, f in query(engine, "SELECT batch_hash, line_no, fields FROM bronze_rows")
    }


def _batches(engine):
    return [
        tuple(map(str, r))
        for r in query(
            engine, "SELECT seq, batch_hash, file_name, row_count FROM bronze_batches ORDER BY seq"
        )
    ]


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Store what csv.reader gives you, untouched: no trimming, no type conversion, no skipping of odd rows.",
    "Parse the decoded bytes with csv.reader over io.StringIO(text, newline='') so quoted newlines survive, "
    "and hash the bytes you read, not text you decoded.",
    "line_no counts records after the header starting at 1; file_name is the base name of the path.",
)
def test_ingest_loads_raw_records(new_engine, batches, tmp_path, partial_credit):
    """ingest stores every record exactly as csv.reader returns it (odd records, CRLF files included), plus the batch row."""
    from etl_harness import write_batch

    engine = new_engine()
    awkward = write_batch(tmp_path / "awkward_export.csv", AWKWARD, terminator="\r\n")
    partial_credit.total = 8
    reports = [etl.ingest(batches[0], engine), etl.ingest(str(awkward), engine)]
    stored = _bronze(engine)
    listing = _batches(engine)
    for seq, (path, report) in enumerate(zip((batches[0], awkward), reports, strict=True), start=1):
        batch_hash, records = _raw(path)
        wanted = {(batch_hash, n): r for n, r in enumerate(records, start=1)}
        mine = {key: value for key, value in stored.items() if key[0] == batch_hash}
        wrong = sorted(key for key in set(wanted) | set(mine) if mine.get(key) != wanted.get(key))
        partial_credit.check(
            not wrong,
            f"{path.name}: {len(wrong)} bronze records differ from the file, e.g. line_no "
            f"{wrong[0][1] if wrong else ''}: expected {wanted.get(wrong[0]) if wrong else ''}, stored "
            f"{mine.get(wrong[0]) if wrong else ''} (batch_hash is the SHA-256 of the file's bytes; keep every "
            "value exactly as csv.reader returns it; line_no starts at 1 after the header)",
        )
        want_row = (str(seq), batch_hash, path.name, str(len(records)))
        partial_credit.check(
            want_row in listing,
            f"bronze_batches should hold (seq, batch_hash, file_name, row_count) = {want_row} for {path.name}; "
            f"it holds {listing}",
        )
        want = (path.name, batch_hash, seq, len(records), False)
        got = _report(report)
        partial_credit.check(
            got == want,
            f"ingest({path.name}) should return IngestReport{want} (plain str, int and bool values); got {got}",
        )
        partial_credit.check(
            len(mine) == len(records),
            f"{path.name}: {len(records)} records expected in bronze_rows, {len(mine)} found",
        )


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "The identity of a batch is its content, not its name.",
    "Look the SHA-256 up in bronze_batches before writing anything, and report the seq you find.",
    "seq is the current maximum + 1, taken inside the same transaction as the inserts.",
)
def test_ingest_same_file_twice_adds_nothing(new_engine, batches, tmp_path, partial_credit):
    """Ingesting a file again (even renamed) adds nothing; new files get seq 1, 2, 3 without gaps."""
    engine = new_engine()
    copy = tmp_path / "renamed_copy.csv"
    shutil.copyfile(batches[0], copy)
    header_only = tmp_path / "header_only.csv"
    header_only.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    partial_credit.total = 5
    etl.ingest(batches[0], engine)
    before = db_fingerprint(engine, BRONZE)
    again = etl.ingest(batches[0], engine)
    renamed = etl.ingest(copy, engine)
    after = db_fingerprint(engine, BRONZE)
    partial_credit.check(
        after == before, f"re-ingesting the same content changed bronze: {diff(before, after)}"
    )
    first_hash = _raw(batches[0])[0]
    for label, report, name in (
        ("the same file", again, batches[0].name),
        ("a renamed copy", renamed, copy.name),
    ):
        want = (name, first_hash, 1, 0, True)
        partial_credit.check(
            _report(report) == want,
            f"ingesting {label} again should return IngestReport{want} (already_ingested, rows_added=0 and the "
            f"seq of the first ingest); got {_report(report)}",
        )
    etl.ingest(batches[2], engine)
    empty = etl.ingest(header_only, engine)
    etl.ingest(batches[1], engine)
    listing = [(int(seq), h) for seq, h, _, _ in _batches(engine)]
    order = [batches[0], batches[2], header_only, batches[1]]
    want = [(i + 1, _raw(p)[0]) for i, p in enumerate(order)]
    partial_credit.check(
        listing == want,
        f"bronze_batches (seq, batch_hash) should be {[(s, h[:8]) for s, h in want]} (ingestion order, no "
        f"gaps), is {[(s, h[:8]) for s, h in listing]}",
    )
    partial_credit.check(
        _report(empty) == (header_only.name, _raw(header_only)[0], 3, 0, False),
        f"a file with only the header is a batch of 0 records: expected IngestReport{(header_only.name, '…', 3, 0, False)}, "
        f"got {_report(empty)}",
    )


BAD_HEADERS = [
    ("a renamed column", ",".join(COLUMNS).replace("amount", "amt")),
    ("the columns reordered", ",".join((COLUMNS[1], COLUMNS[0], *COLUMNS[2:]))),
    ("a missing column", ",".join(COLUMNS[:-1])),
    ("an extra column", ",".join((*COLUMNS, "note"))),
    ("a space before a column name", ",".join(COLUMNS).replace(",amount", ", amount")),
    ("upper-case column names", ",".join(COLUMNS).upper()),
    ("a byte-order mark", "\ufeff" + ",".join(COLUMNS)),
]


@pytest.mark.points(2)
@pytest.mark.hints(
    "Compare the first record with COLUMNS exactly: same names, same order, same count.",
    "An empty file has no header at all; it must fail the same way, with ValueError.",
)
def test_ingest_rejects_bad_header(new_engine, batches, tmp_path, partial_credit):
    """A file whose header is not exactly the ledger columns (or an empty file) raises ValueError and writes nothing."""
    body = "".join(batches[0].read_text(encoding="utf-8").splitlines(keepends=True)[1:20])
    cases = [(label, header + "\n" + body) for label, header in BAD_HEADERS] + [("an empty file", "")]
    partial_credit.total = len(cases)
    engine = new_engine()
    for index, (label, content) in enumerate(cases):
        bad = tmp_path / f"bad_header_{index}.csv"
        bad.write_text(content, encoding="utf-8")
        try:
            etl.ingest(bad, engine)
        except NotImplementedError:
            raise
        except ValueError:
            raised = "ValueError"
        except Exception as exc:
            raised = type(exc).__name__
        else:
            raised = None
        etl.create_schema(engine)
        counts = query(
            engine, "SELECT (SELECT count(*) FROM bronze_batches), (SELECT count(*) FROM bronze_rows)"
        )
        partial_credit.check(
            raised == "ValueError" and counts == [(0, 0)],
            f"a file with {label}: ingest should raise ValueError and leave bronze empty; "
            f"{'it returned' if raised is None else 'it raised ' + raised} and bronze holds (batches, rows) = {counts[0]}",
        )


def _outline(engine):
    """bronze_batches, the number of bronze rows per batch and etl_state: cheap, and enough to see a trace."""
    return (
        _batches(engine),
        query(engine, "SELECT batch_hash, count(*) FROM bronze_rows GROUP BY 1 ORDER BY 1"),
        query(engine, "SELECT * FROM etl_state ORDER BY 1"),
    )


def _hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.points(5)
@pytest.mark.critical("no bronze data lost or duplicated across a crash during ingest and a rerun")
@pytest.mark.hints(
    "What does the database hold if the process dies between writing the batch row and its last record?",
    "Write the bronze_batches row and every bronze_rows row in one transaction, on one connection.",
    "A crashed ingest must leave nothing, so that the rerun does not mistake the file for one already ingested.",
)
def test_crash_during_ingest_then_rerun(new_engine, batches, partial_credit):
    """A crash while ingesting (recording a batch, mid-batch, on its last line) leaves no trace; ingesting again equals a clean run."""
    clean_engine = new_engine()
    for path in batches:
        etl.ingest(path, clean_engine)
    clean = db_fingerprint(clean_engine, BRONZE)
    last_line = len(read_batch(batches[-1])[1])
    cases = [
        ("a crash recording the third batch", "bronze_batches", f"NEW.file_name = '{batches[2].name}'"),
        (
            "a crash mid-batch (line 700 of the second batch)",
            "bronze_rows",
            f"NEW.batch_hash = '{_hash(batches[1])}' AND NEW.line_no = 700",
        ),
        (
            "a crash on the last line of the last batch",
            "bronze_rows",
            f"NEW.batch_hash = '{_hash(batches[-1])}' AND NEW.line_no = {last_line}",
        ),
    ]
    partial_credit.total = 3 * len(cases)
    for label, table, when in cases:
        engine = new_engine()
        etl.create_schema(engine)
        install_fault(engine, table, when)
        crashed, trace = None, "no difference"
        for path in batches:
            before = _outline(engine)
            crashed = failure_of(lambda path=path, engine=engine: etl.ingest(path, engine))
            if crashed is not None:
                after = _outline(engine)
                trace = "no difference" if after == before else f"before {before}, after {after}"
                break
        remove_faults(engine)
        if not partial_credit.check(
            crashed is not None, f"{label}: the database error must propagate out of ingest"
        ):
            continue
        partial_credit.check(
            trace == "no difference",
            f"{label}: the failed ingest left a trace ({trace}); it must be one transaction",
        )
        rerun = failure_of(lambda engine=engine: [etl.ingest(path, engine) for path in batches])
        after = db_fingerprint(engine, BRONZE)
        partial_credit.check(
            rerun is None and after == clean,
            f"{label}: ingesting every batch again should reach the state of a clean run; "
            + (f"it failed: {rerun!s:.200}" if rerun else diff(clean, after)),
        )


@pytest.mark.points(3)
@pytest.mark.hints(
    "Two schedulers may ingest at the same moment. What does 'max + 1' return to both of them?",
    "Take a lock at the start of the ingest transaction, before you read anything, so that ingests take turns.",
    "LOCK TABLE bronze_batches IN SHARE ROW EXCLUSIVE MODE, then check the hash, then compute seq.",
)
def test_concurrent_ingests(new_engine, batches, partial_credit):
    """Two clients ingesting at the same moment both succeed: distinct files get seq 1 and 2; the same file is stored once."""
    partial_credit.total = 5
    engine = new_engine()
    etl.create_schema(engine)
    outcomes = run_concurrently(
        engine,
        "bronze_rows",
        [lambda: etl.ingest(batches[0], engine), lambda: etl.ingest(batches[1], engine)],
    )
    errors = [f"{type(exc).__name__}: {exc!s:.150}" for _, exc in outcomes if exc is not None]
    partial_credit.check(
        not errors, f"two clients ingesting two different files at once: an ingest failed: {errors}"
    )
    seqs = sorted(_report(report)[2] or 0 for report, exc in outcomes if exc is None)
    rows = len(read_batch(batches[0])[1]) + len(read_batch(batches[1])[1])
    listing = {h: int(seq) for seq, h, _, _ in _batches(engine)}
    partial_credit.check(
        seqs == [1, 2] and sorted(listing.values()) == [1, 2] and len(_bronze(engine)) == rows,
        f"two different files ingested at once should get seq 1 and 2 and {rows} bronze rows; reports gave {seqs}, "
        f"bronze_batches {sorted(listing.values())}, bronze_rows {len(_bronze(engine))}",
    )
    engine = new_engine()
    etl.create_schema(engine)
    outcomes = run_concurrently(
        engine,
        "bronze_rows",
        [lambda: etl.ingest(batches[0], engine), lambda: etl.ingest(batches[0], engine)],
    )
    errors = [f"{type(exc).__name__}: {exc!s:.150}" for _, exc in outcomes if exc is not None]
    partial_credit.check(
        not errors, f"two clients ingesting the same file at once: an ingest failed: {errors}"
    )
    flags = sorted(str(_report(report)[4]) for report, exc in outcomes if exc is None)
    partial_credit.check(
        flags == ["False", "True"]
        and len(_batches(engine)) == 1
        and len(_bronze(engine)) == rows - len(read_batch(batches[1])[1]),
        "the same file ingested twice at once should be stored once (one report already_ingested=True); got "
        f"already_ingested {flags}, {len(_batches(engine))} batches and {len(_bronze(engine))} bronze rows",
    )
    # Both clients released at the same instant, before either has read anything: a lock mode that does not
    # conflict with itself lets both in at once, and they deadlock or collide on seq.
    engine = new_engine()
    etl.create_schema(engine)
    outcomes = run_concurrently(
        engine,
        "bronze_batches",
        [lambda: etl.ingest(batches[0], engine), lambda: etl.ingest(batches[1], engine)],
    )
    errors = [f"{type(exc).__name__}: {exc!s:.150}" for _, exc in outcomes if exc is not None]
    seqs = sorted(_report(report)[2] or 0 for report, exc in outcomes if exc is None)
    partial_credit.check(
        not errors and seqs == [1, 2] and sorted(int(s) for s, *_ in _batches(engine)) == [1, 2],
        "two clients ingesting two different files, both starting while bronze_batches was locked by a third "
        f"session: both should succeed with seq 1 and 2; got errors {errors} and seqs {seqs} (take a lock "
        "that conflicts with itself, e.g. SHARE ROW EXCLUSIVE, so ingests take turns)",
    )
