"""The messages Raft nodes exchange, and the log entry they carry (given code: complete, not graded).

Every message names its sender (`src`), its receiver (`dst`) and the sender's `current_term`. Messages are
frozen dataclasses, so one object can safely be delivered twice (the network duplicates messages) and
nobody can change a message after it was sent. `AppendEntries.entries` must be a tuple for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a node currently is; `str(Role.LEADER) == "leader"`."""

    FOLLOWER = "follower"
    CANDIDATE = "candidate"
    LEADER = "leader"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One slot of the replicated log: the client's `command` and the `term` of the leader that took it."""

    term: int
    command: Any


@dataclass(frozen=True, slots=True)
class Message:
    """Fields common to every message."""

    src: int  # sender's node id
    dst: int  # receiver's node id
    term: int  # sender's current_term


@dataclass(frozen=True, slots=True)
class RequestVote(Message):
    """A candidate (`src`) asks for a vote in `term` (Raft paper, Figure 2, RequestVote RPC)."""

    last_log_index: int  # index of the candidate's last log entry (0 if its log is empty)
    last_log_term: int  # term of that entry (0 if its log is empty)


@dataclass(frozen=True, slots=True)
class RequestVoteReply(Message):
    """The answer to a RequestVote."""

    vote_granted: bool


@dataclass(frozen=True, slots=True)
class AppendEntries(Message):
    """The leader (`src`) replicates `entries` after `prev_log_index`; with no entries it is a heartbeat."""

    prev_log_index: int  # index of the entry just before `entries` (0 = the start of the log)
    prev_log_term: int  # term of that entry (0 when prev_log_index is 0)
    entries: tuple[LogEntry, ...]  # indices prev_log_index + 1, prev_log_index + 2, ...
    leader_commit: int  # the leader's commit_index


@dataclass(frozen=True, slots=True)
class AppendEntriesReply(Message):
    """The answer to an AppendEntries.

    On success, `match_index` is the index up to which the follower's log now provably equals the
    leader's (`prev_log_index + len(entries)` of the request it answers). On failure, `conflict_index`
    and `conflict_term` let the leader skip back over a whole term at once (fast log backup, README §4.6):
    `conflict_term` is the term of the follower's entry at `prev_log_index` (0 if the follower's log is too
    short) and `conflict_index` is the first index the follower holds for that term (or its log length + 1
    when the log is too short).
    """

    success: bool
    match_index: int = 0
    conflict_index: int = 0
    conflict_term: int = 0
