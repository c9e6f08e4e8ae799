"""Benchmark for lab-06: format sizes/speeds against JSON, and streaming migration against loading it all.

Run from the lab folder: `python benchmark.py [--target solution] [--records N]`. Every number is a
ratio against a baseline measured in the same run, so results compare across machines.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import fastavro

SCHEMA = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "order_id", "type": "long"},
        {"name": "customer", "type": "string"},
        {"name": "quantity", "type": "int"},
        {"name": "price", "type": "double"},
        {"name": "paid", "type": "boolean"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "SHIPPED", "DONE"]}},
        {"name": "coupon", "type": ["null", "string"], "default": None},
        {"name": "items", "type": {"type": "array", "items": "long"}},
    ],
}
TARGET = dict(SCHEMA, fields=[*SCHEMA["fields"], {"name": "currency", "type": "string", "default": "EUR"}])


def orders(n: int, seed: int = 6) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "order_id": 10_000_000 + i,
            "customer": f"customer-{rng.randrange(5000)}",
            "quantity": rng.randrange(1, 20),
            "price": round(rng.uniform(1, 500), 2),
            "paid": rng.random() < 0.7,
            "status": rng.choice(["NEW", "SHIPPED", "DONE"]),
            "coupon": rng.choice([None, "SPRING", "VIP10"]),
            "items": [rng.randrange(10**6) for _ in range(rng.randrange(4))],
        }
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default=".", help="folder holding the evolution package (default: .)")
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.target).resolve()))
    from evolution import compare_formats, migrate

    records = orders(args.records)
    rows = compare_formats(records, SCHEMA)
    base = rows[0]
    print(f"compare_formats on {len(records)} orders (ratios against JSON; lower is better)")
    print(f"{'format':16} {'bytes/rec':>9} {'size':>6} {'encode':>7} {'decode':>7}")
    for row in rows:
        print(
            f"{row.format:16} {row.bytes_per_record:9.1f} {row.total_bytes / base.total_bytes:6.2f} "
            f"{row.encode_seconds / base.encode_seconds:7.2f} {row.decode_seconds / base.decode_seconds:7.2f}"
        )

    with tempfile.TemporaryDirectory() as folder:
        src, dst = Path(folder) / "v1.avro", Path(folder) / "v2.avro"
        with src.open("wb") as out:
            fastavro.writer(out, fastavro.parse_schema(SCHEMA), records, codec="deflate")
        tracemalloc.start()
        start = time.perf_counter()
        with src.open("rb") as fo:  # baseline: load every record, then write them all
            everything = list(fastavro.reader(fo, reader_schema=TARGET))
        with dst.open("wb") as out:
            fastavro.writer(out, fastavro.parse_schema(TARGET), everything, codec="deflate")
        base_time, base_peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
        del everything
        tracemalloc.reset_peak()
        start = time.perf_counter()
        migrate(src, dst, TARGET)
        time_, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"\nmigrate vs load-everything-then-write on {len(records)} orders (traced Python memory)")
    print(
        f"time ratio {time_ / base_time:.2f}, peak memory ratio {peak / base_peak:.3f} "
        f"({peak / 1e6:.2f} MB vs {base_peak / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
