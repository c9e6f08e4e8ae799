"""The gold layer again, as a Spark job: the same numbers, written as Parquet partitioned by month."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_gold(spark: SparkSession, silver_path: str | Path, out_path: str | Path) -> None:
    """Compute monthly totals per field, crop and currency from the silver Parquet at `silver_path`
    and write them under `out_path` partitioned by `month`, replacing only the months present."""
    raise NotImplementedError("spark_gold: the gold layer in Spark; see README, Part 6 (spark_gold)")
