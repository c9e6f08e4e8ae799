"""Gold: monthly totals per field, crop and currency."""

from __future__ import annotations

import etl
import pytest
from etl_harness import gold_rows


@pytest.mark.points(5)
def test_gold_matches_expected_totals(new_engine, batches, expected_all, partial_credit):
    """gold_monthly holds the exact total and count of silver per (month, field, crop, currency)."""
    engine = new_engine()
    partial_credit.total = 2
    etl.run_pipeline(batches[:2], engine)
    etl.run_pipeline(batches, engine)  # corrections in later batches move transactions between months
    got, want = gold_rows(engine), expected_all.gold()
    partial_credit.check(
        set(got) == set(want),
        f"gold_monthly should have {len(want)} (month, field, crop, currency) groups, has {len(got)}; "
        f"e.g. missing {sorted(set(want) - set(got))[:1]}, unexpected {sorted(set(got) - set(want))[:1]} "
        "(month is the first day of txn_date's month)",
    )
    wrong = sorted(k for k in set(got) & set(want) if got[k] != want[k])
    partial_credit.check(
        not wrong,
        f"{len(wrong)} groups have the wrong (total, txn_count), e.g. {wrong[:1]}: expected "
        f"{want[wrong[0]] if wrong else ''}, found {got[wrong[0]] if wrong else ''} (gold must be rebuilt "
        "from the whole of silver, not only from the latest batches)",
    )
