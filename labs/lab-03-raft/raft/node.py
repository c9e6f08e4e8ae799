"""One Raft server: leader election, log replication and persistence (Ongaro & Ousterhout, 2014).

A node is a passive state machine driven by the simulator: `on_timer(now)` every tick, `on_message(msg,
now)` for every delivered message and `propose(command)` for clients. It never sleeps, never reads a clock
and draws randomness only from the `rng` it is given, so one seed replays one run exactly. Everything in
the paper's Figure 2 "Persistent state" goes through `storage` before a message that depends on it leaves.

Log indices start at 1, as in the paper: the entry at index i is at position i - 1 of `log`, and index 0
with term 0 stands for the empty prefix.

This file is yours: replace every NotImplementedError (README §4 explains each method).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from raft.messages import (  # noqa: F401  (you will need these)
    AppendEntries,
    AppendEntriesReply,
    LogEntry,
    Message,
    RequestVote,
    RequestVoteReply,
    Role,
)

if TYPE_CHECKING:
    from raft.sim import RaftConfig, Storage, Transport


class RaftNode:
    """A Raft server with id `node_id` in a cluster made of itself and `peers`."""

    def __init__(
        self,
        node_id: int,
        peers: Sequence[int],
        storage: Storage,
        rng: random.Random,
        config: RaftConfig,
        transport: Transport,
        apply: Callable[[int, Any], None],
    ) -> None:
        """Start as a follower from whatever `storage` holds (nothing, or the state before a crash).

        `apply(index, command)` must be called once for every committed entry, in index order.
        """
        raise NotImplementedError(
            "RaftNode.__init__: restore current_term, voted_for and log from storage (README §4.1)"
        )

    # -- what the simulator reads ----------------------------------------------------------------
    @property
    def role(self) -> Role:
        raise NotImplementedError("RaftNode.role: return this node's Role (README §4.2)")

    @property
    def current_term(self) -> int:
        raise NotImplementedError(
            "RaftNode.current_term: return the latest term this node has seen (README §4.2)"
        )

    @property
    def commit_index(self) -> int:
        raise NotImplementedError(
            "RaftNode.commit_index: return the highest index known committed (README §4.2)"
        )

    @property
    def log(self) -> Sequence[LogEntry]:
        """The log, oldest first (entry i at position i - 1); do not modify it."""
        raise NotImplementedError("RaftNode.log: return the log entries, oldest first (README §4.2)")

    # -- events ----------------------------------------------------------------------------------
    def on_timer(self, now: int) -> None:
        """Called every tick: leaders send due AppendEntries, others start an election when it is time."""
        raise NotImplementedError("RaftNode.on_timer: heartbeats and election timeouts (README §4.3)")

    def on_message(self, message: Message, now: int) -> None:
        """Handle one delivered message (requests are answered at once)."""
        raise NotImplementedError("RaftNode.on_message: handle the four message types (README §4.4)")

    def propose(self, command: Any) -> int | None:
        """As leader, append `command` and return its log index (it is sent on the next tick); else None."""
        raise NotImplementedError("RaftNode.propose: append a client command as leader (README §4.5)")
