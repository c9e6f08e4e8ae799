"""Figure 2's persistent state, forced by scripted restarts: a vote, a term and a log outlive a crash."""

from __future__ import annotations

import pytest
from raft.messages import AppendEntries, RequestVote, RequestVoteReply
from raft.sim import Storage
from raft_script import EVEN_AND_ODD, Script, entries, expect, run_cases

pytestmark = pytest.mark.part("C")


def _answer(s: Script, candidate: int, term: int) -> bool:
    s.deliver(RequestVote(candidate, 0, term, 0, 0))
    sent = s.take(RequestVoteReply)
    expect(len(sent) == 1, f"node 0 answered with {len(sent)} RequestVoteReply messages instead of one")
    return bool(sent[0].fields["vote_granted"])


def _granted_vote_survives(n: int) -> None:
    storage = Storage()
    s = Script(n, storage)
    s.start()
    expect(_answer(s, 1, 3), "a first RequestVote of term 3 was refused")
    again = Script(n, storage)  # the crash: only storage survives
    expect(
        again.term == 3 and again.role == "follower",
        f"after a restart the node is {again.role} in term {again.term}",
    )
    again.start()
    expect(
        not _answer(again, 2, 3),
        "after a restart the node voted a second time in term 3: restore voted_for from storage",
    )
    expect(_answer(again, 1, 3), "after a restart the node refused the candidate it had voted for in term 3")


def _own_vote_survives(n: int) -> None:
    storage = Storage()
    s = Script(n, storage)
    term = s.campaign()
    again = Script(n, storage)
    again.start()
    expect(
        not _answer(again, 1, term),
        f"a candidate of term {term} restarted and then voted for another candidate in that term",
    )


def _log_and_term_restored(n: int) -> None:
    storage = Storage()
    storage.save(2, 1, entries((1, "a"), (2, "b")))
    s = Script(n, storage)
    expect(
        (s.term, s.log, s.commit, s.role) == (2, ((1, "a"), (2, "b")), 0, "follower"),
        f"a node restarted from term 2 and two entries reports term {s.term}, log {s.log}, commit_index "
        f"{s.commit}, role {s.role}",
    )
    s.start()
    s.deliver(AppendEntries(1, 0, 2, 2, 2, (), 2))
    expect(
        s.commit == 2 and s.applied == [(1, "a"), (2, "b")],
        f"after a restart commit_index is {s.commit} and the node applied {s.applied}; the state machine is "
        "volatile, so apply again from index 1",
    )


@pytest.mark.points(2)
@pytest.mark.critical("One Vote Per Term across restarts: the vote is durable")
@pytest.mark.hints(
    "A restart gets nothing but storage: current_term, voted_for and the log must all come from it.",
    "commit_index and the state machine are volatile: start them from 0 and apply again.",
)
def test_state_survives_restarts(partial_credit):
    """A granted vote, the node's own vote, its term and its log come back from storage after a crash."""
    cases = []
    for n in EVEN_AND_ODD:
        cases.append((f"{n} nodes, the node's own vote", lambda n=n: _own_vote_survives(n)))
        cases.append((f"{n} nodes, term and log restored", lambda n=n: _log_and_term_restored(n)))
        if n >= 3:
            cases.append((f"{n} nodes, a granted vote", lambda n=n: _granted_vote_survives(n)))
    run_cases(partial_credit, cases)
