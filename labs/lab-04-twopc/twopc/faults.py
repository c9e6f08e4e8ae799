"""Fault injection for the coordinator (given code: nothing to implement here).

A `FaultPlan` tells a `Coordinator` where to "crash" — raise `CoordinatorCrash` and be discarded, as if the
process had died — and which participants refuse to prepare. The coordinator calls `plan.check(point, done)`
at each point of the protocol and `plan.refuses(name)` before preparing each participant.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CrashPoint(enum.Enum):
    """Where the coordinator checks its fault plan, in protocol order."""

    BEFORE_PREPARE = "before_prepare"  # every participant's work has run; nothing prepared yet
    AFTER_PREPARE = "after_prepare"  # after `count` participants are prepared (checked after each one)
    AFTER_DECISION = "after_decision"  # the decision is made (and, for commit, durably logged)
    AFTER_COMMIT = "after_commit"  # after `count` participants got COMMIT PREPARED (checked after each)


class CoordinatorCrash(BaseException):
    """The simulated death of the coordinator process.

    A `BaseException` (like `KeyboardInterrupt`), so that `except Exception` cleanup code does not catch it:
    a dead process runs no cleanup. Let it propagate and do nothing else.
    """


@dataclass(frozen=True)
class FaultPlan:
    """Faults to inject into one `Coordinator`.

    `crash_at`/`count`: crash at that point (for AFTER_PREPARE and AFTER_COMMIT, once `count` participants
    are done; `count` is ignored for the other points). `refuse_prepare`: names of participants that vote
    no instead of preparing.
    """

    crash_at: CrashPoint | None = None
    count: int = 0
    refuse_prepare: frozenset[str] = field(default_factory=frozenset)

    def check(self, point: CrashPoint, done: int = 0) -> None:
        """Raise `CoordinatorCrash` if the plan says to crash at `point` with `done` participants done."""
        if self.crash_at is point and (point not in _COUNTED or done == self.count):
            raise CoordinatorCrash(f"injected crash at {point.value} (done={done})")

    def refuses(self, participant: str) -> bool:
        """True when `participant` must refuse to prepare (vote no)."""
        return participant in self.refuse_prepare


_COUNTED = (CrashPoint.AFTER_PREPARE, CrashPoint.AFTER_COMMIT)

NO_FAULTS = FaultPlan()
