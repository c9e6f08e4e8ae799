"""One Raft server: leader election, log replication and persistence (Ongaro & Ousterhout, 2014).

A node is a passive state machine driven by the simulator: `on_timer(now)` every tick, `on_message(msg,
now)` for every delivered message and `propose(command)` for clients. It never sleeps, never reads a clock
and draws randomness only from the `rng` it is given, so one seed replays one run exactly. Everything in
the paper's Figure 2 "Persistent state" goes through `storage` before a message that depends on it leaves.

Log indices start at 1, as in the paper: the entry at index i is `self._log[i - 1]`, and index 0 with term
0 stands for the empty prefix.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from raft.messages import (
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
        self.id = node_id
        self.peers = tuple(peers)
        self._storage, self._rng, self._config = storage, rng, config
        self._transport, self._apply = transport, apply
        # Persistent state (Figure 2), restored from storage.
        self._term: int = storage.current_term
        self._voted_for: int | None = storage.voted_for
        self._log: list[LogEntry] = list(storage.log)
        # Volatile state.
        self._role = Role.FOLLOWER
        self._commit = 0
        self._applied = 0
        self._now = 0
        self._deadline: int | None = None  # when a follower or candidate starts the next election
        self._votes: set[int] = set()
        # Leader state: next entry to send, highest entry known replicated, when to send next.
        self._next: dict[int, int] = {}
        self._match: dict[int, int] = {}
        self._due: dict[int, int] = {}

    # -- what the simulator reads ----------------------------------------------------------------
    @property
    def role(self) -> Role:
        return self._role

    @property
    def current_term(self) -> int:
        return self._term

    @property
    def commit_index(self) -> int:
        return self._commit

    @property
    def log(self) -> Sequence[LogEntry]:
        """The log, oldest first (entry i at position i - 1); do not modify it."""
        return self._log

    # -- events ----------------------------------------------------------------------------------
    def on_timer(self, now: int) -> None:
        """Called every tick: leaders send due AppendEntries, others start an election when it is time."""
        self._now = now
        if self._role is Role.LEADER:
            for peer in self.peers:
                if now >= self._due[peer]:
                    self._send_append(peer)
        elif self._deadline is None:
            self._reset_election_timer()
        elif now >= self._deadline:
            self._start_election()

    def on_message(self, message: Message, now: int) -> None:
        """Handle one delivered message (requests are answered at once)."""
        self._now = now
        if message.term > self._term:
            self._step_down(message.term)
        match message:
            case RequestVote():
                self._on_request_vote(message)
            case RequestVoteReply():
                self._on_vote(message)
            case AppendEntries():
                self._on_append(message)
            case AppendEntriesReply():
                self._on_append_reply(message)

    def propose(self, command: Any) -> int | None:
        """As leader, append `command` and return its log index (it is sent on the next tick); else None."""
        if self._role is not Role.LEADER:
            return None
        self._log.append(LogEntry(self._term, command))
        self._persist()
        for peer in self.peers:
            self._due[peer] = self._now  # proposals made before the next tick travel together
        self._advance_commit()  # a cluster of one commits at once
        return len(self._log)

    # -- elections (§5.2, §5.4.1) ----------------------------------------------------------------
    def _start_election(self) -> None:
        self._role = Role.CANDIDATE
        self._term += 1
        self._voted_for = self.id
        self._votes = {self.id}
        self._persist()
        self._reset_election_timer()
        last = len(self._log)
        for peer in self.peers:
            self._send(RequestVote(self.id, peer, self._term, last, self._term_at(last)))
        self._count_votes()

    def _on_request_vote(self, msg: RequestVote) -> None:
        last = len(self._log)
        up_to_date = (msg.last_log_term, msg.last_log_index) >= (self._term_at(last), last)
        granted = msg.term == self._term and self._voted_for in (None, msg.src) and up_to_date
        if granted:
            if self._voted_for is None:
                self._voted_for = msg.src
                self._persist()
            self._reset_election_timer()
        self._send(RequestVoteReply(self.id, msg.src, self._term, granted))

    def _on_vote(self, msg: RequestVoteReply) -> None:
        if self._role is Role.CANDIDATE and msg.term == self._term and msg.vote_granted:
            self._votes.add(msg.src)
            self._count_votes()

    def _count_votes(self) -> None:
        if 2 * len(self._votes) > len(self.peers) + 1:
            self._role = Role.LEADER
            self._next = {peer: len(self._log) + 1 for peer in self.peers}
            self._match = {peer: 0 for peer in self.peers}
            for peer in self.peers:
                self._send_append(peer)  # claim leadership at once

    def _step_down(self, term: int) -> None:
        """A newer term exists: adopt it and follow."""
        if self._role is Role.LEADER:
            self._reset_election_timer()  # a leader's election timer is stale
        self._role = Role.FOLLOWER
        self._term = term
        self._voted_for = None
        self._persist()

    # -- replication (§5.3, §5.4.2) --------------------------------------------------------------
    def _send_append(self, peer: int) -> None:
        """Send `peer` everything from its next index on; optimistically assume it arrives."""
        prev = self._next[peer] - 1
        entries = tuple(self._log[prev:])
        self._send(AppendEntries(self.id, peer, self._term, prev, self._term_at(prev), entries, self._commit))
        self._next[peer] = len(self._log) + 1
        self._due[peer] = self._now + self._config.heartbeat_interval

    def _on_append(self, msg: AppendEntries) -> None:
        if msg.term < self._term:
            self._reply(msg.src, False)  # a stale leader: our term makes it step down
            return
        self._role = Role.FOLLOWER  # a candidate loses to the leader of its own term
        self._reset_election_timer()
        prev, log = msg.prev_log_index, self._log
        if prev > len(log):
            self._reply(msg.src, False, conflict_index=len(log) + 1)
            return
        if self._term_at(prev) != msg.prev_log_term:
            term, first = self._term_at(prev), prev
            while first > 1 and log[first - 2].term == term:
                first -= 1
            self._reply(msg.src, False, conflict_index=first, conflict_term=term)
            return
        for offset, entry in enumerate(msg.entries):
            index = prev + 1 + offset
            if index > len(log) or log[index - 1].term != entry.term:
                del log[index - 1 :]  # drop the conflicting suffix, never entries that agree
                log.extend(msg.entries[offset:])
                self._persist()
                break
        match = prev + len(msg.entries)
        if msg.leader_commit > self._commit:
            self._commit = max(self._commit, min(msg.leader_commit, match))
            self._apply_committed()
        self._reply(msg.src, True, match_index=match)

    def _on_append_reply(self, msg: AppendEntriesReply) -> None:
        if self._role is not Role.LEADER or msg.term != self._term:
            return
        peer = msg.src
        if msg.success:
            if msg.match_index > self._match[peer]:
                self._match[peer] = msg.match_index
                self._advance_commit()
            return
        self._next[peer] = max(self._match[peer] + 1, self._backup(msg))
        self._send_append(peer)

    def _backup(self, msg: AppendEntriesReply) -> int:
        """Fast log backup: the next index to try after a rejection, skipping a whole term at once."""
        index = len(self._log)
        if msg.conflict_term:
            while index and self._log[index - 1].term > msg.conflict_term:
                index -= 1
            if index and self._log[index - 1].term == msg.conflict_term:
                return index + 1  # just past our last entry of the follower's term
        return min(max(msg.conflict_index, 1), len(self._log) + 1)

    def _advance_commit(self) -> None:
        """Commit the highest index stored on a majority, if it is from this term (Figure 8).

        With the cluster's indices sorted from highest to lowest, the one at position k is stored on at
        least k + 1 nodes; a majority of n nodes is n // 2 + 1, so position n // 2 is the answer (in a
        cluster of four that is the third highest: two copies out of four are not a majority).
        """
        stored = sorted([len(self._log), *self._match.values()], reverse=True)
        index = stored[(len(self.peers) + 1) // 2]
        if index > self._commit and self._log[index - 1].term == self._term:
            self._commit = index
            self._apply_committed()

    def _apply_committed(self) -> None:
        while self._applied < self._commit:
            self._applied += 1
            self._apply(self._applied, self._log[self._applied - 1].command)

    # -- helpers ---------------------------------------------------------------------------------
    def _term_at(self, index: int) -> int:
        return self._log[index - 1].term if index else 0

    def _reset_election_timer(self) -> None:
        low, high = self._config.election_timeout_min, self._config.election_timeout_max
        self._deadline = self._now + self._rng.randrange(low, high)

    def _persist(self) -> None:
        self._storage.save(self._term, self._voted_for, self._log)

    def _reply(
        self,
        leader: int,
        success: bool,
        match_index: int = 0,
        conflict_index: int = 0,
        conflict_term: int = 0,
    ) -> None:
        self._send(
            AppendEntriesReply(
                self.id, leader, self._term, success, match_index, conflict_index, conflict_term
            )
        )

    def _send(self, message: Message) -> None:
        self._transport.send(message)
