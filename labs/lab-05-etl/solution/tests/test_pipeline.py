"""Model tests for the reference pipeline (PostgreSQL from the `make_database` fixture)."""

from __future__ import annotations

from pathlib import Path

import etl
import pytest
import sqlalchemy as sa

HEADER = ",".join(etl.COLUMNS) + "\n"
ROWS = [
    "T1,fuel,north-40,wheat,-10.00,EUR,2024-01-05,2024-01-05 09:00:00,bank-feed",
    "T1,fuel,north-40,wheat,-12.00,EUR,2024-02-05,2024-01-06 09:00:00,bank-feed",  # correction, new month
    "T1,fuel,north-40,wheat,-10.00,EUR,2024-01-05,2024-01-05 09:00:00,bank-feed",  # exact duplicate
    "T2,crop_sales,north-40,wheat,500,EUR,2024-01-20,2024-01-21 10:00:00,spreadsheet",
    "T3,fuel,north-40,wheat,abc,EUR,2024-01-20,2024-01-21 10:00:00,spreadsheet",
    "T4,fuel,north-40",
    ",fuel,north-40,wheat,1,EUR,2024-01-20,2024-01-21 10:00:00,x",
    "T5,fuel,north-40,wheat,1,EUR,2024-02-30,2024-01-21 10:00:00,x",
    "T6,misc,north-40,wheat,1,EUR,2024-01-20,2024-01-21 10:00:00,x",
]


@pytest.fixture
def engine(make_database):
    engine = sa.create_engine(make_database("model"), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _batch(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def _scalars(engine, sql):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


def test_ingest_records_each_file_once(engine, tmp_path):
    first = etl.ingest(_batch(tmp_path / "a.csv", ROWS), engine)
    assert (first.seq, first.rows_added, first.already_ingested) == (1, len(ROWS), False)
    again = etl.ingest(_batch(tmp_path / "b.csv", ROWS), engine)  # same bytes, other name
    assert (again.seq, again.rows_added, again.already_ingested) == (1, 0, True)
    other = etl.ingest(_batch(tmp_path / "c.csv", ROWS[:2]), engine)
    assert other.seq == 2
    assert _scalars(engine, "SELECT fields FROM bronze_rows WHERE line_no = 6 AND batch_hash = "
                    f"'{first.batch_hash}'") == [(["T4", "fuel", "north-40"],)]


def test_ingest_rejects_wrong_header(engine, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        etl.ingest(path, engine)


def test_refine_quarantines_deduplicates_and_upserts(engine, tmp_path):
    etl.ingest(_batch(tmp_path / "a.csv", ROWS), engine)
    report = etl.refine(engine)
    assert report == etl.RefineReport(batches=1, rows_read=9, quarantined=5, duplicates_dropped=2, silver_rows=2)
    assert sorted(_scalars(engine, "SELECT reason, count(*) FROM quarantine GROUP BY 1")) == [
        ("bad_amount", 1), ("bad_date", 1), ("missing_key", 1), ("unknown_account", 1), ("wrong_column_count", 1),
    ]
    assert etl.refine(engine) == etl.RefineReport(0, 0, 0, 0, 2)
    # A stale version arriving later changes nothing; a newer one replaces the row.
    late = [ROWS[0], "T2,crop_sales,north-40,wheat,600,EUR,2024-01-20,2024-01-22 10:00:00,spreadsheet"]
    etl.ingest(_batch(tmp_path / "late.csv", late), engine)
    assert etl.refine(engine).duplicates_dropped == 2
    assert sorted(_scalars(engine, "SELECT txn_id, amount::text FROM silver")) == [("T1", "-12.00"), ("T2", "600.00")]


def test_publish_rebuilds_gold_only_when_silver_changed(engine, tmp_path):
    assert etl.publish(engine) == etl.PublishReport(skipped=True, gold_rows=0)
    report = etl.run_pipeline([_batch(tmp_path / "a.csv", ROWS)], engine)
    assert report.publish == etl.PublishReport(skipped=False, gold_rows=2)
    assert sorted(_scalars(engine, "SELECT month::text, total::text, txn_count FROM gold_monthly")) == [
        ("2024-01-01", "500.00", 1), ("2024-02-01", "-12.00", 1),
    ]
    assert etl.run_pipeline([tmp_path / "a.csv"], engine).publish.skipped is True


def test_rerun_leaves_every_table_unchanged(engine, tmp_path):
    paths = [_batch(tmp_path / "a.csv", ROWS), _batch(tmp_path / "b.csv", ROWS[3:] + ROWS[:1])]
    etl.run_pipeline(paths, engine)
    before = etl.fingerprint(engine)
    etl.run_pipeline(paths, engine)
    assert etl.fingerprint(engine) == before


def test_reconcile_balances_and_detects_tampering(engine, tmp_path):
    assert etl.reconcile(engine) == etl.ReconcileReport(0, 0, 0, 0)
    etl.run_pipeline([_batch(tmp_path / "a.csv", ROWS)], engine)
    assert etl.reconcile(engine) == etl.ReconcileReport(9, 2, 5, 2)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE gold_monthly SET txn_count = txn_count + 1")
    with pytest.raises(etl.ReconcileError, match="gold"):
        etl.reconcile(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM silver WHERE txn_id = 'T2'")
    with pytest.raises(etl.ReconcileError, match="bronze rows 9"):
        etl.reconcile(engine)


def test_failed_step_leaves_no_trace(engine, tmp_path):
    etl.create_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'x'; END $$;"
            " CREATE TRIGGER boom BEFORE INSERT ON etl_state FOR EACH ROW EXECUTE FUNCTION boom()"
        )
    path = _batch(tmp_path / "a.csv", ROWS)
    with pytest.raises(sa.exc.DBAPIError):
        etl.run_pipeline([path], engine)
    assert _scalars(engine, "SELECT (SELECT count(*) FROM silver), (SELECT count(*) FROM quarantine)") == [(0, 0)]
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER boom ON etl_state")
    assert etl.run_pipeline([path], engine).refine.silver_rows == 2
