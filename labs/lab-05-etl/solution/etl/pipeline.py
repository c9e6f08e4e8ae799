"""The pipeline: bronze (raw records), silver (typed, valid, one row per txn_id), gold (monthly totals).

Every step runs in one transaction together with its bookkeeping, and every key is derived from the
data itself, so a step that fails part-way leaves no trace and any rerun converges to the same state.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from etl.schema import ACCOUNTS, COLUMNS, create_schema

# ASCII digits only: `\d` would also accept digits of other scripts, which PostgreSQL cannot parse.
AMOUNT_PATTERN = r"-?[0-9]{1,10}(?:\.[0-9]{1,2})?"
DATE_PATTERN = r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}"
TIMESTAMP_PATTERN = DATE_PATTERN + r" [0-9]{2}:[0-9]{2}:[0-9]{2}"


@dataclass(frozen=True)
class IngestReport:
    """What `ingest` did with one file."""

    file_name: str
    batch_hash: str
    seq: int
    rows_added: int
    already_ingested: bool


@dataclass(frozen=True)
class RefineReport:
    """What one `refine` consumed and produced."""

    batches: int
    rows_read: int
    quarantined: int
    duplicates_dropped: int
    silver_rows: int


@dataclass(frozen=True)
class PublishReport:
    """Whether `publish` rebuilt gold (it skips when silver has not changed) and gold's size after."""

    skipped: bool
    gold_rows: int


@dataclass(frozen=True)
class PipelineReport:
    """The reports of the steps of one `run_pipeline`."""

    ingested: tuple[IngestReport, ...]
    refine: RefineReport
    publish: PublishReport


@dataclass(frozen=True)
class ReconcileReport:
    """The balanced books: bronze_rows == silver_rows + quarantined + duplicates_dropped."""

    bronze_rows: int
    silver_rows: int
    quarantined: int
    duplicates_dropped: int


class ReconcileError(RuntimeError):
    """The pipeline's tables do not add up; the message gives the numbers."""


def _copy(conn: Connection, statement: str, rows: Iterable[tuple[Any, ...]], types: list[str]) -> None:
    """Stream rows into PostgreSQL with COPY, inside the transaction `conn` is in."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _watermark(conn: Connection, step: str) -> int:
    found = conn.execute(text("SELECT last_seq FROM etl_state WHERE step = :step"), {"step": step}).scalar()
    return int(found or 0)


def ingest(batch_path: str | Path, engine: Engine) -> IngestReport:
    """Load one CSV batch into bronze as raw text records; a file already ingested adds nothing."""
    path = Path(batch_path)
    data = path.read_bytes()
    batch_hash = hashlib.sha256(data).hexdigest()
    create_schema(engine)
    with engine.begin() as conn:
        # One ingest at a time: seq is max + 1, so it has no gaps even when a transaction rolls back.
        conn.exec_driver_sql("LOCK TABLE bronze_batches IN SHARE ROW EXCLUSIVE MODE")
        known = conn.execute(
            text("SELECT seq FROM bronze_batches WHERE batch_hash = :hash"), {"hash": batch_hash}
        ).scalar()
        if known is not None:
            return IngestReport(path.name, batch_hash, int(known), 0, True)
        records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        if not records or tuple(records[0]) != COLUMNS:
            raise ValueError(f"{path.name}: the header must be {','.join(COLUMNS)}; got {records[:1]}")
        rows = records[1:]
        seq = int(conn.execute(text("SELECT coalesce(max(seq), 0) + 1 FROM bronze_batches")).scalar_one())
        conn.execute(
            text("INSERT INTO bronze_batches VALUES (:seq, :hash, :name, :count)"),
            {"seq": seq, "hash": batch_hash, "name": path.name, "count": len(rows)},
        )
        _copy(
            conn,
            "COPY bronze_rows (batch_hash, line_no, fields) FROM STDIN",
            ((batch_hash, line_no, fields) for line_no, fields in enumerate(rows, start=1)),
            ["text", "int4", "text[]"],
        )
    return IngestReport(path.name, batch_hash, seq, len(rows), False)


def _valid_moments(values: pd.Series, pattern: str, layout: str) -> pd.Series:
    shaped = values.str.fullmatch(pattern)
    parsed = pd.to_datetime(values.where(shaped), format=layout, errors="coerce")
    # A real moment prints back as itself (pandas rolls a 60th second over into the next minute).
    return shaped & (parsed.dt.strftime(layout) == values)


def _classify(frame: pd.DataFrame, width: pd.Series) -> np.ndarray:
    """The quarantine reason of every row ("" when valid): the first of REASONS that applies."""
    blank = [frame[column].str.strip() == "" for column in ("txn_id", "field", "crop")]
    dates_ok = _valid_moments(frame["txn_date"], DATE_PATTERN, "%Y-%m-%d") & _valid_moments(
        frame["updated_at"], TIMESTAMP_PATTERN, "%Y-%m-%d %H:%M:%S"
    )
    checks = {
        "wrong_column_count": width != len(COLUMNS),
        "missing_key": blank[0] | blank[1] | blank[2],
        "bad_date": ~dates_ok,
        "bad_amount": ~frame["amount"].str.fullmatch(AMOUNT_PATTERN),
        "unknown_account": ~frame["account"].isin(ACCOUNTS),
    }
    return np.select(list(checks.values()), list(checks.keys()), default="")


def refine(engine: Engine) -> RefineReport:
    """Bronze → silver for every batch past the watermark: validate, quarantine, deduplicate, upsert."""
    create_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("LOCK TABLE etl_state IN SHARE ROW EXCLUSIVE MODE")
        done = _watermark(conn, "refine")
        silver_before = _count(conn, "silver")
        rows = conn.execute(
            text(
                "SELECT r.batch_hash, r.line_no, r.fields, b.seq FROM bronze_rows r"
                " JOIN bronze_batches b USING (batch_hash) WHERE b.seq > :done"
            ),
            {"done": done},
        ).all()
        if not rows:
            return RefineReport(0, 0, 0, 0, silver_before)
        hashes, line_nos, records, seqs = zip(*rows, strict=True)
        width = pd.Series([len(record) for record in records])
        padded = [record if len(record) == len(COLUMNS) else (record + [""] * 9)[:9] for record in records]
        frame = pd.DataFrame(padded, columns=list(COLUMNS))
        frame["batch_hash"], frame["line_no"] = hashes, line_nos
        frame["reason"] = _classify(frame, width)

        bad = frame["reason"] != ""
        _copy(
            conn,
            "COPY quarantine (batch_hash, line_no, reason, fields) FROM STDIN",
            zip(frame["batch_hash"][bad], frame["line_no"][bad], frame["reason"][bad],
                (records[i] for i in np.flatnonzero(bad)), strict=True),
            ["text", "int4", "text", "text[]"],
        )
        # In-batch duplicates first: ON CONFLICT cannot touch the same row twice in one statement.
        # The winner is the latest updated_at; ties go to the greatest (batch_hash, line_no).
        valid = frame[~bad].sort_values(["updated_at", "batch_hash", "line_no"], ascending=False)
        winners = valid.drop_duplicates("txn_id")
        conn.exec_driver_sql("CREATE TEMP TABLE silver_stage (LIKE silver) ON COMMIT DROP")
        columns = [*COLUMNS, "batch_hash", "line_no"]
        _copy(
            conn,
            f"COPY silver_stage ({', '.join(columns)}) FROM STDIN",
            winners[columns].itertuples(index=False, name=None),
            ["text"] * len(COLUMNS) + ["text", "int4"],  # the server parses the typed columns
        )
        updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[1:])
        conn.exec_driver_sql(
            f"INSERT INTO silver SELECT * FROM silver_stage ON CONFLICT (txn_id) DO UPDATE SET {updates}"
            " WHERE (EXCLUDED.updated_at, EXCLUDED.batch_hash, EXCLUDED.line_no)"
            " > (silver.updated_at, silver.batch_hash, silver.line_no)"
        )
        silver_after = _count(conn, "silver")
        # Every valid row either added a txn_id to silver or one version (old or new) was dropped.
        dropped = len(valid) - (silver_after - silver_before)
        conn.execute(
            text(
                "INSERT INTO etl_state (step, last_seq, duplicates_dropped) VALUES ('refine', :seq, :dropped)"
                " ON CONFLICT (step) DO UPDATE SET last_seq = EXCLUDED.last_seq,"
                " duplicates_dropped = etl_state.duplicates_dropped + EXCLUDED.duplicates_dropped"
            ),
            {"seq": max(seqs), "dropped": dropped},
        )
    return RefineReport(len(set(seqs)), len(rows), int(bad.sum()), dropped, silver_after)


def publish(engine: Engine) -> PublishReport:
    """Silver → gold: monthly totals per field, crop and currency; skipped when silver is unchanged."""
    create_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("LOCK TABLE etl_state IN SHARE ROW EXCLUSIVE MODE")
        refined = _watermark(conn, "refine")
        if _watermark(conn, "publish") == refined:
            return PublishReport(True, _count(conn, "gold_monthly"))
        conn.exec_driver_sql("DELETE FROM gold_monthly")
        conn.exec_driver_sql(
            "INSERT INTO gold_monthly (month, field, crop, currency, total, txn_count)"
            " SELECT date_trunc('month', txn_date)::date, field, crop, currency, sum(amount), count(*)"
            " FROM silver GROUP BY 1, 2, 3, 4"
        )
        conn.execute(
            text(
                "INSERT INTO etl_state (step, last_seq) VALUES ('publish', :seq)"
                " ON CONFLICT (step) DO UPDATE SET last_seq = EXCLUDED.last_seq"
            ),
            {"seq": refined},
        )
        gold_rows = _count(conn, "gold_monthly")
    return PublishReport(False, gold_rows)


def run_pipeline(batch_paths: Iterable[str | Path], engine: Engine) -> PipelineReport:
    """Ingest every batch (in the order given), then refine, then publish."""
    ingested = tuple(ingest(path, engine) for path in batch_paths)
    return PipelineReport(ingested, refine(engine), publish(engine))


def reconcile(engine: Engine) -> ReconcileReport:
    """Prove the books balance up to the refine watermark, and that published gold covers silver;
    raise ReconcileError with the numbers when they do not."""
    create_schema(engine)
    with engine.connect() as conn:
        refined = _watermark(conn, "refine")
        bronze, silver, quarantined, dropped, silver_sum = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM bronze_rows JOIN bronze_batches USING (batch_hash)"
                "        WHERE seq <= :refined),"
                " (SELECT count(*) FROM silver), (SELECT count(*) FROM quarantine),"
                " (SELECT coalesce(sum(duplicates_dropped), 0) FROM etl_state WHERE step = 'refine'),"
                " (SELECT coalesce(sum(amount), 0) FROM silver)"
            ),
            {"refined": refined},
        ).one()
        report = ReconcileReport(int(bronze), int(silver), int(quarantined), int(dropped))
        if report.bronze_rows != report.silver_rows + report.quarantined + report.duplicates_dropped:
            raise ReconcileError(
                f"bronze rows {report.bronze_rows} != silver {report.silver_rows} + quarantined "
                f"{report.quarantined} + duplicates dropped {report.duplicates_dropped}"
            )
        if refined and _watermark(conn, "publish") == refined:
            gold_count, gold_sum = conn.execute(
                text("SELECT coalesce(sum(txn_count), 0), coalesce(sum(total), 0) FROM gold_monthly")
            ).one()
            if int(gold_count) != report.silver_rows or gold_sum != silver_sum:
                raise ReconcileError(
                    f"gold counts {gold_count} transactions totalling {gold_sum}, but silver has "
                    f"{report.silver_rows} totalling {silver_sum}"
                )
    return report
