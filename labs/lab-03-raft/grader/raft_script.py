"""Scripted scenarios: one learner node driven by hand, message by message, in an order chosen by the test.

Random schedules rarely produce the exact interleavings that Figure 2's rules are about (a reply carrying
a newer term, a vote request that must *not* reset the timer, the one acknowledgement that makes or does
not make a majority). Here the grader is the whole cluster: it ticks node 0 at chosen virtual times,
delivers exactly the messages it wants, and reads back what the node sent, what it had saved at the moment
it sent it, what it applied and what it reports.

Nothing the node returns is trusted as-is: roles become plain strings, numbers must be real ints, messages
must be the given classes, and every value is copied into plain Python data before it is compared.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from raft.messages import AppendEntries, AppendEntriesReply, LogEntry, RequestVote, RequestVoteReply
from raft.sim import RaftConfig, Storage, Transport

TICK = 10
EVEN_AND_ODD = (2, 3, 4, 5, 6, 7)
MESSAGE_TYPES = (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply)


class Broken(Exception):
    """A rule of Figure 2 did not hold; the message says which, and what the node did instead."""


@dataclass(frozen=True)
class Sent:
    """One message the node sent, as plain data, with what its storage held when it was sent."""

    kind: str
    src: int
    dst: int
    term: int
    fields: dict[str, Any]
    saved_term: int
    saved_vote: int | None
    saved_log: tuple[tuple[int, Any], ...]
    time: int

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise Broken(f"{what} is {value!r} ({type(value).__name__}), not an int")
    return int(value)


def _vote(value: Any) -> int | None:
    return None if value is None else _int(value, "storage.voted_for")


def _bool(value: Any, what: str) -> bool:
    if type(value) is not bool:
        raise Broken(f"{what} is {value!r} ({type(value).__name__}), not a bool")
    return bool(value)


def _command(value: Any, what: str) -> Any:
    """Commands in these scripts are plain strings or ints; anything else cannot be what was proposed."""
    if value is not None and type(value) not in (str, int):
        raise Broken(f"{what} is {value!r} ({type(value).__name__}), not a command that was proposed")
    return value


def _entries(entries: Any, what: str) -> tuple[tuple[int, Any], ...]:
    if type(entries) is not tuple:
        raise Broken(f"{what} is a {type(entries).__name__}, not a tuple")
    plain = []
    for k, entry in enumerate(entries):
        if type(entry) is not LogEntry:
            raise Broken(f"{what}[{k}] is {entry!r}, not a LogEntry")
        plain.append((_int(entry.term, f"{what}[{k}].term"), _command(entry.command, f"{what}[{k}].command")))
    return tuple(plain)


def plain_log(log: Iterable[Any], what: str = "log") -> tuple[tuple[int, Any], ...]:
    """A log as ((term, command), ...), refusing anything that is not a real LogEntry."""
    items = list(log)
    for k, entry in enumerate(items):
        if type(entry) is not LogEntry:
            raise Broken(f"{what}[{k}] is {entry!r}, not a LogEntry")
    return tuple(
        (_int(e.term, f"{what}[{k}].term"), _command(e.command, f"{what}[{k}].command"))
        for k, e in enumerate(items)
    )


def entries(*pairs: tuple[int, Any]) -> tuple[LogEntry, ...]:
    return tuple(LogEntry(term, command) for term, command in pairs)


class Script:
    """Node 0 of a cluster of `n`, built by the learner's RaftNode, driven by the grader.

    The election timeout is made (almost) fixed, `timeout` to `timeout + 10` ms, so that "the node must
    not have started an election yet" and "it must have by now" are exact statements with a safety margin
    of two ticks either side.
    """

    def __init__(
        self,
        n: int,
        storage: Storage | None = None,
        *,
        timeout: int = 300,
        spread: int = 10,
        heartbeat: int = 100,
        seed: int = 0,
    ) -> None:
        from raft.node import RaftNode

        self.n = n
        self.peers = tuple(range(1, n))
        self.storage = storage if storage is not None else Storage()
        self.config = RaftConfig(
            election_timeout_min=timeout, election_timeout_max=timeout + spread, heartbeat_interval=heartbeat
        )
        self.timeout, self.spread, self.heartbeat = timeout, spread, heartbeat
        self.now = 0
        self.sent: list[Sent] = []
        self.applied: list[tuple[int, Any]] = []
        self._raw: list[Any] = []
        self.node = RaftNode(
            0,
            self.peers,
            self.storage,
            random.Random(seed),
            self.config,
            Transport(self._record),
            self._apply,
        )

    # -- what the node does ----------------------------------------------------------------------
    def _record(self, message: Any) -> None:
        self._raw.append(message)
        saved = self.storage
        kind = type(message)
        if kind not in MESSAGE_TYPES:
            raise Broken(f"node 0 sent {message!r}, which is not one of the raft.messages classes")
        fields: dict[str, Any] = {}
        name = kind.__name__
        if kind is RequestVote:
            fields["last_log_index"] = _int(message.last_log_index, f"{name}.last_log_index")
            fields["last_log_term"] = _int(message.last_log_term, f"{name}.last_log_term")
        elif kind is RequestVoteReply:
            fields["vote_granted"] = _bool(message.vote_granted, f"{name}.vote_granted")
        elif kind is AppendEntries:
            fields["prev_log_index"] = _int(message.prev_log_index, f"{name}.prev_log_index")
            fields["prev_log_term"] = _int(message.prev_log_term, f"{name}.prev_log_term")
            fields["entries"] = _entries(message.entries, f"{name}.entries")
            fields["leader_commit"] = _int(message.leader_commit, f"{name}.leader_commit")
        else:
            fields["success"] = _bool(message.success, f"{name}.success")
            for key in ("match_index", "conflict_index", "conflict_term"):
                fields[key] = _int(getattr(message, key), f"{name}.{key}")
        self.sent.append(
            Sent(
                name,
                _int(message.src, f"{name}.src"),
                _int(message.dst, f"{name}.dst"),
                _int(message.term, f"{name}.term"),
                fields,
                _int(saved.current_term, "storage.current_term"),
                _vote(saved.voted_for),
                plain_log(saved.log, "storage.log"),
                self.now,
            )
        )

    def _apply(self, index: int, command: Any) -> None:
        self.applied.append(
            (_int(index, "the index passed to apply"), _command(command, "an applied command"))
        )

    # -- driving it ------------------------------------------------------------------------------
    def tick_until(self, end: int) -> None:
        """Call on_timer every TICK ms from the current time up to and including `end`."""
        while self.now + TICK <= end:
            self.now += TICK
            self.node.on_timer(self.now)

    def start(self) -> None:
        """The first event: a tick at time 0 (the node starts its election timer)."""
        self.node.on_timer(self.now)

    def deliver(self, message: Any) -> None:
        self.node.on_message(message, self.now)

    def take(self, kind: type | None = None, dst: int | None = None) -> list[Sent]:
        """The messages sent since the last take (of `kind`, to `dst`), removing all of them."""
        found = [
            m
            for m in self.sent
            if (kind is None or m.kind == kind.__name__) and (dst is None or m.dst == dst)
        ]
        self.sent.clear()
        return found

    def propose(self, command: Any) -> Any:
        return self.node.propose(command)

    # -- what it reports -------------------------------------------------------------------------
    @property
    def role(self) -> str:
        value = self.node.role
        if not isinstance(value, str):
            raise Broken(f"role is {value!r}, not a Role")
        text = str.__str__(value)  # a plain copy: a str subclass cannot lie about what it holds
        if text not in ("follower", "candidate", "leader"):
            raise Broken(f"role is {text!r}, not a Role")
        return text

    @property
    def term(self) -> int:
        return _int(self.node.current_term, "current_term")

    @property
    def saved_term(self) -> int:
        return _int(self.storage.current_term, "storage.current_term")

    @property
    def commit(self) -> int:
        return _int(self.node.commit_index, "commit_index")

    @property
    def log(self) -> tuple[tuple[int, Any], ...]:
        return plain_log(self.node.log)

    # -- common moves ----------------------------------------------------------------------------
    def campaign(self) -> int:
        """Start, let the election timeout expire, check the node asked every peer; return its term."""
        self.start()
        self.tick_until(self.now + self.timeout + self.spread + 2 * TICK)
        asks = self.take(RequestVote)
        if self.role != "candidate" or not asks:
            raise Broken(
                f"node 0 did not start an election {self.timeout + self.spread + 2 * TICK} ms after its "
                f"election timer started (role {self.role}, it sent {len(asks)} RequestVote)"
            )
        return self.term

    def elect(self) -> int:
        """Campaign and receive a granted vote from every peer; the node must lead. Returns its term."""
        term = self.campaign()
        for peer in self.peers:
            self.deliver(RequestVoteReply(peer, 0, term, True))
        if self.role != "leader":
            raise Broken(f"node 0 got the votes of every peer in term {term} but is {self.role}")
        return term

    def sends(self, kind: type, dst: int | None = None) -> list[Sent]:
        return [m for m in self.sent if m.kind == kind.__name__ and (dst is None or m.dst == dst)]


def expect(ok: bool, message: str) -> None:
    if ok is not True:
        raise Broken(message)


def run_cases(partial_credit: Any, cases: Sequence[tuple[str, Callable[[], None]]], hint: str = "") -> None:
    """One credit per case; a case fails with the rule it broke, or with the exception the node raised."""
    partial_credit.total = len(cases)
    for position, (name, case) in enumerate(cases):
        try:
            case()
        except Broken as broken:
            partial_credit.check(False, f"{name}: {broken}{hint}")
            continue
        except Exception as exc:  # the learner's node raised
            partial_credit.check(False, f"{name}: node 0 raised {type(exc).__name__}: {exc}")
            if isinstance(exc, NotImplementedError):
                for rest, _ in cases[position + 1 :]:
                    partial_credit.check(False, f"{rest}: not run (the node is not implemented)")
                return
            continue
        partial_credit.check(True, name)
