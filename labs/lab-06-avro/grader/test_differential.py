"""Hidden graders, Part A: `check` against what fastavro actually does with data."""

from __future__ import annotations

import copy
import json

import pytest
from avro_gen import fastavro_reads, make_pair
from evolution import check

PAIRS = 1440
SEED_BASE = 60_000


def _short(schema) -> str:
    text = json.dumps(schema, separators=(",", ":"))
    return text if len(text) <= 400 else text[:397] + "..."


@pytest.mark.points(11)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Generated pairs mix every rule at once; a failure here usually points at one rule your table "
    "tests also hint at, so fix those first.",
    "Copy the failing reader and writer into a test of your own and shrink them until one rule is left.",
    "Remember that every branch of a writer union must be readable, and that a reader union uses the "
    "first branch that matches.",
)
def test_agrees_with_fastavro_on_generated_pairs(partial_credit):
    """On 1,440 generated schema pairs, check() says compatible exactly when fastavro reads the data."""
    partial_credit.total = PAIRS
    for seed in range(SEED_BASE, SEED_BASE + PAIRS):
        reader, writer, records = make_pair(seed)
        try:  # the learner's answer first: fastavro's verdict is computed only after it returns
            compatible = check(copy.deepcopy(reader), copy.deepcopy(writer)).compatible
        except Exception as exc:
            partial_credit.check(
                False,
                f"check raised {type(exc).__name__}: {exc} for reader={_short(reader)} writer={_short(writer)}",
            )
            continue
        compatible = compatible if type(compatible) is bool else None
        reads = fastavro_reads(reader, writer, records)
        ok = compatible is reads
        partial_credit.check(
            ok,
            f"check(reader, writer).compatible is {compatible!r}, but fastavro "
            f"{'reads' if reads else 'cannot read'} data written with the writer schema using the reader "
            f"schema (every union branch and enum symbol written, arrays and maps non-empty): "
            f"reader={_short(reader)} writer={_short(writer)}",
        )
