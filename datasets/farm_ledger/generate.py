"""Generate the farm ledger batches: seeded, so every run writes byte-identical files.

    python datasets/farm_ledger/generate.py                      # the committed small batches
    python datasets/farm_ledger/generate.py --rows 1000000 --batches 10 --out ledger-big

The batches are CSV exports of a farm's transactions, as they would arrive from a bank feed, a
spreadsheet and scanned invoices. They deliberately contain what real exports contain: exact
duplicate rows within and across batches, corrections (the same `txn_id` with a later `updated_at`),
stale versions arriving after newer ones, ties (same `txn_id` and `updated_at`, different values) and
malformed rows (bad dates, non-numeric amounts, unknown accounts, missing keys, wrong column count).
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

COLUMNS = ("txn_id", "account", "field", "crop", "amount", "currency", "txn_date", "updated_at", "source")
ACCOUNTS = ("seed", "fertiliser", "fuel", "labour", "machinery", "crop_sales", "subsidy")
INCOME = {"crop_sales", "subsidy"}
FIELDS = ("north-40", "river-flat", "hilltop", "orchard", "south-paddock")
CROPS = ("wheat", "barley", "canola", "apples", "potatoes")
SOURCES = ("bank-feed", "spreadsheet", "invoice-scan")
YEAR_START = date(2024, 1, 1)

# Share of each batch's rows that are of each special kind (the rest are new transactions).
CORRECTION, STALE, TIE, DUP_IN_BATCH, DUP_ACROSS, MALFORMED = 0.08, 0.02, 0.004, 0.03, 0.03, 0.05


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Ledger:
    """Draws transactions and their later versions from one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_id = 1
        self.history: dict[str, list[list[str]]] = {}  # txn_id -> versions emitted, oldest first
        self.ids: list[str] = []  # every registered txn_id, in creation order
        self.corrected: list[str] = []  # txn_ids with more than one version

    def new_txn(self, register: bool = True) -> list[str]:
        rng = self.rng
        txn_id = f"T{self.next_id:07d}"
        self.next_id += 1
        account = rng.choice(ACCOUNTS)
        cents = rng.randint(500, 2_500_000)
        amount = cents if account in INCOME else -cents
        day = YEAR_START + timedelta(days=rng.randrange(366))
        updated = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(86_400 * 5))
        row = [
            txn_id, account, rng.choice(FIELDS), rng.choice(CROPS), f"{amount / 100:.2f}",
            "USD" if rng.random() < 0.03 else "EUR", day.isoformat(), _stamp(updated), rng.choice(SOURCES),
        ]
        if register:
            self.history[txn_id] = [row]
            self.ids.append(txn_id)
        return row

    def correction(self) -> list[str]:
        """A later version of an earlier transaction: new amount, sometimes a new date (another month)."""
        rng = self.rng
        txn_id = rng.choice(self.ids)
        latest = self.history[txn_id][-1]
        row = list(latest)
        row[4] = f"{float(latest[4]) * rng.uniform(0.5, 1.5):.2f}"
        if rng.random() < 0.4:
            row[6] = (date.fromisoformat(latest[6]) + timedelta(days=rng.randint(-45, 45))).isoformat()
            row[6] = max(row[6], YEAR_START.isoformat())
        later = datetime.strptime(latest[7], "%Y-%m-%d %H:%M:%S") + timedelta(hours=rng.randint(1, 500))
        row[7] = _stamp(later)
        if len(self.history[txn_id]) == 1:
            self.corrected.append(txn_id)
        self.history[txn_id].append(row)
        return row

    def stale(self) -> list[str] | None:
        """An older version of a corrected transaction, arriving late."""
        if not self.corrected:
            return None
        return list(self.history[self.rng.choice(self.corrected)][0])

    def tie(self) -> list[str]:
        """Same txn_id and updated_at as the latest version, but a different amount."""
        txn_id = self.rng.choice(self.ids)
        row = list(self.history[txn_id][-1])
        row[4] = f"{float(row[4]) + self.rng.choice((-1, 1)) * 0.01:.2f}"
        return row

    def malformed(self) -> list[str]:
        rng = self.rng
        row = self.new_txn(register=False)
        kind = rng.randrange(9)
        if kind == 0:
            row[6] = rng.choice(("2024-02-30", "31/12/2024", "2024-13-01", "", "2024-6-1"))
        elif kind == 1:
            row[7] = rng.choice(("yesterday", "2024-03-01T10:00:00", "2024-03-01 25:00:00", ""))
        elif kind == 2:
            row[4] = rng.choice(("12,50", "abc", "1e3", "", "EUR 40.00", "3.141", "--5"))
        elif kind in (3, 4):
            row[1] = rng.choice(("misc", "Seed", "fuel ", "dividends"))
        elif kind == 5:
            row[0] = rng.choice(("", "  "))
        elif kind == 6:
            row[rng.choice((2, 3))] = ""
        elif kind == 7:
            row = row[: rng.randint(1, 8)]
        else:
            row = [*row, "extra"]
        return row


def generate(out_dir: Path, rows: int = 6000, batches: int = 4, seed: int = 2024) -> list[Path]:
    """Write `batches` CSV files of about `rows / batches` rows each into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(seed)
    emitted: list[list[str]] = []
    paths = []
    per_batch = rows // batches
    for number in range(1, batches + 1):
        rng = ledger.rng
        batch: list[list[str]] = []
        while len(batch) < per_batch:
            roll = rng.random()
            row: list[str] | None
            if roll < MALFORMED:
                row = ledger.malformed()
            elif not ledger.history:
                row = ledger.new_txn()
            elif roll < MALFORMED + CORRECTION:
                row = ledger.correction()
            elif roll < MALFORMED + CORRECTION + STALE:
                row = ledger.stale()
            elif roll < MALFORMED + CORRECTION + STALE + TIE:
                row = ledger.tie()
            elif roll < MALFORMED + CORRECTION + STALE + TIE + DUP_IN_BATCH and batch:
                row = list(rng.choice(batch))
            elif roll < MALFORMED + CORRECTION + STALE + TIE + DUP_IN_BATCH + DUP_ACROSS and emitted:
                row = list(rng.choice(emitted))
            else:
                row = ledger.new_txn()
            if row is not None:
                batch.append(row)
        # Out-of-order arrival: exports are not sorted by time.
        rng.shuffle(batch)
        emitted.extend(batch)
        path = out_dir / f"batch_{number:02d}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(batch)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000, help="total rows over all batches")
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "batches")
    args = parser.parse_args()
    for path in generate(args.out, args.rows, args.batches, args.seed):
        print(path)


if __name__ == "__main__":
    main()
