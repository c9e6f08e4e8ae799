"""The coordinator's decision log: a table in the coordinator's own database."""

from __future__ import annotations

import enum

from sqlalchemy import Engine, text


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
        self.engine = engine
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS twopc_decisions ("
                    " txid text PRIMARY KEY,"
                    " outcome text NOT NULL CHECK (outcome IN ('committed', 'aborted')),"
                    " decided_at timestamptz NOT NULL DEFAULT now())"
                )
            )

    def record(self, txid: str, outcome: Outcome) -> None:
        """Durably record `outcome` for `txid`: committed before this returns. Recording the same outcome
        again is harmless; a different outcome for an already decided txid raises `ValueError`."""
        with self.engine.begin() as conn:
            stored = conn.execute(
                text(
                    "INSERT INTO twopc_decisions (txid, outcome) VALUES (:txid, :outcome)"
                    " ON CONFLICT (txid) DO UPDATE SET txid = EXCLUDED.txid RETURNING outcome"
                ),
                {"txid": txid, "outcome": outcome.value},
            ).scalar_one()
        if stored != outcome.value:
            raise ValueError(f"transaction {txid!r} was already decided {stored}")

    def lookup(self, txid: str) -> Outcome | None:
        """The recorded outcome of `txid`, or None when nothing was recorded."""
        with self.engine.connect() as conn:
            stored = conn.execute(
                text("SELECT outcome FROM twopc_decisions WHERE txid = :txid"), {"txid": txid}
            ).scalar()
        return None if stored is None else Outcome(stored)
