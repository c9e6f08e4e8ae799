"""The gold layer in Spark: same numbers, partitioned by month, reruns replace only their months."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import etl
import pytest
from ledger_oracle import expected, gold_of, normalise_silver

pytestmark = pytest.mark.part("F")

SILVER_NAMES = (
    "txn_id",
    "account",
    "field",
    "crop",
    "amount",
    "currency",
    "txn_date",
    "updated_at",
    "source",
    "batch_hash",
    "line_no",
)


def _write_silver(rows, path: Path) -> Path:
    """Silver as Parquet, written with pyarrow so that only the job under test runs in Spark."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {
        "amount": pa.decimal128(12, 2),
        "txn_date": pa.date32(),
        "updated_at": pa.timestamp("us"),
        "line_no": pa.int32(),
    }
    convert = {
        "amount": Decimal,
        "txn_date": date.fromisoformat,
        "line_no": int,
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


def _file_schemas(root: Path):
    """The distinct schemas (name, type) of the Parquet files under root, read directly with pyarrow."""
    import pyarrow.parquet as pq

    return {
        tuple(sorted((field.name, str(field.type)) for field in pq.read_schema(path)))
        for path in root.rglob("*.parquet")
    }


GOLD_SCHEMA = (
    ("crop", "string"),
    ("currency", "string"),
    ("field", "string"),
    ("total", "decimal128(14, 2)"),
    ("txn_count", "int32"),
)


def _files(root: Path):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith((".", "_"))
    }


EXTRA = [  # month edges, signs, and one (month, field, crop) in two currencies
    ("X1", "seed", "hilltop", "wheat", "-0.01", "EUR", "2024-12-31", "2025-01-01 00:00:00", "s", "h", "1"),
    ("X2", "seed", "hilltop", "wheat", "100.00", "EUR", "2025-01-01", "2025-01-01 00:00:00", "s", "h", "2"),
    ("X3", "subsidy", "hilltop", "wheat", "50.50", "USD", "2024-02-29", "2024-03-01 00:00:00", "s", "h", "3"),
    ("X4", "subsidy", "hilltop", "wheat", "20.25", "EUR", "2024-02-01", "2024-01-01 00:00:00", "s", "h", "4"),
    (
        "X5",
        "seed",
        "hilltop",
        "wheat",
        "-9999999999.99",
        "EUR",
        "2024-02-15",
        "2024-03-01 00:00:00",
        "s",
        "h",
        "5",
    ),
    (
        "X6",
        "seed",
        "hilltop",
        "wheat",
        "-9999999999.99",
        "EUR",
        "2024-02-16",
        "2024-03-01 00:00:00",
        "s",
        "h",
        "6",
    ),
]


def _silver(batches):
    return list(expected(batches).silver.values())


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Group by the first day of txn_date's month, field, crop and currency.",
    "Look at what you wrote with pyarrow: total must be decimal(14,2) and txn_count a 32-bit int.",
    "partitionBy('month') with month a date gives directories month=YYYY-MM-01.",
)
def test_spark_gold_matches_expected(spark, batches, tmp_path, partial_credit):
    """spark_gold writes the exact monthly totals as Parquet partitioned by month=YYYY-MM-01, with the README's column types."""
    rows = [*_silver(batches), *EXTRA]
    silver = _write_silver(rows, tmp_path / "silver")
    out = tmp_path / "gold"
    partial_credit.total = 3
    etl.spark_gold(spark, str(silver), str(out))
    want = gold_of(rows)
    months = sorted(p.name for p in out.iterdir() if p.is_dir()) if out.is_dir() else []
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
    schemas = _file_schemas(out)
    partial_credit.check(
        schemas == {GOLD_SCHEMA},
        f"every Parquet file should hold exactly the columns {GOLD_SCHEMA} (month is the partition directory); "
        f"found {sorted(schemas)[:2]}",
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "spark_gold must accept the paths as str or pathlib.Path, and read what export_silver writes.",
    "export_silver(engine, path, months=[...]) exports only some months: a rerun on it is a backfill of those months.",
)
def test_spark_gold_on_exported_silver(spark, new_engine, batches, tmp_path, partial_credit):
    """spark_gold on export_silver's Parquet is exact, and a backfill of one exported month replaces just that month."""
    import sqlalchemy as sa

    engine = new_engine()
    etl.create_schema(engine)
    rows = [*_silver(batches), *EXTRA]
    names = ", ".join(SILVER_NAMES)
    marks = ", ".join(f":{n}" for n in SILVER_NAMES)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"INSERT INTO silver ({names}) VALUES ({marks})"),
            [dict(zip(SILVER_NAMES, (*r[:10], int(r[10])), strict=True)) for r in rows],
        )
    partial_credit.total = 2
    etl.export_silver(engine, tmp_path / "silver")
    etl.spark_gold(spark, tmp_path / "silver", tmp_path / "gold")
    got, duplicated = _read_gold(tmp_path / "gold")
    want = gold_of(rows)
    partial_credit.check(
        got == want and not duplicated,
        f"spark_gold on export_silver's output differs from the expected gold in "
        f"{sum(1 for k in set(got) | set(want) if got.get(k) != want.get(k))} groups",
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE silver SET amount = amount + 1 WHERE to_char(txn_date, 'YYYY-MM') = '2024-06'"
        )
    etl.export_silver(engine, tmp_path / "june", months=["2024-06"])
    etl.spark_gold(spark, tmp_path / "june", tmp_path / "gold")
    got, duplicated = _read_gold(tmp_path / "gold")
    changed = [(*r[:4], str(Decimal(r[4]) + 1), *r[5:]) if r[6].startswith("2024-06") else r for r in rows]
    want = gold_of(changed)
    partial_credit.check(
        got == want and not duplicated,
        "after a backfill of 2024-06 (export_silver with months=['2024-06'], then spark_gold into the same output), "
        f"gold should hold the new June totals and every other month unchanged; "
        f"{sum(1 for k in set(got) | set(want) if got.get(k) != want.get(k))} groups differ",
    )


@pytest.mark.points(4)
@pytest.mark.critical("a Spark rerun for one month never touches another month's partition")
@pytest.mark.hints(
    "Which partitions does an overwrite delete in Spark's default (static) mode?",
    "Ask for dynamic partition overwrite on the write itself.",
)
def test_spark_rerun_replaces_only_its_month(spark, batches, tmp_path, partial_credit):
    """Rerunning spark_gold on one month's silver replaces that partition and leaves every other untouched; a new month is added."""
    rows = _silver(batches)
    out = tmp_path / "gold"
    partial_credit.total = 4
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
    got_june = {k for k in got if k[0] == f"{target}-01"}
    want_june = {(f"{target}-01", r[2], r[3], r[5]) for r in corrected}
    partial_credit.check(
        got_june == want_june and not duplicated,
        f"after the rerun, {target} should hold exactly the groups of the new silver ({len(want_june)}), each "
        f"once; it holds {len(got_june)} groups" + (f", duplicated {duplicated[:2]}" if duplicated else ""),
    )
    settled = _files(out)
    late = [
        ("L1", "seed", "hilltop", "wheat", "5.00", "EUR", "2031-01-15", "2031-01-16 00:00:00", "s", "h", "1")
    ]
    etl.spark_gold(spark, str(_write_silver(late, tmp_path / "silver_late")), str(out))
    now = _files(out)
    partial_credit.check(
        {k: v for k, v in now.items() if not k.startswith("month=2031-01-01/")} == settled,
        "a run on a month not yet in the output must add its partition and leave every existing file untouched",
    )
    added = [k for k in now if k.startswith("month=2031-01-01/")]
    partial_credit.check(
        len(added) > 0,
        "after a run on silver for 2031-01 only, the output should have a month=2031-01-01 partition",
    )
