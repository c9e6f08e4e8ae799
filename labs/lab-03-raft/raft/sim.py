"""A deterministic simulator for Raft nodes (given code: complete, not graded; README §3).

Everything a node experiences comes from here: a virtual clock in integer milliseconds, a seeded network
that delays, drops, duplicates and reorders messages, partitions, crashes and restarts, and client
proposals. One process, one thread, one seed: the same seed replays the same run event for event, so a
failure found by the graders can be replayed and debugged locally:

    python -m raft.sim --list                      # the scenarios the graders run
    python -m raft.sim figure8 --seed 17           # replay one; prints the events before a failure
    python -m raft.sim figure8 --seeds 0-99        # sweep many seeds
    python -m raft.sim figure8 --seed 17 --trace   # print every event of the run
    python -m raft.sim figure8 --seed 17 --nodes 4 # the same scenario on a cluster of four

After every event the simulator reads each affected node's `role`, `current_term`, `commit_index` and `log`
and checks Raft's safety properties (Raft paper, Figure 3, plus a few that make bugs show up early). The
first violation stops the run with an `InvariantViolation` naming the property, the node and the time.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import functools
import heapq
import random
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from raft.messages import AppendEntries, AppendEntriesReply, LogEntry, Message, RequestVote, RequestVoteReply

FOLLOWER, CANDIDATE, LEADER = "follower", "candidate", "leader"
_ROLES = frozenset({FOLLOWER, CANDIDATE, LEADER})
_MESSAGE_TYPES = (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply)
_TICK, _DELIVER = 0, 1


# --------------------------------------------------------------------------------------------------
# What a node is given
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RaftConfig:
    """Timing parameters in virtual milliseconds (the simulator calls `on_timer` every 10 ms)."""

    election_timeout_min: int = 300  # a follower waits a random time in [min, max) for a leader
    election_timeout_max: int = 600
    heartbeat_interval: int = 100  # a leader sends AppendEntries to each follower at least this often


class Storage:
    """A node's durable state: the only thing that survives a crash.

    `save()` is an atomic write of everything; the simulator rebuilds a restarted node from the last
    values saved here. Read `current_term`, `voted_for` and `log` when a node starts.
    """

    __slots__ = ("current_term", "log", "saves", "voted_for")

    def __init__(self) -> None:
        self.current_term = 0
        self.voted_for: int | None = None
        self.log: tuple[LogEntry, ...] = ()
        self.saves = 0

    def save(self, current_term: int, voted_for: int | None, log: Sequence[LogEntry]) -> None:
        """Durably record the term, the vote and the whole log (copied; O(len(log)))."""
        self.current_term = current_term
        self.voted_for = voted_for
        self.log = tuple(log)
        self.saves += 1


class Transport:
    """A node's only way out: `transport.send(message)` hands a message to the simulated network.

    Sending never blocks and never fails; the message may be delayed, duplicated, reordered or lost.
    """

    __slots__ = ("_send",)

    def __init__(self, send: Callable[[Message], None]) -> None:
        self._send = send

    def send(self, message: Message) -> None:
        """Send `message` to node `message.dst`."""
        self._send(message)


NodeFactory = Callable[..., Any]  # (node_id, peers, storage, rng, config, transport, apply) -> node


@dataclass(frozen=True)
class NetConfig:
    """How the simulated network misbehaves. Delays are uniform in [min_delay, max_delay] ms."""

    min_delay: int = 1
    max_delay: int = 10
    drop: float = 0.0  # probability that a message is lost
    duplicate: float = 0.0  # probability that a message is delivered twice
    long_delay: float = 0.0  # probability that a message is held back for long_delay_min..max ms
    long_delay_min: int = 200
    long_delay_max: int = 2000


RELIABLE = NetConfig()
REORDERING = NetConfig(max_delay=27, duplicate=0.05)  # nothing lost, but late duplicates and reordering
UNRELIABLE = NetConfig(max_delay=27, drop=0.1, duplicate=0.05, long_delay=0.1)


# --------------------------------------------------------------------------------------------------
# Failures
# --------------------------------------------------------------------------------------------------
class SimulationFailure(Exception):
    """A run failed at virtual time `time` (ms): `what` names the property, `detail` explains."""

    def __init__(self, time: int, what: str, detail: str) -> None:
        super().__init__(f"{what} at t={time} ms: {detail}")
        self.time, self.what, self.detail = time, what, detail


class InvariantViolation(SimulationFailure):
    """A safety property of Raft did not hold."""


class ExpectationFailed(SimulationFailure):
    """A scenario's expectation (a leader in time, progress, a message budget) was not met."""


class NodeError(SimulationFailure):
    """A node raised an exception."""


# --------------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------------
@dataclass
class Stats:
    """Message counters since the start of the run."""

    n: int
    sent: int = 0  # messages handed to the network (including those it then lost)
    delivered: int = 0
    entries_sent: int = 0  # log entries carried by AppendEntries messages
    by_type: dict[str, int] = field(default_factory=dict)
    rejections: list[int] = field(default_factory=list)  # AppendEntriesReply(success=False) sent, per node

    def __post_init__(self) -> None:
        self.rejections = [0] * self.n


class _View:
    """What the checkers last saw of one node."""

    __slots__ = ("applied", "commit", "log", "pending", "role", "term")

    def __init__(self, term: int = 0) -> None:
        self.role = FOLLOWER
        self.term = term
        self.commit = 0
        self.log: list[Any] = []
        self.applied = 0  # highest index passed to apply() by the current incarnation
        self.pending: list[tuple[int, Any]] = []  # applies since the last check


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b)


class Simulator:
    """`n` nodes (ids 0..n-1) on a simulated network, driven by one seed.

    Nodes are built with `node_factory(node_id, peers, storage, rng, config, transport, apply)`
    (default: `raft.node.RaftNode`); each node's `on_timer(now)` is called every `tick` ms.
    """

    def __init__(
        self,
        n: int = 5,
        seed: int = 0,
        *,
        config: RaftConfig | None = None,
        net: NetConfig = RELIABLE,
        node_factory: NodeFactory | None = None,
        tick: int = 10,
        trace: bool = True,
        start: bool = True,
    ) -> None:
        if node_factory is None:
            from raft.node import RaftNode

            node_factory = RaftNode
        self.n, self.seed, self.net, self.tick = n, seed, net, tick
        self.config = config or RaftConfig()
        self._factory = node_factory
        master = random.Random(seed)
        self.rng = random.Random(master.getrandbits(64))  # for scenario decisions
        self._net_rng = random.Random(master.getrandbits(64))
        self._seeder = random.Random(master.getrandbits(64))  # seeds each node incarnation's rng
        self.now = 0
        self._queue: list[tuple[int, int, int, int, int, Any]] = []
        self._seq = 0
        self.nodes: list[Any | None] = [None] * n
        self.storages = [Storage() for _ in range(n)]
        self._incarnation = [0] * n
        self._group = [0] * n
        self.stats = Stats(n)
        self.trace: list[tuple[Any, ...]] | None = [] if trace else None
        self._views = [_View() for _ in range(n)]
        self._failure: SimulationFailure | None = None
        self._delivering: Any = None  # the message being handled, if any
        self._leaders: dict[int, int] = {}  # term -> the node that led it
        self._ballots: dict[tuple[int, int], set[int]] = {}  # (candidate, term) -> voters, as delivered
        self._acks: dict[tuple[int, int], dict[int, int]] = {}  # (leader, term) -> follower -> match_index
        self._entries: dict[
            tuple[int, int], tuple[Any, int, int]
        ] = {}  # (index, term) -> (command, prev term, node)
        self.committed: list[Any] = []  # the entries known committed, index 1 first
        # The term in which each committed entry was first committed, made non-decreasing: a late commit by
        # a deposed leader is checked as if it happened in the newest term seen (a weaker, still sound check).
        self._commit_terms: list[int] = []
        self._proposed: set[Any] = set()
        self._next_command = 0
        if start:
            self.start()

    def start(self) -> None:
        """Build every node (done by the constructor unless `start=False`)."""
        for i in range(self.n):
            self.restart(i)

    # -- running ---------------------------------------------------------------------------------
    def run_for(self, ms: int) -> None:
        """Advance virtual time by `ms`, processing every event due until then."""
        end = self.now + ms
        queue, pop, nodes, incarnation = self._queue, heapq.heappop, self.nodes, self._incarnation
        while queue and queue[0][0] <= end:
            time, _, kind, i, inc, msg = pop(queue)
            self.now = time
            node = nodes[i]
            if kind == _TICK:
                if inc != incarnation[i]:
                    continue  # the tick of a node that crashed since
                try:
                    node.on_timer(time)
                except Exception as exc:
                    raise self._node_error(i, "on_timer", exc) from None
                self._push(time + self.tick, _TICK, i, inc, None)
            else:
                if node is None or self._group[i] != self._group[msg.src]:
                    continue  # receiver down, or a partition went up while the message was in flight
                self.stats.delivered += 1
                if self.trace is not None:
                    self.trace.append(("deliver", time, msg))
                kind = type(msg)
                if kind is RequestVoteReply and msg.vote_granted is True:
                    self._ballots.setdefault((i, msg.term), set()).add(msg.src)
                elif kind is AppendEntriesReply and msg.success is True:
                    acks = self._acks.setdefault((i, msg.term), {})
                    acks[msg.src] = max(acks.get(msg.src, 0), msg.match_index)
                self._delivering = msg
                try:
                    node.on_message(msg, time)
                except Exception as exc:
                    raise self._node_error(i, f"on_message({type(msg).__name__})", exc) from None
            self._observe(i)
            self._delivering = None
        self.now = end

    def run_until(self, condition: Callable[[], bool], timeout: int, step: int = 10) -> bool:
        """Run in `step` ms slices until `condition()` holds (True) or `timeout` ms pass (False)."""
        deadline = self.now + timeout
        while not condition():
            if self.now >= deadline:
                return False
            self.run_for(min(step, deadline - self.now))
        return True

    def _push(self, time: int, kind: int, node: int, inc: int, msg: Any) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (time, self._seq, kind, node, inc, msg))

    # -- faults ----------------------------------------------------------------------------------
    def crash(self, i: int) -> None:
        """Stop node `i` at once: its volatile state is gone, its Storage stays."""
        if self.nodes[i] is None:
            return
        self.nodes[i] = None
        self._incarnation[i] += 1
        self._record("crash", i)

    def restart(self, i: int) -> None:
        """Start a fresh node `i` from its Storage alone (a no-op if `i` is up)."""
        if self.nodes[i] is not None:
            return
        self._incarnation[i] += 1
        inc = self._incarnation[i]
        view = self._views[i] = _View(self._views[i].term)
        peers = tuple(j for j in range(self.n) if j != i)
        rng = random.Random(self._seeder.getrandbits(64))
        transport = Transport(functools.partial(self._send, i, inc))
        apply = functools.partial(self._apply, i, inc)
        self._record("restart", i)
        try:
            node = self._factory(i, peers, self.storages[i], rng, self.config, transport, apply)
        except Exception as exc:
            raise self._node_error(i, "RaftNode(...)", exc) from None
        self.nodes[i] = node
        self._observe(i)
        storage = self.storages[i]
        if view.term != storage.current_term or view.log != list(storage.log):
            raise self._violation(
                "Restart Recovery",
                f"node {i} restarted with current_term={view.term} and {len(view.log)} log entries, but its "
                f"storage holds term {storage.current_term} and {len(storage.log)} entries: rebuild "
                "current_term, voted_for and log from storage in __init__",
            )
        self._push(self.now + 1 + self.rng.randrange(self.tick), _TICK, i, inc, None)

    def partition(self, *groups: Iterable[int]) -> None:
        """Only nodes in the same group can talk; nodes in no group are cut off alone."""
        label = {j: g for g, members in enumerate(groups) for j in members}
        self._group = [label.get(i, len(groups) + i) for i in range(self.n)]
        self._record("partition", tuple(tuple(sorted(g)) for g in groups))

    def isolate(self, *ids: int) -> None:
        """Cut the given nodes off (together) from everyone else."""
        self.partition(ids, [i for i in range(self.n) if i not in ids])

    def disconnect(self, i: int) -> None:
        """Cut node `i` off from everyone."""
        self._group[i] = self.n + i
        self._record("disconnect", i)

    def reconnect(self, i: int) -> None:
        """Put node `i` back with the first group (everyone, after `heal()`)."""
        self._group[i] = 0
        self._record("reconnect", i)

    def heal(self) -> None:
        """Remove every partition."""
        self._group = [0] * self.n
        self._record("heal")

    def available(self, i: int) -> bool:
        """Whether node `i` is running and in the first group (everyone, unless partitioned)."""
        return self.nodes[i] is not None and self._group[i] == 0

    def connected(self, a: int, b: int) -> bool:
        """Whether `a` and `b` can currently exchange messages (ignoring crashes)."""
        return self._group[a] == self._group[b]

    # -- clients ---------------------------------------------------------------------------------
    def new_command(self) -> int:
        """A fresh, unique command."""
        self._next_command += 1
        return self._next_command

    def propose(self, command: Any, node: int | None = None) -> tuple[int, int] | None:
        """Offer `command` to `node`, or else to each node that believes it leads (highest term first).

        Returns `(node, index)` from the first node that accepted it, or None.
        """
        self._proposed.add(command)
        for i in [node] if node is not None else self.leaders():
            target = self.nodes[i]
            if target is None:
                continue
            try:
                index = target.propose(command)
            except Exception as exc:
                raise self._node_error(i, "propose", exc) from None
            self._record("propose", i, command, index)
            self._observe(i)
            if index is None:
                continue
            view = self._views[i]
            log = view.log
            if not (
                type(index) is int
                and view.role == LEADER
                and 1 <= index <= len(log)
                and log[index - 1].term == view.term
                and _same(log[index - 1].command, command)
            ):
                raise self._violation(
                    "Propose",
                    f"node {i} ({view.role}, term {view.term}) returned {index!r} from propose({command!r}), "
                    "but a leader must append LogEntry(current_term, command) and return its index; "
                    "anyone else returns None",
                )
            return i, index
        return None

    def commit(self, command: Any | None = None, expected: int | None = None, timeout: int = 10_000) -> int:
        """Get `command` applied by at least `expected` nodes (default: all up), retrying like a client.

        Returns the index it was applied at; raises ExpectationFailed after `timeout` ms.
        """
        command = self.new_command() if command is None else command
        expected = len(self.up()) if expected is None else expected
        deadline = self.now + timeout
        while self.now < deadline:
            placed = self.propose(command)
            if placed is None:
                self.run_for(50)
                continue
            index = placed[1]
            done = functools.partial(self._applied_by, index, command, expected)
            if self.run_until(done, min(2000, deadline - self.now)):
                return index
        raise self._expectation(
            "Replication liveness",
            f"command {command!r} was not applied by {expected} nodes within {timeout} ms "
            f"(leaders now: {self.leaders()}, commit indices: {self.commit_indices()})",
        )

    def _applied_by(self, index: int, command: Any, expected: int) -> bool:
        return self.applied_count(index, command) >= expected

    def applied_count(self, index: int, command: Any) -> int:
        """How many running nodes have applied `command` at `index`."""
        if index > len(self.committed) or not _same(self.committed[index - 1].command, command):
            return 0
        return sum(1 for i, v in enumerate(self._views) if self.nodes[i] is not None and v.applied >= index)

    # -- observing -------------------------------------------------------------------------------
    def up(self) -> list[int]:
        """Ids of the running nodes."""
        return [i for i in range(self.n) if self.nodes[i] is not None]

    def leaders(self) -> list[int]:
        """Running nodes that believe they lead, highest term first."""
        views = self._views
        found = [i for i in range(self.n) if self.nodes[i] is not None and views[i].role == LEADER]
        return sorted(found, key=lambda i: -views[i].term)

    def role_of(self, i: int) -> str:
        return self._views[i].role

    def term_of(self, i: int) -> int:
        return self._views[i].term

    def log_of(self, i: int) -> list[Any]:
        return list(self._views[i].log)

    def commit_indices(self) -> dict[int, int]:
        return {i: self._views[i].commit for i in self.up()}

    def leader_among(self, members: Iterable[int]) -> int | None:
        """The leader with the highest term among the running `members`, if it has the highest term there."""
        alive = [i for i in members if self.nodes[i] is not None]
        if not alive:
            return None
        top = max(self._views[i].term for i in alive)
        for i in alive:
            if self._views[i].role == LEADER and self._views[i].term == top:
                return i
        return None

    def wait_for_leader(self, among: Iterable[int] | None = None, timeout: int = 5000) -> int:
        """Run until `among` (default: the running nodes) has a leader; ExpectationFailed after `timeout`."""
        members = list(range(self.n) if among is None else among)
        found: list[int] = []

        def elected() -> bool:
            leader = self.leader_among(members)
            found[:] = [] if leader is None else [leader]
            return leader is not None

        if not self.run_until(elected, timeout):
            terms = {i: self._views[i].term for i in members if self.nodes[i] is not None}
            raise self._expectation(
                "Election liveness",
                f"no leader among nodes {members} within {timeout} ms (their terms: {terms})",
            )
        return found[0]

    def expect(self, ok: bool, what: str, detail: str) -> None:
        """Raise ExpectationFailed(what, detail) unless `ok`."""
        if not ok:
            raise self._expectation(what, detail)

    # -- the checkers ----------------------------------------------------------------------------
    def _violation(self, what: str, detail: str) -> InvariantViolation:
        return InvariantViolation(self.now, what, detail)

    def _expectation(self, what: str, detail: str) -> ExpectationFailed:
        return ExpectationFailed(self.now, what, detail)

    def _node_error(self, i: int, where: str, exc: Exception) -> NodeError:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
        place = (
            f" ({Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
        )
        return NodeError(
            self.now, "Node error", f"node {i} raised {type(exc).__name__}: {exc} in {where}{place}"
        )

    def _fail(self, failure: SimulationFailure) -> None:
        """Remember a failure found while a node is running; it is raised when the node returns."""
        if self._failure is None:
            self._failure = failure

    def _record(self, *event: Any) -> None:
        if self.trace is not None:
            self.trace.append((event[0], self.now, *event[1:]))

    def _apply(self, i: int, inc: int, index: int, command: Any) -> None:
        view = self._views[i]
        if inc != self._incarnation[i]:
            return
        if type(index) is not int or index != view.applied + 1:
            self._fail(
                self._violation(
                    "Apply Order",
                    f"node {i} applied index {index!r}, but the next index to apply is {view.applied + 1}: "
                    "apply every committed entry exactly once, in index order",
                )
            )
            return
        view.applied = index
        view.pending.append((index, command))

    def _send(self, i: int, inc: int, msg: Any) -> None:
        if inc != self._incarnation[i] or self._failure is not None:
            return
        kind = type(msg)
        if kind not in _MESSAGE_TYPES:
            return self._fail(
                self._violation("Well-formed message", f"node {i} sent {msg!r}, not a raft.messages type")
            )
        dst, term = msg.dst, msg.term
        if msg.src != i or type(dst) is not int or not 0 <= dst < self.n or dst == i or type(term) is not int:
            return self._fail(
                self._violation(
                    "Well-formed message", f"node {i} sent {msg!r}: src must be {i}, dst another node"
                )
            )
        stats = self.stats
        if kind is AppendEntries:
            if type(msg.entries) is not tuple:
                return self._fail(
                    self._violation(
                        "Well-formed message",
                        f"node {i} sent AppendEntries whose "
                        "entries are not a tuple (a list could change after sending)",
                    )
                )
            stats.entries_sent += len(msg.entries)
        elif kind is AppendEntriesReply and msg.success is not True:
            stats.rejections[i] += 1
        if kind is RequestVoteReply and msg.vote_granted is True:
            saved = self.storages[i]
            if saved.current_term == msg.term and saved.voted_for not in (None, msg.dst):
                return self._fail(
                    self._violation(
                        "One Vote Per Term",
                        f"node {i} granted its vote in term {msg.term} to node {msg.dst}, but it had "
                        f"already voted for node {saved.voted_for} in that term",
                    )
                )
        problem = self._durability(i, kind, msg)
        if problem:
            return self._fail(self._violation("Persist Before Send", problem))
        stats.sent += 1
        name = kind.__name__
        stats.by_type[name] = stats.by_type.get(name, 0) + 1
        if self.trace is not None:
            self.trace.append(("send", self.now, msg))
        if self._group[i] != self._group[dst]:
            return
        net, rng = self.net, self._net_rng
        if net.drop and rng.random() < net.drop:
            return
        copies = 2 if net.duplicate and rng.random() < net.duplicate else 1
        for _ in range(copies):
            delay = rng.randint(net.min_delay, net.max_delay)
            if net.long_delay and rng.random() < net.long_delay:
                delay = rng.randint(net.long_delay_min, net.long_delay_max)
            self._push(self.now + delay, _DELIVER, dst, 0, msg)

    def _durability(self, i: int, kind: type, msg: Any) -> str | None:
        """Why `msg` reveals state that `i` has not saved yet (None if it does not)."""
        saved = self.storages[i]
        name = kind.__name__
        if msg.term > saved.current_term:
            return (
                f"node {i} sent {name} in term {msg.term} but has saved current_term {saved.current_term}: "
                "save current_term (and voted_for) before sending"
            )
        if kind is RequestVote and saved.voted_for != i and saved.current_term == msg.term:
            return f"node {i} asked for votes in term {msg.term} before saving voted_for={i}"
        if kind is RequestVoteReply and msg.vote_granted is True:
            if saved.current_term != msg.term or saved.voted_for != msg.dst:
                return (
                    f"node {i} granted its vote to node {msg.dst} in term {msg.term} before saving that vote"
                )
        elif kind is AppendEntries and msg.entries:
            start, log = msg.prev_log_index, saved.log
            if type(start) is not int or start < 0 or start + len(msg.entries) > len(log):
                last = start + len(msg.entries)
                return f"node {i} sent entries {start + 1}..{last} but has saved only {len(log)}"
            for k, entry in enumerate(msg.entries):
                kept = log[start + k]
                if kept is not entry and (kept.term != entry.term or not _same(kept.command, entry.command)):
                    return (
                        f"node {i} sent an entry at index {start + k + 1} that differs from the one it saved"
                    )
        elif kind is AppendEntriesReply and msg.success is True and msg.match_index > len(saved.log):
            return (
                f"node {i} acknowledged entries up to index {msg.match_index} but has saved only "
                f"{len(saved.log)}: save appended entries before replying"
            )
        return None

    def _observe(self, i: int) -> None:
        """Check node `i` right after it handled an event."""
        if self._failure is not None:
            raise self._failure
        node, view = self.nodes[i], self._views[i]
        try:
            role, term, commit, log = str(node.role), node.current_term, node.commit_index, list(node.log)
        except Exception as exc:
            raise self._node_error(i, "reading role/current_term/commit_index/log", exc) from None
        if type(term) is not int or type(commit) is not int or role not in _ROLES:
            raise self._violation(
                "Well-formed state",
                f"node {i} reports role={role!r}, current_term={term!r}, commit_index={commit!r}; "
                "expected a Role and two ints",
            )
        old_role, old_term, old_commit = view.role, view.term, view.commit
        if term < old_term:
            raise self._violation(
                "Monotonic Term",
                f"node {i}'s current_term went from {old_term} down to {term} (is it saved?)",
            )
        same_leader = old_role == LEADER and role == LEADER and old_term == term
        if role == LEADER and not same_leader:
            other = self._leaders.setdefault(term, i)
            if other != i:
                raise self._violation(
                    "Election Safety", f"nodes {other} and {i} were both leader in term {term}"
                )
            voters = sorted(self._ballots.get((i, term), set()) | {i})
            if 2 * len(voters) <= self.n:
                raise self._violation(
                    "Election Legitimacy",
                    f"node {i} became leader of term {term} with votes from only {voters} of {self.n} nodes: "
                    "count each voter once, and only votes granted in the current term",
                )
        if log != view.log:
            self._check_log(i, view, log, role, term, same_leader)
        elif role == LEADER and not same_leader:
            self._check_completeness(i, log, term, 0)
        if commit != old_commit:
            if commit < old_commit:
                raise self._violation(
                    "Monotonic Commit", f"node {i}'s commit_index went from {old_commit} down to {commit}"
                )
            if commit > len(log):
                raise self._violation(
                    "Commit Bound", f"node {i}'s commit_index is {commit} but its log has {len(log)} entries"
                )
            if same_leader and log[commit - 1].term != term:
                raise self._violation(
                    "Leader Commit Rule",
                    f"leader {i} (term {term}) advanced commit_index to {commit}, an entry of term "
                    f"{log[commit - 1].term}: a leader commits only by counting replicas of entries from its "
                    "own term (Raft paper §5.4.2, Figure 8)",
                )
            if same_leader:
                acks = self._acks.get((i, term), {})
                holders = [i, *(j for j, m in acks.items() if m >= commit)]
                if 2 * len(holders) <= self.n:
                    raise self._violation(
                        "Commit Legitimacy",
                        f"leader {i} (term {term}) committed index {commit}, but only {sorted(holders)} "
                        "had acknowledged it in this term: count each follower's highest match_index once, "
                        "and only replies of the current term",
                    )
            self._record_commits(i, log, old_commit, commit, term)
        if view.pending:
            self._check_applied(i, view, commit)
        if role != old_role or term != old_term or commit != old_commit:
            self._record("state", i, role, term, commit)
        view.role, view.term, view.commit, view.log = role, term, commit, log

    def _check_log(
        self, i: int, view: _View, log: list[Any], role: str, term: int, same_leader: bool
    ) -> None:
        old = view.log
        k, common = 0, min(len(old), len(log))
        while k < common and (old[k] is log[k] or old[k] == log[k]):
            k += 1
        if k < view.commit:
            raise self._violation(
                "Committed Entry Changed",
                f"node {i} changed or removed its entry at index {k + 1}, which it had already committed "
                f"(commit_index {view.commit}); a follower truncates only entries that conflict",
            )
        if same_leader and k < len(old):
            raise self._violation(
                "Leader Append-Only",
                f"leader {i} (term {term}) overwrote or deleted its entry at index {k + 1}; leaders append",
            )
        if k < len(old) and not self._conflicts_by(old, k + 1):
            raise self._violation(
                "Truncate Only Conflicts",
                f"node {i} changed or removed its entries from index {k + 1} on, but no entry it received "
                "conflicted with them; delete only from the first entry whose term differs (a delayed, "
                "duplicated AppendEntries must not erase newer entries)",
            )
        entries, proposed = self._entries, self._proposed
        prev_term = log[k - 1].term if k else 0
        for index in range(k + 1, len(log) + 1):
            entry = log[index - 1]
            try:
                entry_term, command = entry.term, entry.command
                known = command in proposed
            except Exception:
                raise self._violation(
                    "Well-formed log", f"node {i}'s log holds {entry!r} at index {index}, not a LogEntry"
                ) from None
            if type(entry_term) is not int or not (max(prev_term, 1) <= entry_term <= term):
                raise self._violation(
                    "Well-formed log",
                    f"node {i}'s entry at index {index} has term {entry_term!r} after term {prev_term}; "
                    f"terms in a log start at 1, never decrease and never exceed current_term ({term})",
                )
            if not known:
                raise self._violation(
                    "Only Proposed Commands",
                    f"node {i}'s entry at index {index} holds {command!r}, which no client proposed "
                    "(no no-op or invented entries in this lab)",
                )
            seen = entries.get((index, entry_term))
            if seen is None:
                entries[index, entry_term] = (command, prev_term, i)
            elif seen[1] != prev_term or not _same(seen[0], command):
                raise self._violation(
                    "Log Matching",
                    f"node {i} has {command!r} at (index {index}, term {entry_term}) after an entry of term "
                    f"{prev_term}, but node {seen[2]} had {seen[0]!r} there after an entry of term {seen[1]}",
                )
            prev_term = entry_term
        if role == LEADER:
            self._check_completeness(i, log, term, 0 if not same_leader else k)

    def _conflicts_by(self, old: list[Any], index: int) -> bool:
        """Whether the AppendEntries being delivered conflicts with `old` at or before `index`."""
        msg = self._delivering
        if type(msg) is not AppendEntries:
            return False
        prev = msg.prev_log_index
        if 0 < prev <= len(old) and old[prev - 1].term != msg.prev_log_term and prev <= index:
            return True  # dropping the mismatched entry at prev_log_index is harmless
        for at in range(max(prev + 1, 1), min(prev + len(msg.entries), len(old), index) + 1):
            if old[at - 1].term != msg.entries[at - prev - 1].term:
                return True
        return False

    def _check_completeness(self, i: int, log: list[Any], term: int, start: int) -> None:
        """Leader Completeness: a leader of `term` holds every entry committed in an earlier term."""
        required = bisect.bisect_left(self._commit_terms, term)
        for index in range(start + 1, required + 1):
            want = self.committed[index - 1]
            have = log[index - 1] if index <= len(log) else None
            if have is not want and (
                have is None or have.term != want.term or not _same(have.command, want.command)
            ):
                raise self._violation(
                    "Leader Completeness",
                    f"node {i} leads term {term} but lacks the committed entry {index} "
                    f"(term {want.term}, {want.command!r}); check the up-to-date rule when granting votes",
                )

    def _record_commits(self, i: int, log: list[Any], old: int, new: int, term: int) -> None:
        committed = self.committed
        for index in range(old + 1, new + 1):
            entry = log[index - 1]
            if index > len(committed):
                committed.append(entry)
                self._commit_terms.append(max(term, self._commit_terms[-1] if self._commit_terms else 0))
                continue
            known = committed[index - 1]
            if known is not entry and (known.term != entry.term or not _same(known.command, entry.command)):
                raise self._violation(
                    "State Machine Safety",
                    f"node {i} committed (term {entry.term}, {entry.command!r}) at index {index}, but "
                    f"(term {known.term}, {known.command!r}) was committed there before",
                )

    def _check_applied(self, i: int, view: _View, commit: int) -> None:
        for index, command in view.pending:
            if index > commit:
                raise self._violation(
                    "Apply Order", f"node {i} applied index {index} while its commit_index was {commit}"
                )
            if not _same(self.committed[index - 1].command, command):
                raise self._violation(
                    "State Machine Safety",
                    f"node {i} applied {command!r} at index {index}, but the entry committed there holds "
                    f"{self.committed[index - 1].command!r}",
                )
        view.pending.clear()


# --------------------------------------------------------------------------------------------------
# Scenarios: what the graders run (replay any with `python -m raft.sim NAME --seed N [--nodes K]`)
# --------------------------------------------------------------------------------------------------
ALL_SIZES = (2, 3, 4, 5, 6, 7)


@dataclass(frozen=True)
class Scenario:
    name: str
    nodes: int  # the cluster size used unless another one is asked for
    net: NetConfig
    run: Callable[[Simulator], None]
    sizes: tuple[int, ...] = ALL_SIZES  # every cluster size the scenario is meaningful for

    @property
    def summary(self) -> str:
        return (self.run.__doc__ or "").strip().splitlines()[0]


SCENARIOS: dict[str, Scenario] = {}

# Message budgets (README §5), stated for five nodes (four followers) on the reliable network with a
# heartbeat every 100 ms; other cluster sizes get the same budget per follower (`budget_for`).
ELECTION_BUDGET = 60  # messages sent from the start until the first leader exists
IDLE_BUDGET = 120  # messages per second with a stable leader and no proposals
ENTRY_BUDGET = 30  # messages per entry while committing entries one at a time (heartbeats included)
BURST_ENTRY_COPIES = 2  # entries shipped per entry per follower when 50 proposals arrive at once
BACKUP_REJECTIONS = 10  # rejected AppendEntries a lagging follower may send before catching up


def budget_for(budget: float, n: int) -> float:
    """A five-node message budget scaled to a cluster of `n` nodes (the same allowance per follower)."""
    return budget * (n - 1) / 4


def majority(n: int) -> int:
    """The smallest number of nodes that is more than half of `n`."""
    return n // 2 + 1


def tolerated(n: int) -> int:
    """How many of `n` nodes may fail while the others still form a majority."""
    return (n - 1) // 2


def scenario(
    name: str, nodes: int = 5, net: NetConfig = RELIABLE, sizes: tuple[int, ...] = ALL_SIZES
) -> Callable[[Callable[[Simulator], None]], Any]:
    def register(run: Callable[[Simulator], None]) -> Callable[[Simulator], None]:
        SCENARIOS[name] = Scenario(name, nodes, net, run, sizes)
        return run

    return register


def _others(sim: Simulator, *excluded: int) -> list[int]:
    return [i for i in range(sim.n) if i not in excluded]


def _no_new_leader(sim: Simulator, duration: int, why: str) -> None:
    """Run for `duration` ms; fail if any node leads a term newer than every term seen before."""
    ceiling = max(sim.term_of(i) for i in range(sim.n))
    end = sim.now + duration
    while sim.now < end:
        sim.run_for(10)
        for i in sim.leaders():
            sim.expect(
                sim.term_of(i) <= ceiling,
                "No leader without quorum",
                f"node {i} became leader of term {sim.term_of(i)} although {why}",
            )


def _stable_leader(sim: Simulator, leader: int, duration: int) -> None:
    """Run for `duration` ms; `leader` must keep leading its term and every node must agree on that term."""
    term = sim.term_of(leader)
    sim.run_for(duration)
    sim.expect(
        sim.leaders() == [leader] and sim.term_of(leader) == term,
        "Stable leader",
        f"leader {leader} of term {term} was replaced (leaders now {sim.leaders()}) though nothing failed",
    )
    terms = {i: sim.term_of(i) for i in sim.up()}
    sim.expect(set(terms.values()) == {term}, "Stable leader", f"nodes disagree on the term: {terms}")


@scenario("initial-election")
def _initial_election(sim: Simulator) -> None:
    """A cluster elects a leader within 5 s, agrees on its term and keeps it while nothing fails."""
    leader = sim.wait_for_leader(timeout=5000)
    _stable_leader(sim, leader, 2000)


@scenario("initial-election-3", nodes=3, sizes=(3,))
def _initial_election_3(sim: Simulator) -> None:
    """Three nodes elect a leader within 5 s, agree on its term and keep it while nothing fails."""
    _initial_election(sim)


@scenario("reelection")
def _reelection(sim: Simulator) -> None:
    """A partitioned leader is replaced within 5 s; when it returns it steps down without disruption.

    In a cluster of two the other node alone is no majority: nobody may replace the leader until it is back.
    """
    for _ in range(2):
        old = sim.wait_for_leader()
        sim.isolate(old)
        rest = _others(sim, old)
        if len(rest) < majority(sim.n):
            _no_new_leader(sim, 2000, f"leader {old} was cut off and nodes {rest} are no majority")
            sim.heal()
            _stable_leader(sim, sim.wait_for_leader(), 2000)
            continue
        new = sim.wait_for_leader(among=rest)
        term = sim.term_of(new)
        sim.heal()
        sim.run_for(2000)
        sim.expect(
            sim.leaders() == [new] and sim.term_of(new) == term and sim.term_of(old) == term,
            "Old leader rejoins quietly",
            f"after old leader {old} rejoined, leaders are {sim.leaders()} (expected {new} still leading "
            f"term {term}); terms {[sim.term_of(i) for i in range(sim.n)]}",
        )


@scenario("no-quorum")
def _no_quorum(sim: Simulator) -> None:
    """No leader is elected, and nothing commits, while no partition holds a majority; healing recovers."""
    leader = sim.wait_for_leader()
    sim.commit()
    order = [leader, *_others(sim, leader)]
    half = sim.n // 2  # groups of at most half the cluster: none of them is a majority
    sim.partition(*(order[k : k + half] for k in range(0, sim.n, half)))
    committed = max(sim.commit_indices().values())
    sim.propose(sim.new_command(), leader)
    _no_new_leader(sim, 3000, "no partition held a majority")
    top = max(sim.commit_indices().values())
    sim.expect(
        top == committed,
        "No commit without majority",
        f"commit index reached {top} (was {committed}) while no partition held a majority",
    )
    sim.heal()
    sim.wait_for_leader()
    sim.commit()


@scenario("leader-crash")
def _leader_crash(sim: Simulator) -> None:
    """A crashed leader is replaced within 5 s and rejoins; with a majority down no leader is elected."""
    first = sim.wait_for_leader()
    sim.crash(first)
    rest = _others(sim, first)
    if len(rest) >= majority(sim.n):
        sim.wait_for_leader(among=rest)
    else:
        _no_new_leader(sim, 2000, f"node {first} of {sim.n} was down")
    sim.restart(first)
    second = sim.wait_for_leader()
    victims = [second, *sim.rng.sample(_others(sim, second), sim.n - majority(sim.n))]
    for i in victims:
        sim.crash(i)
    _no_new_leader(sim, 2000, f"nodes {sorted(victims)} of {sim.n} were down")
    for i in victims:
        sim.restart(i)
    sim.wait_for_leader()


@scenario("agreement", net=REORDERING)
def _agreement(sim: Simulator) -> None:
    """Proposals one by one, twenty at once, then a steady stream, are applied everywhere in order."""
    sim.wait_for_leader()
    for expected in range(1, 11):
        index = sim.commit()
        sim.expect(index == expected, "Agreement", f"the command proposed {expected}th went to index {index}")
    leader = sim.wait_for_leader()
    placed = [sim.propose(sim.new_command(), leader) for _ in range(20)]
    indices = [p[1] for p in placed if p is not None]
    sim.expect(
        indices == list(range(11, 31)),
        "Agreement",
        f"leader {leader} returned indices {indices} for 20 proposals in a row; expected 11..30",
    )
    last = sim.log_of(leader)[29].command
    ok = sim.run_until(lambda: sim.applied_count(30, last) == sim.n, 5000)
    sim.expect(
        ok,
        "Replication liveness",
        f"20 proposals were not all applied everywhere within 5 s (commit indices {sim.commit_indices()})",
    )
    leader = sim.wait_for_leader()
    for _ in range(40):  # one proposal every 5 ms: AppendEntries overtake each other on the way
        placed = sim.propose(sim.new_command(), leader)
        sim.expect(placed is not None, "Propose", f"leader {leader} refused a proposal in a stable cluster")
        sim.run_for(5)
    last = sim.log_of(leader)[-1].command
    ok = sim.run_until(lambda: sim.applied_count(70, last) == sim.n, 5000)
    sim.expect(ok, "Replication liveness", "a stream of 40 proposals was not applied everywhere within 5 s")


@scenario("minority-failure")
def _minority_failure(sim: Simulator) -> None:
    """Commits continue with a minority down and stop once a majority is down; all recover after restarts."""
    leader = sim.wait_for_leader()
    sim.commit()
    down = sim.rng.sample(_others(sim, leader), tolerated(sim.n))
    for i in down:
        sim.crash(i)
    for _ in range(5):
        sim.commit(expected=sim.n - len(down))
    leader = sim.wait_for_leader(among=sim.up())
    third = sim.rng.choice(_others(sim, leader, *down))
    sim.crash(third)
    before = max(sim.commit_indices().values())
    placed = sim.propose(sim.new_command(), leader)
    sim.expect(placed is not None, "Propose", f"leader {leader} refused a proposal")
    sim.run_for(3000)
    top = max(sim.commit_indices().values())
    sim.expect(
        top == before,
        "No commit without majority",
        f"commit index reached {top} (was {before}) with only {len(sim.up())} of {sim.n} nodes up",
    )
    for i in [*down, third]:
        sim.restart(i)
    sim.commit(timeout=10_000)


@scenario("rejoin", sizes=(3, 4, 5, 6, 7))
def _rejoin(sim: Simulator) -> None:
    """A partitioned leader's uncommitted entries are discarded when it rejoins the majority."""
    sim.wait_for_leader()
    sim.commit()
    for _ in range(2):
        old = sim.wait_for_leader()
        cut = [old, *sim.rng.sample(_others(sim, old), tolerated(sim.n) - 1)]
        sim.isolate(*cut)
        lost = [sim.new_command() for _ in range(3)]
        for command in lost:
            sim.propose(command, old)
        sim.wait_for_leader(among=_others(sim, *cut))
        sim.commit(expected=sim.n - len(cut))
        sim.heal()
        sim.commit()
        kept = [e.command for e in sim.committed]
        sim.expect(
            not set(lost) & set(kept),
            "Uncommitted entries discarded",
            f"commands {lost} proposed to the cut-off leader {old} were committed",
        )
        sim.run_for(500)
        logs = {i: len(sim.log_of(i)) for i in range(sim.n)}
        sim.expect(
            len(set(logs.values())) == 1,
            "Uncommitted entries discarded",
            f"logs still differ in length after rejoining: {logs}",
        )


@scenario("backup", sizes=(3, 4, 5, 6, 7))
def _backup(sim: Simulator) -> None:
    """Followers 50+ entries behind (conflicting or just short) catch up with few rejected AppendEntries."""
    leader = sim.wait_for_leader()
    sim.commit()
    cut = [leader, *sim.rng.sample(_others(sim, leader), tolerated(sim.n) - 1)]
    sim.isolate(*cut)
    for _ in range(50):
        sim.propose(sim.new_command(), leader)
    sim.run_for(200)
    new = sim.wait_for_leader(among=_others(sim, *cut))
    for _ in range(50):
        sim.propose(sim.new_command(), new)
    sim.commit(expected=sim.n - len(cut))
    before = [sim.stats.rejections[i] for i in cut]
    sim.heal()
    sim.commit()
    sent = [sim.stats.rejections[i] - old for i, old in zip(cut, before, strict=True)]
    sim.expect(
        max(sent) <= BACKUP_REJECTIONS,
        "Fast log backup",
        f"nodes {cut}, 50 conflicting entries behind, sent {sent} rejected AppendEntries "
        f"replies before catching up (budget {BACKUP_REJECTIONS} each): skip a whole term per rejection",
    )
    lead = sim.wait_for_leader()
    lagger = sim.rng.choice(_others(sim, lead))
    sim.crash(lagger)
    for _ in range(60):
        sim.propose(sim.new_command(), lead)
    sim.commit(expected=sim.n - 1)
    sim.crash(lead)
    sim.restart(lagger)
    before_lag = sim.stats.rejections[lagger]
    sim.wait_for_leader(among=_others(sim, lead))
    sim.commit(expected=sim.n - 1)
    count = sim.stats.rejections[lagger] - before_lag
    sim.expect(
        count <= BACKUP_REJECTIONS,
        "Fast log backup",
        f"node {lagger}, 60+ entries short, sent {count} rejected AppendEntries replies before catching up "
        f"(budget {BACKUP_REJECTIONS}): report your log length when it is too short",
    )


@scenario("budget")
def _budget(sim: Simulator) -> None:
    """Elections, idle heartbeats and replication stay within fixed message budgets."""
    sim.wait_for_leader()
    election = budget_for(ELECTION_BUDGET, sim.n)
    sim.expect(
        sim.stats.sent <= election,
        "Message budget",
        f"{sim.stats.sent} messages were sent to elect the first leader (budget {election:g})",
    )
    sim.run_for(1000)
    start = sim.stats.sent
    sim.run_for(5000)
    per_second, idle = (sim.stats.sent - start) / 5, budget_for(IDLE_BUDGET, sim.n)
    sim.expect(
        per_second <= idle,
        "Message budget",
        f"an idle cluster sent {per_second:.0f} messages per second (budget {idle:g}): send "
        "heartbeats every heartbeat_interval, not on every tick",
    )
    start, shipped = sim.stats.sent, sim.stats.entries_sent
    for _ in range(20):
        sim.commit()
    per_entry, allowed = (sim.stats.sent - start) / 20, budget_for(ENTRY_BUDGET, sim.n)
    sim.expect(
        per_entry <= allowed,
        "Message budget",
        f"committing 20 entries one at a time took {per_entry:.1f} messages each (budget {allowed:g})",
    )
    copies = (sim.stats.entries_sent - shipped) / (20 * (sim.n - 1))
    sim.expect(
        copies <= BURST_ENTRY_COPIES,
        "Message budget",
        f"each of 20 entries was shipped {copies:.1f} times per follower (budget {BURST_ENTRY_COPIES}): "
        "send only the entries a follower lacks",
    )
    leader = sim.wait_for_leader()
    shipped = sim.stats.entries_sent
    command, index = 0, 0
    for _ in range(50):
        command = sim.new_command()
        placed = sim.propose(command, leader)
        sim.expect(placed is not None, "Propose", f"leader {leader} refused a proposal")
        index = placed[1] if placed else 0
    ok = sim.run_until(lambda: sim.applied_count(index, command) == sim.n, 5000)
    sim.expect(ok, "Replication liveness", "50 proposals made at once were not applied everywhere within 5 s")
    copies = (sim.stats.entries_sent - shipped) / (50 * (sim.n - 1))
    sim.expect(
        copies <= BURST_ENTRY_COPIES,
        "Message budget",
        f"50 proposals made at once were shipped {copies:.1f} times per follower each (budget "
        f"{BURST_ENTRY_COPIES}): batch new entries instead of sending the growing tail once per proposal",
    )


@scenario("persist")
def _persist(sim: Simulator) -> None:
    """Committed entries survive crashes of all nodes at once, of leaders, and of followers in turn."""
    sim.wait_for_leader()
    sim.commit()
    for i in range(sim.n):
        sim.crash(i)
    for i in range(sim.n):
        sim.restart(i)
    sim.commit()
    if tolerated(sim.n) == 0:  # two nodes: any crash stops progress, so only whole-cluster crashes
        for _ in range(3):
            for i in sim.rng.sample(range(sim.n), sim.n):
                sim.crash(i)
                sim.run_for(sim.rng.randrange(50))
            for i in sim.rng.sample(range(sim.n), sim.n):
                sim.restart(i)
            sim.commit()
        return
    for _ in range(3):
        leader = sim.wait_for_leader()
        sim.crash(leader)
        sim.commit(expected=sim.n - 1)
        sim.restart(leader)
        sim.commit()
    for _ in range(3):
        leader = sim.wait_for_leader()
        group = sim.rng.sample(_others(sim, leader), tolerated(sim.n))
        for i in group:
            sim.crash(i)
        sim.commit(expected=sim.n - len(group))
        sim.crash(leader)
        for i in group:
            sim.restart(i)
        sim.commit(expected=sim.n - 1)
        sim.restart(leader)
    sim.commit()


def _churn(sim: Simulator, rounds: int, partitions: bool) -> None:
    """Random crashes, restarts (and partitions) while clients keep proposing; then everything recovers."""
    rng = sim.rng
    for _ in range(rounds):
        for _ in range(rng.randrange(1, 4)):
            sim.propose(sim.new_command())
        sim.run_for(rng.randrange(20, 300))
        victim = rng.randrange(sim.n)
        roll = rng.random()
        if roll < 0.3:
            sim.crash(victim)
        elif roll < 0.6:
            sim.restart(victim)
        elif partitions and roll < 0.8:
            nodes = list(range(sim.n))
            rng.shuffle(nodes)
            cut = rng.randrange(1, sim.n)
            sim.partition(nodes[:cut], nodes[cut:])
        elif partitions:
            sim.heal()
    sim.heal()
    for i in range(sim.n):
        sim.restart(i)
    sim.wait_for_leader(timeout=10_000)
    sim.commit(timeout=10_000)


@scenario("crash-churn", net=REORDERING)
def _crash_churn(sim: Simulator) -> None:
    """Nodes crash and restart at random moments while clients propose (messages reordered, duplicated)."""
    _churn(sim, 40, partitions=False)


@scenario("unreliable-churn", net=UNRELIABLE)
def _unreliable_churn(sim: Simulator) -> None:
    """Crashes, restarts and partitions on a lossy, reordering, duplicating network; then recovery."""
    _churn(sim, 40, partitions=True)


def _figure8(sim: Simulator, iterations: int, crash: bool) -> None:
    """Propose to every leader, wait a moment, take the leader away; keep a majority of nodes available."""
    rng = sim.rng
    for _ in range(iterations):
        leader = None
        for i in sim.leaders():
            if sim.propose(sim.new_command(), i) is not None and sim.available(i):
                leader = i
        sim.run_for(rng.randrange(300) if rng.random() < 0.1 else rng.randrange(13))
        if leader is not None and crash:
            sim.crash(leader)
        elif leader is not None and rng.random() < 0.5:
            sim.disconnect(leader)
        out = [i for i in range(sim.n) if not sim.available(i)]
        if sim.n - len(out) < majority(sim.n):
            back = rng.choice(out)
            sim.restart(back)
            sim.reconnect(back)
    sim.heal()
    for i in range(sim.n):
        sim.restart(i)
    sim.commit(timeout=10_000)


@scenario("figure8", net=REORDERING)
def _figure8_crash(sim: Simulator) -> None:
    """The Figure 8 pattern: leaders crash right after taking entries; old-term entries must wait."""
    _figure8(sim, 120, crash=True)


@scenario("figure8-unreliable", net=UNRELIABLE)
def _figure8_unreliable(sim: Simulator) -> None:
    """Figure 8 on a lossy network: leaders are cut off right after taking entries, then brought back."""
    _figure8(sim, 120, crash=False)


@scenario("chaos", nodes=7, net=UNRELIABLE)
def _chaos(sim: Simulator) -> None:
    """Seven nodes under random crashes, restarts and partitions on a lossy network; safety throughout."""
    _churn(sim, 60, partitions=True)


# --------------------------------------------------------------------------------------------------
# Running scenarios, replaying failures
# --------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """How one seeded run of a scenario ended."""

    scenario: str
    seed: int
    failure: SimulationFailure | None
    sim: Simulator

    @property
    def ok(self) -> bool:
        return self.failure is None

    def replay_hint(self) -> str:
        return replay_command(self.scenario, self.seed, self.sim.n)


def replay_command(name: str, seed: int, nodes: int | None = None) -> str:
    """The command line that replays one run (`--nodes` only when it differs from the scenario's size)."""
    extra = f" --nodes {nodes}" if nodes is not None and nodes != SCENARIOS[name].nodes else ""
    return f"python -m raft.sim {name} --seed {seed}{extra}"


def run_scenario(
    name: str,
    seed: int,
    *,
    nodes: int | None = None,
    node_factory: NodeFactory | None = None,
    trace: bool = True,
) -> Outcome:
    """Run scenario `name` with `seed` on `nodes` nodes (default: the scenario's own size).

    Failures are returned in the Outcome, never raised.
    """
    spec = SCENARIOS[name]
    size = spec.nodes if nodes is None else nodes
    if size not in spec.sizes:
        raise ValueError(f"scenario {name!r} runs on {', '.join(map(str, spec.sizes))} nodes, not {size}")
    sim = Simulator(size, seed, net=spec.net, node_factory=node_factory, trace=trace, start=False)
    try:
        sim.start()
        spec.run(sim)
    except SimulationFailure as failure:
        return Outcome(name, seed, failure, sim)
    except Exception as exc:  # something a node returned made the scenario itself fail
        return Outcome(
            name, seed, NodeError(sim.now, "Unexpected error", f"{type(exc).__name__}: {exc}"), sim
        )
    return Outcome(name, seed, None, sim)


def format_event(event: tuple[Any, ...]) -> str:
    """One trace record as a line of text."""
    kind, time, *rest = event
    if kind in ("send", "deliver"):
        msg = rest[0]
        fields = ", ".join(
            f"{f.name}={getattr(msg, f.name)!r}"
            for f in dataclasses.fields(msg)
            if f.name not in ("src", "dst", "term", "entries")
        )
        if isinstance(msg, AppendEntries):
            fields += f", entries={len(msg.entries)}"
        arrow = "->" if kind == "send" else "=>"
        text = f"{kind:7} {msg.src}{arrow}{msg.dst} {type(msg).__name__}(term={msg.term}, {fields})"
    elif kind == "state":
        node, role, term, commit = rest
        text = f"state   node {node}: {role}, term {term}, commit_index {commit}"
    else:
        text = f"{kind:7} " + " ".join(map(repr, rest))
    return f"{time:>8} ms  {text}"


def _parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds.extend(range(int(low), int(high or low) + 1))
    return seeds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m raft.sim", description="Replay the Raft lab's scenarios."
    )
    parser.add_argument("scenario", nargs="?", help="scenario name (see --list)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nodes", type=int, help="cluster size (default: the scenario's own, see --list)")
    parser.add_argument("--seeds", help="several seeds, e.g. 0-99 or 3,7,10-12 (prints one line per seed)")
    parser.add_argument("--trace", action="store_true", help="print every event of the run")
    parser.add_argument("--tail", type=int, default=40, help="events to print before a failure (default 40)")
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    args = parser.parse_args(argv)
    if args.list or not args.scenario:
        for spec in SCENARIOS.values():
            sizes = ",".join(map(str, spec.sizes))
            print(f"{spec.name:20} {spec.nodes} nodes (runs on {sizes:11})  {spec.summary}")
        return 0
    if args.scenario not in SCENARIOS:
        parser.error(f"unknown scenario {args.scenario!r}; see --list")
    if args.nodes is not None and args.nodes not in SCENARIOS[args.scenario].sizes:
        parser.error(f"scenario {args.scenario!r} does not run on {args.nodes} nodes; see --list")
    failed = 0
    for seed in _parse_seeds(args.seeds) if args.seeds else [args.seed]:
        outcome = run_scenario(args.scenario, seed, nodes=args.nodes)
        trace = outcome.sim.trace or []
        if args.trace:
            print("\n".join(map(format_event, trace)))
        if outcome.failure is None:
            print(f"PASS {args.scenario} seed {seed} ({outcome.sim.now} ms virtual, {len(trace)} events)")
            continue
        failed += 1
        if not args.trace and not args.seeds:
            print("\n".join(map(format_event, trace[-args.tail :])))
        print(f"FAIL {args.scenario} seed {seed}: {outcome.failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
