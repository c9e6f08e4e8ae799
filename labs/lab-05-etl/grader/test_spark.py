"""The gold layer in Spark: same numbers, partitioned by month, reruns replace only their months."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import etl
import pytest
from etl_harness import gold_rows
from ledger_oracle import gold_of, normalise_silver

SILVER_NAMES = ("txn_id", "account", "field", "crop", "amount", "currency", "txn_date", "updated_at", "source",
                "batch_hash", "line_no")


def _write_silver(rows, path: Path) -> Path:
    """Silver as Parquet, written with pyarrow so that only the job under test runs in Spark."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"amount": pa.decimal128(12, 2), "txn_date": pa.date32(), "updated_at": pa.timestamp("us"),
             "line_no": pa.int32()}
    convert = {
        "amount": Decimal, "txn_date": date.fromisoformat, "line_no": int,
        "updated_at": lambda v: datetime.strptime(v, "%Y-%m-%d %H:%M:%S"),
    }
    schema = pa.schema([(n, kinds.get(n, pa.string())) for n in SILVER_NAMES])
    columns = {n: [convert.get(n, str)(r[i]) for r in rows] for i, n in enumerate(SILVER_NAMES)}
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), path / "part-00000.parquet")
    return path


def _read_gold(path: Path):
    """{(month, field, crop, currency): (total, txn_count)} read back with pyarrow, plus duplicated keys."""
    import pyarrow.dataset as ds

    table = ds.dataset(str(path), format="parquet", partitioning="hive").to_table()
    out: dict = {}
    duplicated = []
    for data in table.to_pylist():
        month = data.get("month")
        month = month.isoformat() if isinstance(month, date) else str(month)
        key = (month, str(data.get("field")), str(data.get("crop")), str(data.get("currency")))
        if key in out:
            duplicated.append(key)
        out[key] = (normalise_silver([Decimal(str(data.get("total")))])[0], int(data.get("txn_count") or 0))
    return out, duplicated


def _files(root: Path):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith((".", "_"))
    }


EXTRA = [  # month edges and signs
    ("X1", "seed", "hilltop", "wheat", "-0.01", "EUR", "2024-12-31", "2025-01-01 00:00:00", "s", "h", "1"),
    ("X2", "seed", "hilltop", "wheat", "100.00", "EUR", "2025-01-01", "2025-01-01 00:00:00", "s", "h", "2"),
    ("X3", "subsidy", "hilltop", "wheat", "50.50", "USD", "2024-02-29", "2024-03-01 00:00:00", "s", "h", "3"),
]


@pytest.mark.points(5)
def test_spark_gold_matches_expected(spark, expected_all, tmp_path, partial_credit):
    """spark_gold writes the exact monthly totals as Parquet partitioned by month=YYYY-MM-01."""
    rows = [*expected_all.silver.values(), *EXTRA]
    silver = _write_silver(rows, tmp_path / "silver")
    out = tmp_path / "gold"
    partial_credit.total = 2
    etl.spark_gold(spark, str(silver), str(out))
    want = gold_of(rows)
    months = sorted(p.name for p in out.iterdir() if p.is_dir())
    partial_credit.check(
        months == sorted({f"month={k[0]}" for k in want}),
        f"the output should have one directory per month named month=YYYY-MM-01; found {months[:4]}...",
    )
    got, duplicated = _read_gold(out)
    wrong = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    partial_credit.check(
        not wrong and not duplicated,
        f"{len(wrong)} (month, field, crop, currency) groups differ from the expected totals, e.g. {wrong[:1]}: "
        f"expected {want.get(wrong[0]) if wrong else ''}, found {got.get(wrong[0]) if wrong else ''}"
        + (f"; duplicated groups {duplicated[:2]}" if duplicated else ""),
    )


@pytest.mark.points(5)
def test_spark_gold_equals_sql_gold(spark, new_engine, batches, tmp_path):
    """After run_pipeline, spark_gold on the exported silver equals the gold_monthly table."""
    engine = new_engine()
    etl.run_pipeline(batches, engine)
    etl.export_silver(engine, tmp_path / "silver")
    etl.spark_gold(spark, str(tmp_path / "silver"), str(tmp_path / "gold"))
    got, duplicated = _read_gold(tmp_path / "gold")
    sql = gold_rows(engine)
    wrong = sorted(k for k in set(got) | set(sql) if got.get(k) != sql.get(k))
    assert not wrong and not duplicated, (
        f"Spark gold and SQL gold differ in {len(wrong)} groups, e.g. {wrong[:1]}: SQL "
        f"{sql.get(wrong[0]) if wrong else ''}, Spark {got.get(wrong[0]) if wrong else ''}"
    )


@pytest.mark.points(5)
def test_spark_rerun_replaces_only_its_month(spark, expected_all, tmp_path, partial_credit):
    """Rerunning spark_gold on one month's silver replaces that partition and leaves every other untouched."""
    rows = list(expected_all.silver.values())
    out = tmp_path / "gold"
    partial_credit.total = 2
    etl.spark_gold(spark, str(_write_silver(rows, tmp_path / "silver_all")), str(out))
    target = "2024-06"
    before = {k: v for k, v in _files(out).items() if not k.startswith(f"month={target}-01/")}
    # A corrected June: every amount doubled and one transaction gone.
    june = [r for r in rows if r[6].startswith(target)]
    corrected = [(*r[:4], str(Decimal(r[4]) * 2), *r[5:]) for r in june[1:]]
    etl.spark_gold(spark, str(_write_silver(corrected, tmp_path / "silver_june")), str(out))
    untouched = {k: v for k, v in _files(out).items() if not k.startswith(f"month={target}-01/")}
    partial_credit.check(
        untouched == before and len(before) > 0,
        f"a rerun for {target} changed other months' files ({len(before)} files before, {len(untouched)} "
        "after): write with mode overwrite and partitionOverwriteMode=dynamic",
    )
    got, duplicated = _read_gold(out)
    got_june = {k: v for k, v in got.items() if k[0] == f"{target}-01"}
    want_june = gold_of(corrected)
    partial_credit.check(
        got_june == want_june and not duplicated,
        f"after the rerun, {target} should hold only the corrected totals ({len(want_june)} groups); it holds "
        f"{len(got_june)} groups" + (f", duplicated {duplicated[:2]}" if duplicated else "")
        + (", with wrong values" if got_june != want_june else ""),
    )
