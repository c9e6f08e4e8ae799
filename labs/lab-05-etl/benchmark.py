"""Benchmark the reference pipeline on the ≥1M-row variant of the farm ledger.

    python labs/lab-05-etl/benchmark.py [--rows 1000000] [--batches 10] [--target solution]

Generates the batches (seeded, not committed) into a temporary directory, then in one fresh database:
  * baseline: COPY the same files, one text value per line, into a plain table (the cost of moving bytes);
  * first run: run_pipeline over every batch (ingest, refine, publish);
  * rerun: run_pipeline again over the same files (a no-op that must still hash every file).
Prints rows/s of the first run and the ratios first run / baseline and rerun / first run. PostgreSQL comes
from LABS_DATABASE_URL or a throwaway server (as in grading).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import uuid
from pathlib import Path

# One text value per line: delimiter and quote characters that never occur in the files.
RAW_COPY = "COPY raw_copy FROM STDIN (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02', HEADER true)"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("farm_ledger_generate", ROOT / "datasets/farm_ledger/generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--target", default="solution", help="folder holding etl/ (default: solution)")
    args = parser.parse_args()
    sys.path.insert(0, str((HERE / args.target).resolve()))
    sys.path.insert(0, str(ROOT))
    import etl
    import sqlalchemy as sa

    from autograder.services.postgres import postgres_service

    with tempfile.TemporaryDirectory() as scratch, postgres_service() as server:
        started = time.perf_counter()
        paths = _generator().generate(Path(scratch), args.rows, args.batches, seed=2024)
        print(f"generated {args.rows:,} rows in {len(paths)} batches in {time.perf_counter() - started:.1f} s")
        name = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = sa.create_engine(sa.make_url(server).set(database=name), poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE raw_copy (line text)")
            started = time.perf_counter()
            for path in paths:
                with engine.begin() as conn, path.open("rb") as handle:
                    cursor = conn.connection.driver_connection.cursor()
                    with cursor.copy(RAW_COPY) as copy:
                        while chunk := handle.read(1 << 20):
                            copy.write(chunk)
            baseline = time.perf_counter() - started
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE raw_copy")

            started = time.perf_counter()
            report = etl.run_pipeline(paths, engine)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = etl.run_pipeline(paths, engine)
            rerun = time.perf_counter() - started
            assert again.refine.rows_read == 0 and again.publish.skipped, "the rerun was not a no-op"
            etl.reconcile(engine)
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()

    rows = report.refine.rows_read
    print(f"baseline COPY of the CSV files: {baseline:.2f} s")
    print(f"first run:  {first:.2f} s  ({rows / first:,.0f} rows/s; {first / baseline:.1f}x the baseline COPY)")
    print(f"  refine: {report.refine.silver_rows:,} silver rows, {report.refine.quarantined:,} quarantined, "
          f"{report.refine.duplicates_dropped:,} duplicates dropped; gold: {report.publish.gold_rows} rows")
    print(f"no-op rerun: {rerun:.2f} s  ({rerun / first:.3f}x the first run)")


if __name__ == "__main__":
    main()
