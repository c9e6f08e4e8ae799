"""Model tests for the reference RaftNode: single nodes fed messages by hand, and whole clusters."""

from __future__ import annotations

import random

import pytest
from raft.messages import AppendEntries, AppendEntriesReply, LogEntry, RequestVote, RequestVoteReply, Role
from raft.node import RaftNode
from raft.sim import SCENARIOS, RaftConfig, Simulator, Storage, Transport, run_scenario


class Harness:
    """One node with peers 1..n-1, a message outbox and a list of applied commands."""

    def __init__(self, n: int = 3, storage: Storage | None = None) -> None:
        self.sent: list = []
        self.applied: list = []
        self.storage = storage or Storage()
        self.node = RaftNode(
            0,
            tuple(range(1, n)),
            self.storage,
            random.Random(7),
            RaftConfig(),
            Transport(self.sent.append),
            lambda index, command: self.applied.append((index, command)),
        )

    def take(self, kind: type) -> list:
        found = [m for m in self.sent if isinstance(m, kind)]
        self.sent.clear()
        return found

    def elect(self, now: int = 1000) -> None:
        """Time out, win the votes of every peer and become leader."""
        self.node.on_timer(0)
        self.node.on_timer(now)
        term = self.node.current_term
        for request in self.take(RequestVote):
            self.node.on_message(RequestVoteReply(request.dst, 0, term, True), now)
        assert self.node.role is Role.LEADER


def append(term: int, prev: int, prev_term: int, entries: tuple = (), commit: int = 0, src: int = 1):
    return AppendEntries(src, 0, term, prev, prev_term, entries, commit)


def test_follower_times_out_and_campaigns_with_its_log_position():
    h = Harness(storage=Storage())
    h.storage.save(2, None, (LogEntry(1, "a"), LogEntry(2, "b")))
    h = Harness(storage=h.storage)
    h.node.on_timer(0)
    assert h.sent == []
    h.node.on_timer(600)
    requests = h.take(RequestVote)
    assert h.node.role is Role.CANDIDATE and h.node.current_term == 3
    assert {(r.dst, r.last_log_index, r.last_log_term) for r in requests} == {(1, 2, 2), (2, 2, 2)}
    assert (h.storage.current_term, h.storage.voted_for) == (3, 0)


def test_candidate_ignores_stale_and_refused_votes_then_wins():
    h = Harness(n=5)
    h.node.on_timer(0)
    h.node.on_timer(600)
    term = h.node.current_term
    h.node.on_message(RequestVoteReply(1, 0, term - 1, True), 601)  # from an older election
    h.node.on_message(RequestVoteReply(2, 0, term, False), 602)
    h.node.on_message(RequestVoteReply(3, 0, term, True), 603)
    h.node.on_message(RequestVoteReply(3, 0, term, True), 604)  # a duplicate counts once
    assert h.node.role is Role.CANDIDATE
    h.sent.clear()
    h.node.on_message(RequestVoteReply(4, 0, term, True), 605)
    assert h.node.role is Role.LEADER
    assert {m.dst for m in h.take(AppendEntries)} == {1, 2, 3, 4}


def test_votes_respect_term_log_freshness_and_earlier_votes():
    h = Harness()
    h.node.on_message(append(2, 0, 0, (LogEntry(1, "a"), LogEntry(2, "b"))), 0)
    h.sent.clear()
    h.node.on_message(RequestVote(1, 0, 1, 5, 1), 1)  # old term
    h.node.on_message(RequestVote(1, 0, 3, 5, 1), 2)  # newer term, but an older last term
    h.node.on_message(RequestVote(2, 0, 3, 1, 2), 3)  # same last term, shorter log
    h.node.on_message(RequestVote(2, 0, 3, 2, 2), 4)  # up to date
    h.node.on_message(RequestVote(1, 0, 3, 9, 3), 5)  # already voted for 2 in term 3
    h.node.on_message(RequestVote(2, 0, 3, 2, 2), 6)  # the same candidate asking again
    assert [m.vote_granted for m in h.take(RequestVoteReply)] == [False, False, False, True, False, True]
    assert (h.storage.current_term, h.storage.voted_for) == (3, 2)


def test_follower_rejects_with_hints_and_truncates_only_conflicts():
    h = Harness()
    h.node.on_message(append(1, 3, 1), 0)  # its log is too short
    assert h.take(AppendEntriesReply)[0].conflict_index == 1
    log = (LogEntry(1, "a"), LogEntry(1, "b"), LogEntry(2, "c"), LogEntry(2, "d"))
    h.node.on_message(append(2, 0, 0, log, commit=1), 1)
    assert h.applied == [(1, "a")]
    h.node.on_message(append(3, 4, 3), 2)  # the term at index 4 differs: skip back over term 2
    reply = h.take(AppendEntriesReply)[-1]
    assert (reply.success, reply.conflict_term, reply.conflict_index) == (False, 2, 3)
    h.node.on_message(append(3, 1, 1, (LogEntry(1, "b"),), commit=1), 3)  # stale but consistent: keep all
    assert len(h.node.log) == 4
    h.node.on_message(append(3, 2, 1, (LogEntry(3, "x"),), commit=3), 4)
    assert [e.command for e in h.node.log] == ["a", "b", "x"]
    assert h.node.commit_index == 3 and h.applied[-1] == (3, "x")
    h.node.on_message(append(2, 3, 3, commit=3), 5)  # an older leader is told the newer term
    reply = h.take(AppendEntriesReply)[-1]
    assert (reply.success, reply.term) == (False, 3)


def test_leader_backs_up_by_terms_and_commits_only_its_own_term():
    storage = Storage()
    storage.save(3, None, (LogEntry(1, "a"), LogEntry(1, "b"), LogEntry(3, "c")))
    h = Harness(storage=storage)
    h.elect()
    term = h.node.current_term
    h.node.on_message(AppendEntriesReply(1, 0, term, False, conflict_index=2, conflict_term=2), 1001)
    assert h.take(AppendEntries)[-1].prev_log_index == 1  # the leader has no term 2: use the hint
    h.node.on_message(AppendEntriesReply(2, 0, term, False, conflict_index=1, conflict_term=1), 1002)
    assert h.take(AppendEntries)[-1].prev_log_index == 2  # just past the leader's last term-1 entry
    h.node.on_message(AppendEntriesReply(2, 0, term, False, conflict_index=9), 1003)
    assert h.take(AppendEntries)[-1].prev_log_index == 3  # a hint past the end is capped
    h.node.on_message(AppendEntriesReply(1, 0, term, True, match_index=3), 1004)
    assert h.node.commit_index == 0  # a majority holds index 3, but it is from an older term
    index = h.node.propose("d")
    h.node.on_timer(1010)
    assert index == 4 and all(m.entries for m in h.take(AppendEntries))
    h.node.on_message(AppendEntriesReply(1, 0, term - 1, True, match_index=4), 1011)  # stale reply
    h.node.on_message(AppendEntriesReply(1, 0, term, True, match_index=2), 1012)  # old ack arrives late
    assert h.node.commit_index == 0
    h.node.on_message(AppendEntriesReply(1, 0, term, True, match_index=4), 1013)
    assert h.node.commit_index == 4 and [c for _, c in h.applied] == ["a", "b", "c", "d"]


def test_leader_heartbeats_and_steps_down_for_a_newer_term():
    h = Harness()
    h.elect(now=1000)
    h.take(AppendEntries)
    h.node.on_timer(1050)
    assert h.sent == []
    h.node.on_timer(1100)
    assert {m.dst for m in h.take(AppendEntries)} == {1, 2}
    assert h.node.propose("x") == 1
    h.node.on_message(RequestVote(2, 0, 9, 0, 0), 1101)  # newer term, but our log is longer
    assert h.node.role is Role.FOLLOWER and h.node.current_term == 9
    assert h.node.propose("y") is None
    h.node.on_timer(1200)
    assert not h.take(RequestVote)  # the stale leader timer was reset on stepping down


def test_a_single_node_commits_alone():
    h = Harness(n=1)
    h.node.on_timer(0)
    h.node.on_timer(600)
    assert h.node.role is Role.LEADER
    assert h.node.propose("solo") == 1
    assert h.node.commit_index == 1 and h.applied == [(1, "solo")]


def test_a_leader_of_four_needs_three_copies_to_commit():
    h = Harness(n=4)
    h.elect()
    term = h.node.current_term
    assert h.node.propose("x") == 1
    h.node.on_timer(1010)
    h.node.on_message(AppendEntriesReply(1, 0, term, True, match_index=1), 1011)
    assert h.node.commit_index == 0  # two copies out of four are not a majority
    h.node.on_message(AppendEntriesReply(2, 0, term, True, match_index=1), 1012)
    assert h.node.commit_index == 1 and h.applied == [(1, "x")]


def test_a_candidate_of_two_needs_both_votes():
    h = Harness(n=2)
    h.node.on_timer(0)
    h.node.on_timer(600)
    assert h.node.role is Role.CANDIDATE  # its own vote is half of two: no majority
    h.node.on_message(RequestVoteReply(1, 0, h.node.current_term, True), 601)
    assert h.node.role is Role.LEADER


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_passes(name):
    sizes = [size for size in (SCENARIOS[name].nodes, 4) if size in SCENARIOS[name].sizes]  # odd and even
    for seed, size in enumerate(dict.fromkeys(sizes)):
        outcome = run_scenario(name, seed, nodes=size, trace=False)
        assert outcome.ok, f"{outcome.failure} ({outcome.replay_hint()})"


def test_same_seed_same_trace():
    first, second = (run_scenario("unreliable-churn", 5) for _ in range(2))
    assert first.ok and second.ok and first.sim.trace == second.sim.trace


def test_simulator_sizes():
    sim = Simulator(7, seed=4)
    sim.wait_for_leader()
    assert sim.commit() == 1
