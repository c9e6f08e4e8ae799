"""The pipeline: bronze (raw records), silver (typed, valid, one row per txn_id), gold (monthly totals).

Every step runs in one transaction together with its bookkeeping, and every key is derived from the
data itself, so a step that fails part-way leaves no trace and any rerun converges to the same state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine


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


def ingest(batch_path: str | Path, engine: Engine) -> IngestReport:
    """Load one CSV batch into bronze as raw text records; a file already ingested adds nothing."""
    raise NotImplementedError("ingest: load one batch into bronze; see README, Part 1 (ingest)")


def refine(engine: Engine) -> RefineReport:
    """Bronze → silver for every batch past the watermark: validate, quarantine, deduplicate, upsert."""
    raise NotImplementedError("refine: bronze to silver and quarantine; see README, Part 2 (refine)")


def publish(engine: Engine) -> PublishReport:
    """Silver → gold: monthly totals per field, crop and currency; skipped when silver is unchanged."""
    raise NotImplementedError("publish: silver to gold_monthly; see README, Part 3 (publish)")


def run_pipeline(batch_paths: Iterable[str | Path], engine: Engine) -> PipelineReport:
    """Ingest every batch (in the order given), then refine, then publish."""
    raise NotImplementedError("run_pipeline: ingest, refine, publish; see README, Part 4 (run_pipeline)")


def reconcile(engine: Engine) -> ReconcileReport:
    """Prove the books balance up to the refine watermark, and that published gold covers silver;
    raise ReconcileError with the numbers when they do not."""
    raise NotImplementedError("reconcile: the integrity guard; see README, Part 5 (reconcile)")
