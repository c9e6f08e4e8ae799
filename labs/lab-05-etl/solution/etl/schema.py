"""Given code (complete, not graded): the table contract, the reference lists, and two helpers.

Every step of the pipeline calls `create_schema` first, so a fresh database needs no set-up. The
tables are the contract the graders read: do not rename them or change their columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

COLUMNS = ("txn_id", "account", "field", "crop", "amount", "currency", "txn_date", "updated_at", "source")
"""The header every batch file starts with, in this order."""

ACCOUNTS = frozenset({"seed", "fertiliser", "fuel", "labour", "machinery", "crop_sales", "subsidy"})
"""The farm's chart of accounts; any other `account` value is quarantined as `unknown_account`."""

REASONS = ("wrong_column_count", "missing_key", "bad_date", "bad_amount", "unknown_account")
"""Quarantine reason codes, in the order they are checked: a row gets the first that applies."""

DDL = """
CREATE TABLE IF NOT EXISTS bronze_batches (
    seq         integer PRIMARY KEY,                 -- 1, 2, 3, ... in ingestion order, no gaps
    batch_hash  text COLLATE "C" NOT NULL UNIQUE,    -- SHA-256 of the file's bytes, lowercase hex
    file_name   text NOT NULL,                       -- the file's base name when first ingested
    row_count   integer NOT NULL                     -- data records in the file (header excluded)
);
CREATE TABLE IF NOT EXISTS bronze_rows (
    batch_hash  text COLLATE "C" NOT NULL REFERENCES bronze_batches (batch_hash),
    line_no     integer NOT NULL,                    -- 1 for the first record after the header
    fields      text[] NOT NULL,                     -- the record's values exactly as read
    PRIMARY KEY (batch_hash, line_no)
);
CREATE TABLE IF NOT EXISTS quarantine (
    batch_hash  text COLLATE "C" NOT NULL,
    line_no     integer NOT NULL,
    reason      text NOT NULL,                       -- one of REASONS
    fields      text[] NOT NULL,
    PRIMARY KEY (batch_hash, line_no)
);
CREATE TABLE IF NOT EXISTS silver (
    txn_id      text PRIMARY KEY,
    account     text NOT NULL,
    field       text NOT NULL,
    crop        text NOT NULL,
    amount      numeric(12, 2) NOT NULL,
    currency    text NOT NULL,
    txn_date    date NOT NULL,
    updated_at  timestamp NOT NULL,
    source      text NOT NULL,
    batch_hash  text COLLATE "C" NOT NULL,           -- lineage: the bronze row this version came from
    line_no     integer NOT NULL
);
CREATE TABLE IF NOT EXISTS gold_monthly (
    month       date NOT NULL,                       -- first day of the month of txn_date
    field       text NOT NULL,
    crop        text NOT NULL,
    currency    text NOT NULL,
    total       numeric(14, 2) NOT NULL,
    txn_count   integer NOT NULL,
    PRIMARY KEY (month, field, crop, currency)
);
CREATE TABLE IF NOT EXISTS etl_state (
    step                text PRIMARY KEY CHECK (step IN ('refine', 'publish')),
    last_seq            integer NOT NULL,            -- the highest bronze_batches.seq this step consumed
    duplicates_dropped  bigint NOT NULL DEFAULT 0    -- refine only: valid rows that lost to another version
);
"""

TABLES = ("bronze_batches", "bronze_rows", "quarantine", "silver", "gold_monthly", "etl_state")


def create_schema(engine: Engine) -> None:
    """Create the pipeline's tables if they do not exist yet (safe to call any number of times)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(5050505)")  # concurrent callers take turns
        conn.exec_driver_sql(DDL)


def fingerprint(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every pipeline table's rows as sorted tuples of text: equal fingerprints mean equal states."""
    result = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(text(f"SELECT t::text FROM {table} AS t")).scalars().all()
            result[table] = sorted(rows)
    return result


SILVER_COLUMNS = (*COLUMNS, "batch_hash", "line_no")


def silver_arrow_schema() -> Any:
    """The Arrow schema of exported silver (the column types Spark reads back)."""
    import pyarrow as pa

    types = {"amount": pa.decimal128(12, 2), "txn_date": pa.date32(), "updated_at": pa.timestamp("us"),
             "line_no": pa.int32()}
    return pa.schema([pa.field(name, types.get(name, pa.string()), nullable=False) for name in SILVER_COLUMNS])


def export_silver(engine: Engine, path: str | Path, months: list[str] | None = None) -> int:
    """Write the silver table as Parquet into the directory `path` (replacing its Parquet files), for
    `spark_gold`; with `months` (e.g. ["2024-06"]) only rows whose txn_date falls in them. Returns the
    number of rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    query = f"SELECT {', '.join(SILVER_COLUMNS)} FROM silver"
    params: dict[str, Any] = {}
    if months is not None:
        query += " WHERE to_char(txn_date, 'YYYY-MM') = ANY(:months)"
        params["months"] = list(months)
    with engine.connect() as conn:
        rows = conn.execute(text(query + " ORDER BY txn_id"), params).all()
    schema = silver_arrow_schema()
    table = pa.Table.from_pydict(
        {name: [row[i] for row in rows] for i, name in enumerate(SILVER_COLUMNS)}, schema=schema
    )
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.parquet"):
        old.unlink()
    pq.write_table(table, out / "part-00000.parquet")
    return len(rows)
