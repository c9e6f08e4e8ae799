"""A two-phase commit coordinator over PostgreSQL participants (PREPARE TRANSACTION / COMMIT PREPARED)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from twopc.faults import NO_FAULTS, FaultPlan
from twopc.log import DecisionLog, Outcome

Work = Callable[[Connection], None]


class ParticipantRefused(Exception):
    """A participant voted no in phase 1 (raised and handled inside `Coordinator.run`)."""


@dataclass
class RecoveryReport:
    """What `Coordinator.recover` resolved: sorted `(participant, txid)` pairs."""

    committed: list[tuple[str, str]] = field(default_factory=list)
    rolled_back: list[tuple[str, str]] = field(default_factory=list)


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
        raise NotImplementedError(
            "Coordinator.__init__: validate and keep the arguments; see README section 4.3"
        )

    def run(self, txid: str, work: Mapping[str, Work]) -> Outcome:
        """Run `work[name](connection)` on each named participant as one atomic distributed transaction.

        Participants are visited in the order of `participants`. Any failing work or prepare (or a refusal)
        aborts everywhere. Returns the outcome; `CoordinatorCrash` propagates untouched.
        """
        raise NotImplementedError("Coordinator.run: the two phases; see README section 4.3")

    def recover(self) -> RecoveryReport:
        """Resolve every in-doubt transaction of ours on every participant from the decision log.

        A gid with a logged COMMITTED decision is committed, any other is rolled back (presumed abort).
        Only this coordinator's gids for the participant's own name are touched. Idempotent. Run it when
        no `run` is in progress (at start-up, after a crash).
        """
        raise NotImplementedError("Coordinator.recover: see README section 4.4")
