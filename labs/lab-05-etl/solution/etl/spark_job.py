"""The gold layer again, as a Spark job: the same numbers, written as Parquet partitioned by month."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_gold(spark: SparkSession, silver_path: str | Path, out_path: str | Path) -> None:
    """Compute monthly totals per field, crop and currency from the silver Parquet at `silver_path`
    and write them under `out_path` partitioned by `month`, replacing only the months present."""
    from pyspark.sql import functions as F

    silver = spark.read.parquet(str(silver_path))
    gold = silver.groupBy(F.trunc("txn_date", "month").alias("month"), "field", "crop", "currency").agg(
        F.sum("amount").cast("decimal(14,2)").alias("total"),
        F.count(F.lit(1)).cast("int").alias("txn_count"),
    )
    (
        gold.write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")  # STATIC (the default) would wipe every month
        .partitionBy("month")
        .parquet(str(out_path))
    )
