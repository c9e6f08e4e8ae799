"""Idempotent ETL for a farm ledger: bronze → silver → gold in PostgreSQL, and gold again in Spark."""

from etl.pipeline import (
    IngestReport,
    PipelineReport,
    PublishReport,
    ReconcileError,
    ReconcileReport,
    RefineReport,
    ingest,
    publish,
    reconcile,
    refine,
    run_pipeline,
)
from etl.schema import ACCOUNTS, COLUMNS, REASONS, create_schema, export_silver, fingerprint
from etl.spark_job import spark_gold

__all__ = [
    "ACCOUNTS",
    "COLUMNS",
    "REASONS",
    "IngestReport",
    "PipelineReport",
    "PublishReport",
    "ReconcileError",
    "ReconcileReport",
    "RefineReport",
    "create_schema",
    "export_silver",
    "fingerprint",
    "ingest",
    "publish",
    "reconcile",
    "refine",
    "run_pipeline",
    "spark_gold",
]
