"""Model tests for the Spark gold job (the `spark` fixture is one local-mode session for the run)."""

from __future__ import annotations

import etl
import sqlalchemy as sa

HEADER = ",".join(etl.COLUMNS) + "\n"
ROWS = [
    "T1,fuel,north-40,wheat,-12.00,EUR,2024-02-05,2024-01-06 09:00:00,bank-feed",
    "T2,crop_sales,north-40,wheat,500,EUR,2024-01-20,2024-01-21 10:00:00,spreadsheet",
    "T3,crop_sales,north-40,wheat,0.50,EUR,2024-01-31,2024-01-21 10:00:00,spreadsheet",
]


def _gold(spark, path):
    return sorted(
        (str(r.month), r.field, r.crop, r.currency, str(r.total), r.txn_count)
        for r in spark.read.parquet(str(path)).collect()
    )


def test_spark_gold_equals_sql_gold_and_reruns_touch_one_month(make_database, spark, tmp_path):
    engine = sa.create_engine(make_database("model"), poolclass=sa.pool.NullPool)
    try:
        batch = tmp_path / "a.csv"
        batch.write_text(HEADER + "".join(row + "\n" for row in ROWS), encoding="utf-8")
        etl.run_pipeline([batch], engine)
        assert etl.export_silver(engine, tmp_path / "silver") == 3
        etl.spark_gold(spark, tmp_path / "silver", tmp_path / "gold")
        with engine.connect() as conn:
            sql = sorted(
                tuple(str(v) if i in (0, 4) else v for i, v in enumerate(row))
                for row in conn.execute(sa.text("SELECT * FROM gold_monthly"))
            )
        assert _gold(spark, tmp_path / "gold") == sql
        february = sorted((tmp_path / "gold" / "month=2024-02-01").iterdir())
        stamps = [p.stat().st_mtime_ns for p in february]

        assert etl.export_silver(engine, tmp_path / "jan", months=["2024-01"]) == 2
        etl.spark_gold(spark, tmp_path / "jan", tmp_path / "gold")
        assert sorted((tmp_path / "gold" / "month=2024-02-01").iterdir()) == february
        assert [p.stat().st_mtime_ns for p in february] == stamps
        assert _gold(spark, tmp_path / "gold") == sql
    finally:
        engine.dispose()
