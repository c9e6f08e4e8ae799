"""Bronze: raw records in, each file once."""

from __future__ import annotations

import hashlib
import shutil

import etl
import pytest
from etl_harness import query
from ledger_oracle import read_batch


@pytest.mark.points(5)
def test_ingest_loads_raw_records(new_engine, batches, partial_credit):
    """ingest stores every record of the file as raw text with its line number, plus the batch row."""
    engine = new_engine()
    path = batches[0]
    batch_hash, records = read_batch(path)
    report = etl.ingest(path, engine)
    stored = {
        (str(h), int(n)): [str(v) for v in f]
        for h, n, f in query(engine, "SELECT batch_hash, line_no, fields FROM bronze_rows")
    }
    wanted = {(batch_hash, n): r for n, r in enumerate(records, start=1)}
    partial_credit.check(
        len(stored) == len(wanted),
        f"bronze_rows should hold all {len(wanted)} data records of {path.name}, holds {len(stored)}",
    )
    wrong = [key for key, fields in wanted.items() if stored.get(key) != fields]
    partial_credit.check(
        not wrong,
        f"{len(wrong)} records differ from the file, e.g. line_no {wrong[0][1] if wrong else ''}: expected "
        f"{wanted[wrong[0]] if wrong else ''}, stored {stored.get(wrong[0]) if wrong else ''} "
        "(keep every value exactly as csv.reader returns it, malformed rows included; line_no starts at 1 "
        "after the header)",
    )
    batch_rows = [tuple(map(str, r)) for r in query(
        engine, "SELECT seq, batch_hash, file_name, row_count FROM bronze_batches"
    )]
    partial_credit.check(
        batch_rows == [("1", batch_hash, path.name, str(len(records)))],
        f"bronze_batches should be [(1, sha256 of the file bytes, '{path.name}', {len(records)})], "
        f"is {batch_rows}",
    )
    partial_credit.check(
        type(report).__name__ == "IngestReport" and report.batch_hash == batch_hash and report.seq == 1
        and report.rows_added == len(records) and report.already_ingested is False
        and report.file_name == path.name,
        f"ingest should return IngestReport(file_name={path.name!r}, batch_hash=<sha256>, seq=1, "
        f"rows_added={len(records)}, already_ingested=False); got {report!r:.300}",
    )


@pytest.mark.points(4)
def test_ingest_same_file_twice_adds_nothing(new_engine, batches, tmp_path, partial_credit):
    """Ingesting a file again (even renamed) adds nothing; new files get seq 1, 2, 3 without gaps."""
    engine = new_engine()
    copy = tmp_path / "renamed_copy.csv"
    shutil.copyfile(batches[0], copy)
    etl.ingest(batches[0], engine)
    before = query(engine, "SELECT count(*) FROM bronze_rows")[0][0]
    again = etl.ingest(batches[0], engine)
    renamed = etl.ingest(copy, engine)
    after = query(engine, "SELECT count(*) FROM bronze_rows")[0][0]
    partial_credit.check(
        after == before, f"re-ingesting the same content added rows: {before} before, {after} after"
    )
    partial_credit.check(
        again.already_ingested is True and again.rows_added == 0 and again.seq == 1
        and renamed.already_ingested is True and renamed.seq == 1,
        "a second ingest of the same content should report already_ingested=True, rows_added=0 and the "
        f"seq of the first ingest; got {again!r:.200} and {renamed!r:.200}",
    )
    etl.ingest(batches[2], engine)
    etl.ingest(batches[1], engine)
    seqs = [(int(s), str(h)) for s, h in query(engine, "SELECT seq, batch_hash FROM bronze_batches ORDER BY seq")]
    want = [(i + 1, hashlib.sha256(p.read_bytes()).hexdigest())
            for i, p in enumerate([batches[0], batches[2], batches[1]])]
    partial_credit.check(
        seqs == want,
        f"bronze_batches (seq, batch_hash) should be {[(s, h[:8]) for s, h in want]} (ingestion order, "
        f"no gaps), is {[(s, h[:8]) for s, h in seqs]}",
    )


@pytest.mark.points(2)
def test_ingest_rejects_bad_header(new_engine, batches, tmp_path):
    """A file whose header is not exactly the ledger columns raises ValueError and writes nothing."""
    engine = new_engine()
    bad = tmp_path / "bad_header.csv"
    lines = batches[0].read_text(encoding="utf-8").splitlines(keepends=True)
    bad.write_text(lines[0].replace("amount", "amt") + "".join(lines[1:20]), encoding="utf-8")
    with pytest.raises(ValueError):
        etl.ingest(bad, engine)
    etl.create_schema(engine)
    counts = query(engine, "SELECT (SELECT count(*) FROM bronze_batches), (SELECT count(*) FROM bronze_rows)")
    assert counts == [(0, 0)], f"a rejected file must leave bronze empty; found (batches, rows) = {counts[0]}"
