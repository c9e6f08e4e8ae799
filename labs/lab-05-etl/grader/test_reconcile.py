"""Part E: the integrity guard."""

from __future__ import annotations

import re

import etl
import pytest
from etl_harness import query, run_steps
from ledger_oracle import expected

pytestmark = pytest.mark.part("E")

TAMPERINGS = [
    ("a silver row deleted", "DELETE FROM silver WHERE txn_id = (SELECT min(txn_id) FROM silver)"),
    (
        "duplicates_dropped inflated by one",
        "UPDATE etl_state SET duplicates_dropped = duplicates_dropped + 1 WHERE step = 'refine'",
    ),
    (
        "a quarantine row deleted",
        "DELETE FROM quarantine WHERE (batch_hash, line_no) = (SELECT batch_hash, line_no FROM quarantine"
        " ORDER BY 1, 2 LIMIT 1)",
    ),
    (
        "a refined bronze row deleted",
        "DELETE FROM bronze_rows WHERE (batch_hash, line_no) = (SELECT batch_hash, line_no FROM bronze_rows"
        " ORDER BY 1, 2 LIMIT 1)",
    ),
    (
        "a gold total changed by one cent",
        "UPDATE gold_monthly SET total = total + 0.01 WHERE (month, field, crop, currency) ="
        " (SELECT month, field, crop, currency FROM gold_monthly ORDER BY 1, 2, 3, 4 LIMIT 1)",
    ),
    (
        "a gold txn_count raised by one",
        "UPDATE gold_monthly SET txn_count = txn_count + 1 WHERE (month, field, crop, currency) ="
        " (SELECT month, field, crop, currency FROM gold_monthly ORDER BY 1, 2, 3, 4 LIMIT 1)",
    ),
]
FIELDS = ("bronze_rows", "silver_rows", "quarantined", "duplicates_dropped")


NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _books(engine):
    """As text, read by the grader after tampering: bronze rows up to the refine watermark, silver rows,
    quarantined, duplicates dropped, then gold's count and total and silver's count and total (two decimals)."""
    (row,) = query(
        engine,
        "SELECT (SELECT count(*) FROM bronze_rows JOIN bronze_batches USING (batch_hash) WHERE seq <="
        " (SELECT last_seq FROM etl_state WHERE step = 'refine')), (SELECT count(*) FROM silver),"
        " (SELECT count(*) FROM quarantine), (SELECT duplicates_dropped FROM etl_state WHERE step = 'refine'),"
        " (SELECT sum(txn_count) FROM gold_monthly), (SELECT sum(total) FROM gold_monthly),"
        " (SELECT count(*) FROM silver), (SELECT sum(amount) FROM silver)",
    )
    return tuple(str(value) for value in row)


def _counts(state):
    return (len(state.bronze), len(state.silver), len(state.quarantine), state.duplicates_dropped)


def _numbers(report):
    return tuple(
        value if type(value) is int else None for value in (getattr(report, n, None) for n in FIELDS)
    )


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Count bronze rows only for batches up to the refine watermark, and return plain ints.",
    "Check gold against silver only when gold is up to date (publish watermark = refine watermark, not 0).",
    "Compare both the number of transactions and the sum of amounts, and put the numbers in the message.",
)
def test_reconcile(new_engine, batches, partial_credit):
    """reconcile returns the balanced numbers (only refined batches, stale gold ignored), and raises ReconcileError when tampered."""
    partial_credit.total = 3 + len(TAMPERINGS)
    engine = new_engine()
    empty = _numbers(etl.reconcile(engine))
    partial_credit.check(
        empty == (0, 0, 0, 0), f"reconcile on an empty database should give (0, 0, 0, 0), got {empty}"
    )
    run_steps(batches[:2], engine)
    etl.ingest(batches[2], engine)
    etl.refine(engine)  # refined but not published: gold is stale, and that is not an error
    etl.ingest(batches[3], engine)  # ingested but not refined yet: not part of the books
    try:
        got = _numbers(etl.reconcile(engine))
    except etl.ReconcileError as exc:
        got = f"ReconcileError({exc!s:.200})"
    want = _counts(expected(batches[:3]))
    partial_credit.check(
        got == want,
        f"ReconcileReport{FIELDS} should be {want} (plain ints; bronze rows only up to the refine watermark; gold "
        f"not checked while it is not published), is {got}",
    )
    run_steps([], engine)
    got = _numbers(etl.reconcile(engine))
    want = _counts(expected(batches))
    partial_credit.check(
        got == want, f"after refining and publishing everything reconcile should give {want}, got {got}"
    )
    for label, sql in TAMPERINGS:
        engine = new_engine()
        run_steps(batches[:1], engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
        books = _books(engine)
        try:
            etl.reconcile(engine)
        except etl.ReconcileError as exc:
            message = str(exc)
            if "gold" in label:
                named = ("gold's transaction count", "gold's total", "silver's row count", "silver's total")
                numbers = books[4:]
            else:
                named = FIELDS
                numbers = books[:4]
            found = set(NUMBER.findall(message))
            missing = [
                f"{name} {value}" for name, value in zip(named, numbers, strict=True) if value not in found
            ]
            partial_credit.check(
                not missing,
                f"after {label}: the ReconcileError message should give the numbers that disagree; "
                f"it lacks {', '.join(missing)}: {message!r:.300}",
            )
        except NotImplementedError:
            raise
        except Exception as exc:
            partial_credit.check(
                False, f"after {label}: raised {type(exc).__name__}, not ReconcileError: {exc!s:.200}"
            )
        else:
            partial_credit.check(False, f"after {label}: reconcile should raise ReconcileError, it returned")
