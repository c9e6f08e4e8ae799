"""Example tests for the ETL lab: run them with `nox -s lab-05`, then add your own.

Each test gets a fresh, empty PostgreSQL database from the `make_database` fixture.
"""

from __future__ import annotations

from pathlib import Path

import etl
import pytest
import sqlalchemy as sa

HEADER = ",".join(etl.COLUMNS) + "\n"


@pytest.fixture
def engine(make_database):
    engine = sa.create_engine(make_database("learner"), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.csv"
    path.write_text(
        HEADER
        + "T1,fuel,north-40,wheat,-10.00,EUR,2024-01-05,2024-01-05 09:00:00,bank-feed\n"
        + "T1,fuel,north-40,wheat,-12.00,EUR,2024-01-05,2024-01-06 09:00:00,bank-feed\n"
        + "T2,crop_sales,north-40,wheat,500,EUR,2024-01-20,2024-01-21 10:00:00,spreadsheet\n"
        + "T3,fuel,north-40,wheat,abc,EUR,2024-01-20,2024-01-21 10:00:00,spreadsheet\n",
        encoding="utf-8",
    )
    return path


def test_ingesting_the_same_file_twice_adds_nothing(engine, batch):
    first = etl.ingest(batch, engine)
    second = etl.ingest(batch, engine)
    assert (first.rows_added, first.already_ingested) == (4, False)
    assert (second.rows_added, second.already_ingested, second.seq) == (0, True, first.seq)


def test_pipeline_keeps_latest_version_and_quarantines(engine, batch):
    report = etl.run_pipeline([batch], engine)
    assert (report.refine.quarantined, report.refine.duplicates_dropped, report.refine.silver_rows) == (1, 1, 2)
    with engine.connect() as conn:
        amounts = dict(conn.execute(sa.text("SELECT txn_id, amount::text FROM silver")).all())
        reasons = conn.execute(sa.text("SELECT reason FROM quarantine")).scalars().all()
    assert amounts == {"T1": "-12.00", "T2": "500.00"}
    assert reasons == ["bad_amount"]


def test_rerun_changes_nothing_and_books_balance(engine, batch):
    etl.run_pipeline([batch], engine)
    before = etl.fingerprint(engine)
    etl.run_pipeline([batch], engine)
    assert etl.fingerprint(engine) == before
    assert etl.reconcile(engine) == etl.ReconcileReport(4, 2, 1, 1)


def test_spark_gold_matches_sql_gold(engine, batch, spark, tmp_path):
    etl.run_pipeline([batch], engine)
    etl.export_silver(engine, tmp_path / "silver")
    etl.spark_gold(spark, tmp_path / "silver", tmp_path / "gold")
    rows = spark.read.parquet(str(tmp_path / "gold")).collect()
    assert [(str(r.month), r.field, r.crop, r.currency, str(r.total), r.txn_count) for r in rows] == [
        ("2024-01-01", "north-40", "wheat", "EUR", "488.00", 2)
    ]
