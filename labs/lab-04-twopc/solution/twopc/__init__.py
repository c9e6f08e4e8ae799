"""Two-phase commit across PostgreSQL databases, and transaction isolation (lab-04)."""

from twopc.coordinator import Coordinator, ParticipantRefused, RecoveryReport
from twopc.faults import CoordinatorCrash, CrashPoint, FaultPlan
from twopc.gid import make_gid, parse_gid
from twopc.isolation import InsufficientFunds, LostUpdateResult, demonstrate_lost_update, transfer
from twopc.log import DecisionLog, Outcome

__all__ = [
    "Coordinator",
    "CoordinatorCrash",
    "CrashPoint",
    "DecisionLog",
    "FaultPlan",
    "InsufficientFunds",
    "LostUpdateResult",
    "Outcome",
    "ParticipantRefused",
    "RecoveryReport",
    "demonstrate_lost_update",
    "make_gid",
    "parse_gid",
    "transfer",
]
