"""Example tests to start from (README §7). They pass on a working RaftNode; add your own.

The coverage gate measures how much of raft/node.py your tests exercise (raft/sim.py and
raft/messages.py are given and not measured). Two styles work well: whole clusters in the simulator,
and a single node fed messages by hand.
"""

import random

import pytest
from raft.messages import AppendEntries, LogEntry, RequestVote, RequestVoteReply, Role
from raft.node import RaftNode
from raft.sim import RaftConfig, Simulator, Storage, Transport, run_scenario


def lone_node(storage: Storage, sent: list) -> RaftNode:
    """Node 0 of a three-node cluster: what it sends lands in `sent`, what it applies is ignored."""
    return RaftNode(
        0, (1, 2), storage, random.Random(0), RaftConfig(), Transport(sent.append), lambda i, c: None
    )


def test_one_leader_is_elected():
    sim = Simulator(5, seed=1)
    leader = sim.wait_for_leader(timeout=5000)  # raises if no leader within 5 s of virtual time
    sim.run_for(1000)
    assert sim.leaders() == [leader]


def test_commands_are_applied_in_order_everywhere():
    sim = Simulator(3, seed=2)
    sim.wait_for_leader()
    indices = [sim.commit() for _ in range(5)]  # each call waits until every node applied the command
    assert indices == [1, 2, 3, 4, 5]


def test_a_restarted_node_recovers_its_log_from_storage():
    sim = Simulator(3, seed=3)
    sim.wait_for_leader()
    sim.commit()
    for i in range(3):
        sim.crash(i)
        sim.restart(i)  # the simulator checks the restored term and log against storage
    sim.commit()
    assert all(len(sim.log_of(i)) == 2 for i in range(3))


@pytest.mark.parametrize("seed", range(3))
def test_figure8_scenario(seed):
    outcome = run_scenario("figure8", seed)  # a scenario the graders run, on your copy of the simulator
    assert outcome.ok, f"{outcome.failure} (replay: {outcome.replay_hint()})"


def test_one_vote_per_term_saved_before_replying():
    sent, storage = [], Storage()
    node = lone_node(storage, sent)
    node.on_message(RequestVote(src=1, dst=0, term=1, last_log_index=0, last_log_term=0), now=0)
    node.on_message(RequestVote(src=2, dst=0, term=1, last_log_index=0, last_log_term=0), now=1)
    assert [m.vote_granted for m in sent if isinstance(m, RequestVoteReply)] == [True, False]
    assert (storage.current_term, storage.voted_for) == (1, 1)
    assert node.role == Role.FOLLOWER


def test_a_follower_appends_entries_and_learns_the_commit_index():
    sent, storage = [], Storage()
    node = lone_node(storage, sent)
    entries = (LogEntry(1, "x"), LogEntry(1, "y"))
    node.on_message(
        AppendEntries(1, 0, 1, prev_log_index=0, prev_log_term=0, entries=entries, leader_commit=1), 5
    )
    assert list(node.log) == list(entries)
    assert node.commit_index == 1
    assert sent[-1].success and sent[-1].match_index == 2
    assert storage.log == entries  # saved before the reply was sent
