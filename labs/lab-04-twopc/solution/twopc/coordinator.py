"""A two-phase commit coordinator over PostgreSQL participants (PREPARE TRANSACTION / COMMIT PREPARED)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from twopc.faults import NO_FAULTS, CrashPoint, FaultPlan
from twopc.gid import make_gid, parse_gid
from twopc.log import DecisionLog, Outcome

_logger = logging.getLogger(__name__)

Work = Callable[[Connection], None]
UNDEFINED_OBJECT = "42704"  # SQLSTATE of "prepared transaction ... does not exist"


class ParticipantRefused(Exception):
    """A participant voted no in phase 1 (raised and handled inside `Coordinator.run`)."""


@dataclass
class RecoveryReport:
    """What `Coordinator.recover` resolved: sorted `(participant, txid)` pairs."""

    committed: list[tuple[str, str]] = field(default_factory=list)
    rolled_back: list[tuple[str, str]] = field(default_factory=list)


def _finish(conn: Connection, verb: str, gid: str) -> None:
    """Run `COMMIT PREPARED` or `ROLLBACK PREPARED` (an autocommit connection: no transaction block)."""
    conn.execute(text(f"{verb} PREPARED :gid").bindparams(bindparam("gid", gid, literal_execute=True)))


class Coordinator:
    """Runs distributed transactions across PostgreSQL databases with two-phase commit.

    `participants` maps a name to a SQLAlchemy engine on that participant's database (each server needs
    `max_prepared_transactions` > 0). `log` is the decision log in the coordinator's own database.
    Phase 1 (work and PREPARE) is bounded per statement by `prepare_timeout` seconds, because PostgreSQL
    cannot see a deadlock that spans databases. `faults` injects crashes and refusals for testing.
    """

    def __init__(
        self,
        participants: Mapping[str, Engine],
        log: DecisionLog,
        *,
        prepare_timeout: float = 5.0,
        faults: FaultPlan = NO_FAULTS,
    ) -> None:
        for name in participants:
            make_gid("check", name)  # validates the participant name
        if prepare_timeout <= 0:
            raise ValueError("prepare_timeout must be positive")
        self.participants = dict(participants)
        self.log = log
        self.prepare_timeout = prepare_timeout
        self.faults = faults

    def run(self, txid: str, work: Mapping[str, Work]) -> Outcome:
        """Run `work[name](connection)` on each named participant as one atomic distributed transaction.

        Participants are visited in the order of `participants`. Any failing work or prepare (or a refusal)
        aborts everywhere. Returns the outcome; `CoordinatorCrash` propagates untouched.
        """
        unknown = set(work) - set(self.participants)
        if not work or unknown:
            raise ValueError(f"work must name some of the participants; unknown: {sorted(unknown)}")
        if self.log.lookup(txid) is not None:
            raise ValueError(f"transaction id {txid!r} was already used")
        names = [name for name in self.participants if name in work]
        gids = {name: make_gid(txid, name) for name in names}
        prepared: list[str] = []
        try:
            self._phase_one(names, work, gids, prepared)
        except Exception as exc:  # a failed work, prepare or refusal: abort everywhere
            _logger.info("transaction %s aborts: %s", txid, exc)
            self.faults.check(CrashPoint.AFTER_DECISION)
            self._phase_two(prepared, gids, "ROLLBACK")
            return Outcome.ABORTED
        self.log.record(txid, Outcome.COMMITTED)  # the commit point
        self.faults.check(CrashPoint.AFTER_DECISION)
        self._phase_two(names, gids, "COMMIT")
        return Outcome.COMMITTED

    def _phase_one(
        self, names: list[str], work: Mapping[str, Work], gids: dict[str, str], prepared: list[str]
    ) -> None:
        timeout = f"{max(1, round(self.prepare_timeout * 1000))}ms"
        with contextlib.ExitStack() as stack:
            conns = {}
            for name in names:
                conn = stack.enter_context(self.participants[name].connect())
                stack.enter_context(conn.begin())
                for setting in ("lock_timeout", "statement_timeout"):
                    conn.execute(text("SELECT set_config(:s, :v, true)"), {"s": setting, "v": timeout})
                work[name](conn)
                conns[name] = conn
            self.faults.check(CrashPoint.BEFORE_PREPARE)
            for name in names:
                if self.faults.refuses(name):
                    raise ParticipantRefused(name)
                # After PREPARE the session is no longer in a transaction: run nothing more on it.
                conns[name].execute(
                    text("PREPARE TRANSACTION :gid").bindparams(
                        bindparam("gid", gids[name], literal_execute=True)
                    )
                )
                prepared.append(name)
                self.faults.check(CrashPoint.AFTER_PREPARE, len(prepared))

    def _phase_two(self, names: list[str], gids: dict[str, str], verb: str) -> None:
        for done, name in enumerate(names, start=1):
            with self.participants[name].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                _finish(conn, verb, gids[name])
            if verb == "COMMIT":
                self.faults.check(CrashPoint.AFTER_COMMIT, done)

    def recover(self) -> RecoveryReport:
        """Resolve every in-doubt transaction of ours on every participant from the decision log.

        A gid with a logged COMMITTED decision is committed, any other is rolled back (presumed abort).
        Only this coordinator's gids for the participant's own name are touched. Idempotent. Run it when
        no `run` is in progress (at start-up, after a crash).
        """
        report = RecoveryReport()
        for name, engine in self.participants.items():
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                gids = (
                    conn.execute(
                        # COMMIT/ROLLBACK PREPARED only work from the database the transaction belongs to.
                        text(
                            "SELECT gid FROM pg_prepared_xacts"
                            " WHERE database = current_database() ORDER BY gid"
                        )
                    )
                    .scalars()
                    .all()
                )
                for gid in gids:
                    parsed = parse_gid(gid)
                    if parsed is None or parsed[1] != name:
                        continue
                    txid = parsed[0]
                    commit = self.log.lookup(txid) is Outcome.COMMITTED
                    try:
                        _finish(conn, "COMMIT" if commit else "ROLLBACK", gid)
                    except DBAPIError as exc:  # resolved meanwhile by someone else: nothing to do
                        if getattr(exc.orig, "sqlstate", None) != UNDEFINED_OBJECT:
                            raise
                        continue
                    (report.committed if commit else report.rolled_back).append((name, txid))
        report.committed.sort()
        report.rolled_back.sort()
        return report
