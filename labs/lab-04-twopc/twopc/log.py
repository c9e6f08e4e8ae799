"""The coordinator's decision log: a table in the coordinator's own database."""

from __future__ import annotations

import enum

from sqlalchemy import Engine


class Outcome(enum.Enum):
    """The global outcome of a distributed transaction."""

    COMMITTED = "committed"
    ABORTED = "aborted"


class DecisionLog:
    """Durable record of commit decisions, stored in table `twopc_decisions` of the coordinator's database.

    Presumed abort: only COMMITTED must be logged (before any participant is told to commit); a txid with
    no record is treated as aborted. The table is created by the constructor if missing.
    """

    def __init__(self, engine: Engine) -> None:
        raise NotImplementedError(
            "DecisionLog.__init__: keep the engine, create the table; see README section 4.2"
        )

    def record(self, txid: str, outcome: Outcome) -> None:
        """Durably record `outcome` for `txid`: committed before this returns. Recording the same outcome
        again is harmless; a different outcome for an already decided txid raises `ValueError`."""
        raise NotImplementedError("DecisionLog.record: see README section 4.2")

    def lookup(self, txid: str) -> Outcome | None:
        """The recorded outcome of `txid`, or None when nothing was recorded."""
        raise NotImplementedError("DecisionLog.lookup: see README section 4.2")
