"""The grader's own model of the pipeline, in plain Python: what every table must hold."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

COLUMNS = ("txn_id", "account", "field", "crop", "amount", "currency", "txn_date", "updated_at", "source")
ACCOUNTS = {"seed", "fertiliser", "fuel", "labour", "machinery", "crop_sales", "subsidy"}
# ASCII digits only (`\d` also matches other scripts' digits, which strptime accepts and PostgreSQL does not).
AMOUNT = re.compile(r"-?[0-9]{1,10}(?:\.[0-9]{1,2})?")
DATE = re.compile(r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}")
STAMP = re.compile(r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
CENT = Decimal("0.01")


def read_batch(path: Path) -> tuple[str, list[list[str]]]:
    data = path.read_bytes()
    records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return hashlib.sha256(data).hexdigest(), records[1:]


def _moment_ok(value: str, pattern: re.Pattern[str], layout: str) -> bool:
    if not pattern.fullmatch(value):
        return False
    try:
        datetime.strptime(value, layout)
    except ValueError:
        return False
    return True


def reason(fields: list[str]) -> str | None:
    if len(fields) != len(COLUMNS):
        return "wrong_column_count"
    row = dict(zip(COLUMNS, fields, strict=True))
    if any(not row[key].strip() for key in ("txn_id", "field", "crop")):
        return "missing_key"
    if not (
        _moment_ok(row["txn_date"], DATE, "%Y-%m-%d")
        and _moment_ok(row["updated_at"], STAMP, "%Y-%m-%d %H:%M:%S")
    ):
        return "bad_date"
    if not AMOUNT.fullmatch(row["amount"]):
        return "bad_amount"
    if row["account"] not in ACCOUNTS:
        return "unknown_account"
    return None


def silver_tuple(fields: list[str], batch_hash: str, line_no: int) -> tuple[str, ...]:
    """A silver row rendered the way `normalise_silver` renders the database's."""
    row = dict(zip(COLUMNS, fields, strict=True))
    return (
        row["txn_id"],
        row["account"],
        row["field"],
        row["crop"],
        str((Decimal(row["amount"]) + 0).quantize(CENT)),  # -0 is 0.00
        row["currency"],
        row["txn_date"],
        row["updated_at"],
        row["source"],
        batch_hash,
        str(line_no),
    )


def normalise_silver(row: Iterable[object]) -> tuple[str, ...]:
    out = []
    for value in row:
        if isinstance(value, Decimal):
            out.append(str(value.quantize(CENT)))
        elif isinstance(value, datetime):
            out.append(value.strftime("%Y-%m-%d %H:%M:%S"))
        elif isinstance(value, date):
            out.append(value.isoformat())
        else:
            out.append(str(value))
    return tuple(out)


@dataclass
class Expected:
    bronze: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    quarantine: dict[tuple[str, int], tuple[str, list[str]]] = field(default_factory=dict)
    silver: dict[str, tuple[str, ...]] = field(default_factory=dict)
    valid_rows: int = 0

    @property
    def duplicates_dropped(self) -> int:
        return self.valid_rows - len(self.silver)

    def gold(self) -> dict[tuple[str, str, str, str], tuple[str, int]]:
        return gold_of(self.silver.values())


def gold_of(silver_rows: Iterable[tuple[str, ...]]) -> dict[tuple[str, str, str, str], tuple[str, int]]:
    """(month 'YYYY-MM-01', field, crop, currency) -> (total as text, count)."""
    sums: dict[tuple[str, str, str, str], list] = {}
    for row in silver_rows:
        key = (row[6][:7] + "-01", row[2], row[3], row[5])
        entry = sums.setdefault(key, [Decimal(0), 0])
        entry[0] += Decimal(row[4])
        entry[1] += 1
    return {key: (str(Decimal(total).quantize(CENT)), int(count)) for key, (total, count) in sums.items()}


def expected(paths: Iterable[Path]) -> Expected:
    """The state after ingesting `paths` (each distinct file once) and refining them."""
    result = Expected()
    best: dict[str, tuple[tuple[str, str, int], tuple[str, ...]]] = {}
    seen_hashes = set()
    for path in paths:
        batch_hash, rows = read_batch(path)
        if batch_hash in seen_hashes:
            continue
        seen_hashes.add(batch_hash)
        for line_no, fields in enumerate(rows, start=1):
            result.bronze[(batch_hash, line_no)] = fields
            why = reason(fields)
            if why is not None:
                result.quarantine[(batch_hash, line_no)] = (why, fields)
                continue
            result.valid_rows += 1
            rank = (fields[7], batch_hash, line_no)
            current = best.get(fields[0])
            if current is None or rank > current[0]:
                best[fields[0]] = (rank, silver_tuple(fields, batch_hash, line_no))
    result.silver = {txn_id: row for txn_id, (_, row) in best.items()}
    return result
