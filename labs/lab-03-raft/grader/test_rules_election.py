"""Figure 2's election rules, each forced by a scripted delivery order (Raft paper §5.1, §5.2, §5.4.1).

Every case is run on clusters of two to seven nodes where it makes sense: even clusters exist whenever a
node is being added or removed, and majority arithmetic is where they bite.
"""

from __future__ import annotations

import pytest
from raft.messages import AppendEntries, AppendEntriesReply, RequestVote, RequestVoteReply
from raft.sim import Storage
from raft_script import EVEN_AND_ODD, TICK, Script, entries, expect, run_cases

pytestmark = pytest.mark.part("A")


def _reply(s: Script, kind: type) -> dict:
    sent = s.take(kind)
    expect(
        len(sent) == 1, f"node 0 answered with {len(sent)} {kind.__name__} messages instead of exactly one"
    )
    return {"term": sent[0].term, **sent[0].fields, "saved_term": sent[0].saved_term}


# -- terms carried by replies and requests ------------------------------------------------------------
def _candidate_sees_newer_term_in_vote_reply(n: int) -> None:
    s = Script(n)
    term = s.campaign()
    s.deliver(RequestVoteReply(1, 0, term + 1, False))
    expect(
        s.role == "follower" and s.term == term + 1,
        f"a candidate of term {term} that got a RequestVoteReply of term {term + 1} is {s.role} in term "
        f"{s.term}; any reply with a newer term makes a node adopt it and become a follower",
    )
    expect(s.saved_term == term + 1, "the newer term learnt from a reply was not saved")
    for peer in s.peers:
        s.deliver(RequestVoteReply(peer, 0, term, True))
    s.tick_until(s.now + TICK)
    expect(s.role == "follower", f"late votes of the older term {term} made the node {s.role}")


def _leader_sees_newer_term_in_append_reply(n: int) -> None:
    s = Script(n)
    term = s.elect()
    s.take()
    s.deliver(AppendEntriesReply(1, 0, term + 2, False))
    expect(
        s.role == "follower" and s.term == term + 2,
        f"a leader of term {term} that got an AppendEntriesReply of term {term + 2} is {s.role} in term "
        f"{s.term}; a reply with a newer term deposes a leader",
    )
    s.tick_until(s.now + 3 * s.heartbeat)
    beats = s.take(AppendEntries)
    expect(not beats, f"the deposed leader still sent {len(beats)} AppendEntries")


def _leader_sees_newer_term_in_vote_reply(n: int) -> None:
    s = Script(n)
    term = s.elect()
    s.deliver(RequestVoteReply(1, 0, term + 1, False))
    expect(
        s.role == "follower" and s.term == term + 1,
        f"a leader of term {term} that got a late RequestVoteReply of term {term + 1} is {s.role} in term "
        f"{s.term}; the rule about newer terms holds for every message, votes included",
    )


@pytest.mark.points(4)
@pytest.mark.hints(
    "Figure 2, 'Rules for Servers, All Servers': the term rule applies to requests and to responses alike.",
    "Check the term of every reply before anything else, in the candidate and in the leader.",
    "A deposed leader must stop sending heartbeats at once.",
)
def test_terms_carried_by_replies(partial_credit):
    """A reply carrying a newer term turns a candidate or a leader into a follower of that term."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, candidate gets a vote reply of a newer term", lambda n=n: _candidate_sees_newer_term_in_vote_reply(n)),
            (f"{n} nodes, leader gets an AppendEntries reply of a newer term", lambda n=n: _leader_sees_newer_term_in_append_reply(n)),
            (f"{n} nodes, leader gets a vote reply of a newer term", lambda n=n: _leader_sees_newer_term_in_vote_reply(n)),
        ]  # fmt: skip
    run_cases(partial_credit, cases)


def _newer_vote_request_clears_the_vote(n: int) -> None:
    storage = Storage()
    storage.save(2, 1, ())
    s = Script(n, storage)
    s.start()
    s.deliver(RequestVote(1, 0, 5, 0, 0))
    reply = _reply(s, RequestVoteReply)
    expect(
        reply["vote_granted"] is True and reply["term"] == 5 and s.term == 5,
        f"a node that voted in term 2 answered a RequestVote of term 5 with {reply}; a newer term is "
        "adopted first, which clears voted_for, so the vote can be granted",
    )
    expect(reply["saved_term"] == 5, "the reply left before the newer term was saved")


def _leader_steps_down_for_newer_vote_request(n: int) -> None:
    storage = Storage()
    storage.save(1, None, entries((1, "a")))
    s = Script(n, storage)
    term = s.elect()
    s.take()
    s.deliver(RequestVote(1, 0, term + 1, 0, 0))  # a newer term, but a log behind ours
    reply = _reply(s, RequestVoteReply)
    expect(
        reply["vote_granted"] is False,
        "a candidate with an empty log got the vote of a node holding an entry",
    )
    expect(
        s.role == "follower" and s.term == term + 1,
        f"a leader of term {term} that saw a RequestVote of term {term + 1} is {s.role} in term {s.term}; "
        "it adopts the newer term even when it refuses the vote",
    )


def _leader_steps_down_for_newer_append(n: int) -> None:
    s = Script(n)
    term = s.elect()
    s.take()
    s.deliver(AppendEntries(1, 0, term + 1, 0, 0, entries((term + 1, "x")), 0))
    reply = _reply(s, AppendEntriesReply)
    expect(
        s.role == "follower" and s.term == term + 1 and reply["success"] is True,
        f"a leader of term {term} got AppendEntries from the leader of term {term + 1} and is {s.role} in "
        f"term {s.term}, answering success={reply['success']}",
    )


def _stale_vote_request_refused(n: int) -> None:
    storage = Storage()
    storage.save(3, None, ())
    s = Script(n, storage)
    s.start()
    s.deliver(RequestVote(1, 0, 2, 0, 0))
    reply = _reply(s, RequestVoteReply)
    expect(
        reply["vote_granted"] is False and reply["term"] == 3 and s.term == 3,
        f"a node in term 3 answered a RequestVote of term 2 with {reply}; refuse it and send your own term",
    )


def _stale_append_refused(n: int) -> None:
    storage = Storage()
    storage.save(3, None, entries((1, "a")))
    s = Script(n, storage)
    s.start()
    s.deliver(AppendEntries(1, 0, 2, 1, 1, entries((2, "b")), 1))
    reply = _reply(s, AppendEntriesReply)
    expect(
        reply["success"] is False and reply["term"] == 3,
        f"a node in term 3 answered an AppendEntries of term 2 with {reply}; refuse it and send your term",
    )
    expect(s.log == ((1, "a"),) and s.commit == 0, f"a stale AppendEntries changed the node: log {s.log}")


def _candidate_ignores_stale_leader(n: int) -> None:
    storage = Storage()
    storage.save(3, None, ())
    s = Script(n, storage)
    term = s.campaign()
    s.deliver(AppendEntries(1, 0, term - 1, 0, 0, (), 0))
    reply = _reply(s, AppendEntriesReply)
    expect(
        s.role == "candidate" and s.term == term and reply["success"] is False,
        f"a candidate of term {term} that got AppendEntries of term {term - 1} is {s.role} in term {s.term}",
    )


def _candidate_yields_to_leader_of_its_term(n: int) -> None:
    s = Script(n)
    term = s.campaign()
    s.deliver(AppendEntries(1, 0, term, 0, 0, entries((term, "x")), 0))
    reply = _reply(s, AppendEntriesReply)
    expect(
        s.role == "follower" and s.term == term,
        f"a candidate of term {term} got AppendEntries from the leader of the same term and is {s.role}; "
        "another node won this term, so become its follower",
    )
    expect(
        reply["success"] is True and s.log == ((term, "x"),),
        f"the candidate-turned-follower answered {reply} with log {s.log}",
    )
    for peer in s.peers:  # late grants of the election it lost
        s.deliver(RequestVoteReply(peer, 0, term, True))
    s.tick_until(s.now + TICK)
    expect(
        s.role == "follower",
        f"a candidate that yielded to the leader of term {term} became {s.role} when late votes of that term "
        "arrived: only a candidate counts votes, and a second leader in one term breaks Election Safety",
    )


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Adopting a newer term clears voted_for: the node has not voted in that term yet.",
    "An older term is refused, and the answer carries your term so that the sender can catch up.",
    "A candidate that hears from the leader of its own term lost that election: it becomes a follower.",
)
def test_terms_carried_by_requests(partial_credit):
    """Newer terms are adopted from any request (votes cleared); older terms are refused with ours."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, RequestVote of a newer term clears the vote", lambda n=n: _newer_vote_request_clears_the_vote(n)),
            (f"{n} nodes, leader sees RequestVote of a newer term", lambda n=n: _leader_steps_down_for_newer_vote_request(n)),
            (f"{n} nodes, leader sees AppendEntries of a newer term", lambda n=n: _leader_steps_down_for_newer_append(n)),
            (f"{n} nodes, RequestVote of an older term", lambda n=n: _stale_vote_request_refused(n)),
            (f"{n} nodes, AppendEntries of an older term", lambda n=n: _stale_append_refused(n)),
            (f"{n} nodes, candidate gets AppendEntries of an older term", lambda n=n: _candidate_ignores_stale_leader(n)),
            (f"{n} nodes, candidate gets AppendEntries of its own term", lambda n=n: _candidate_yields_to_leader_of_its_term(n)),
        ]  # fmt: skip
    run_cases(partial_credit, cases)


# -- the election timer -------------------------------------------------------------------------------
def _quiet_until(s: Script, end: int, why: str) -> None:
    s.tick_until(end)
    asks = s.take(RequestVote)
    expect(
        not asks and s.role == "follower",
        f"node 0 started an election by t={end} ms ({why}); its timer (300-310 ms) should have been reset",
    )


def _campaigns_by(s: Script, end: int, term: int, why: str) -> None:
    s.tick_until(end)
    asks = s.take(RequestVote)
    expect(
        s.role == "candidate" and s.term == term and {m.dst for m in asks} == set(s.peers),
        f"by t={end} ms node 0 is {s.role} in term {s.term} and asked {sorted({m.dst for m in asks})} for "
        f"votes; it should be campaigning in term {term}: {why}",
    )


def _timeout_without_events(n: int) -> None:
    s = Script(n)
    s.start()
    _quiet_until(s, 280, "nothing happened, and the timeout is 300-310 ms")
    _campaigns_by(s, 330, 1, "its 300-310 ms timeout expired with nothing happening")


def _granting_resets(n: int) -> None:
    s = Script(n)
    s.start()
    s.tick_until(200)
    s.deliver(RequestVote(1, 0, 1, 0, 0))
    expect(_reply(s, RequestVoteReply)["vote_granted"] is True, "a first RequestVote of term 1 was refused")
    _quiet_until(s, 480, "it granted a vote at t=200 ms")
    _campaigns_by(s, 540, 2, "the timer restarted at t=200 ms, when it granted a vote, and expired")


def _refusing_a_second_candidate_does_not_reset(n: int) -> None:
    s = Script(n)
    s.start()
    s.tick_until(100)
    s.deliver(RequestVote(1, 0, 1, 0, 0))
    expect(_reply(s, RequestVoteReply)["vote_granted"] is True, "a first RequestVote of term 1 was refused")
    s.tick_until(250)
    s.deliver(RequestVote(2, 0, 1, 0, 0))
    expect(
        _reply(s, RequestVoteReply)["vote_granted"] is False,
        "a second candidate got the vote in the same term",
    )
    _campaigns_by(s, 440, 2, "refusing a vote at t=250 ms must not reset the election timer")


def _refusing_a_stale_log_does_not_reset(n: int) -> None:
    storage = Storage()
    storage.save(1, None, entries((1, "a")))
    s = Script(n, storage)
    s.start()
    s.tick_until(200)
    s.deliver(RequestVote(1, 0, 2, 0, 0))
    expect(
        _reply(s, RequestVoteReply)["vote_granted"] is False, "a candidate with a shorter log got the vote"
    )
    _campaigns_by(s, 340, 3, "refusing a vote at t=200 ms must not reset the timer, though it adopted term 2")


def _append_from_leader_resets(n: int, prev: int) -> None:
    s = Script(n)
    s.start()
    s.tick_until(200)
    s.deliver(AppendEntries(1, 0, 1, prev, 1 if prev else 0, (), 0))
    _reply(s, AppendEntriesReply)
    what = "a heartbeat" if prev == 0 else "an AppendEntries whose log check failed"
    _quiet_until(s, 480, f"{what} from the current leader arrived at t=200 ms")
    _campaigns_by(s, 540, 2, f"the timer restarted on {what} at t=200 ms, and expired")


def _stale_append_does_not_reset(n: int) -> None:
    storage = Storage()
    storage.save(2, None, ())
    s = Script(n, storage)
    s.start()
    s.tick_until(200)
    s.deliver(AppendEntries(1, 0, 1, 0, 0, (), 0))
    _reply(s, AppendEntriesReply)
    _campaigns_by(s, 340, 3, "an AppendEntries of an older term at t=200 ms must not reset the timer")


def _regranting_resets(n: int) -> None:
    s = Script(n)
    s.start()
    s.tick_until(100)
    s.deliver(RequestVote(1, 0, 1, 0, 0))
    expect(_reply(s, RequestVoteReply)["vote_granted"] is True, "a first RequestVote of term 1 was refused")
    s.tick_until(250)
    s.deliver(RequestVote(1, 0, 1, 0, 0))  # the same candidate asks again (a retry, or a duplicate)
    expect(
        _reply(s, RequestVoteReply)["vote_granted"] is True,
        "a repeated RequestVote from the candidate this node already voted for in term 1 was refused",
    )
    _quiet_until(s, 530, "it granted (again) a vote at t=250 ms: every granted vote resets the timer")
    _campaigns_by(s, 590, 2, "the timer restarted at t=250 ms, when it granted the vote again, and expired")


def _candidate_yielding_resets(n: int) -> None:
    s = Script(n)
    term = s.campaign()  # it campaigned at t=300 or 310; its next election would be due by t=620
    s.tick_until(450)
    s.deliver(AppendEntries(1, 0, term, 0, 0, (), 0))
    _reply(s, AppendEntriesReply)
    expect(s.role == "follower", f"a candidate that got AppendEntries of its own term is {s.role}")
    _quiet_until(s, 730, "as a candidate it got AppendEntries from the leader of its term at t=450 ms")
    _campaigns_by(
        s, 790, term + 1, "the timer restarted at t=450 ms, on the leader's AppendEntries, and expired"
    )


def _vote_replies_do_not_reset(n: int) -> None:
    s = Script(n)
    term = s.campaign()  # it campaigned at t=300 or 310, so its next election is due by t=620
    s.tick_until(500)
    for peer in s.peers:
        s.deliver(RequestVoteReply(peer, 0, term, False))
    s.tick_until(590)
    expect(
        not s.take(RequestVote) and s.role == "candidate" and s.term == term,
        f"by t=590 ms the candidate of term {term} is {s.role} in term {s.term}; its 300-310 ms timer did not expire yet",
    )
    _campaigns_by(
        s, 640, term + 1, "refusals arriving at t=500 ms must not reset a candidate's election timer"
    )


def _deposed_leader_starts_a_fresh_timer(n: int) -> None:
    s = Script(n)
    term = s.elect()
    s.tick_until(s.now + 5 * s.heartbeat)  # lead for a while: the deadline of its own election is long past
    s.take()
    deposed = s.now
    s.deliver(AppendEntriesReply(1, 0, term + 2, False))
    expect(s.role == "follower", f"a leader that got a reply of term {term + 2} is {s.role}")
    _quiet_until(
        s, deposed + 280, f"it stepped down at t={deposed} ms and must start a fresh election timer then"
    )
    _campaigns_by(s, deposed + 340, term + 3, f"the fresh timer started at t={deposed} ms expired")


@pytest.mark.points(4)
@pytest.mark.hints(
    "Figure 2 names exactly what postpones an election: granting a vote, and AppendEntries from the current leader.",
    "Refusing a vote is not one of them, even when the request made you adopt a newer term.",
    "An AppendEntries from the current leader counts even when its log check fails; one of an older term does not.",
)
def test_election_timer_resets(partial_credit):
    """The timer restarts on starting an election, granting a vote and the current leader's AppendEntries, nothing else."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, timeout with nothing happening", lambda n=n: _timeout_without_events(n)),
            (f"{n} nodes, granting a vote resets", lambda n=n: _granting_resets(n)),
            (f"{n} nodes, refusing a stale log does not reset", lambda n=n: _refusing_a_stale_log_does_not_reset(n)),
            (f"{n} nodes, heartbeat from the leader resets", lambda n=n: _append_from_leader_resets(n, 0)),
            (f"{n} nodes, failed log check from the leader still resets", lambda n=n: _append_from_leader_resets(n, 5)),
            (f"{n} nodes, AppendEntries of an older term does not reset", lambda n=n: _stale_append_does_not_reset(n)),
            (f"{n} nodes, granting the same candidate again resets", lambda n=n: _regranting_resets(n)),
            (f"{n} nodes, a candidate yielding to the leader resets", lambda n=n: _candidate_yielding_resets(n)),
            (f"{n} nodes, vote replies do not reset a candidate", lambda n=n: _vote_replies_do_not_reset(n)),
            (f"{n} nodes, a deposed leader starts a fresh timer", lambda n=n: _deposed_leader_starts_a_fresh_timer(n)),
        ]  # fmt: skip
        if n >= 3:
            cases.append(
                (f"{n} nodes, refusing a second candidate does not reset", lambda n=n: _refusing_a_second_candidate_does_not_reset(n))
            )  # fmt: skip
    run_cases(partial_credit, cases)


# -- retrying elections, random timeouts --------------------------------------------------------------
def _retries_after_split_vote(n: int) -> None:
    s = Script(n)
    term = s.campaign()
    for peer in s.peers:
        s.deliver(RequestVoteReply(peer, 0, term, False))  # they voted for somebody else: a split vote
    for attempt in (term + 1, term + 2):
        s.tick_until(s.now + s.timeout + s.spread + 2 * TICK)
        asks = [m for m in s.take(RequestVote) if m.term == attempt]
        expect(
            s.role == "candidate" and s.term == attempt and {m.dst for m in asks} == set(s.peers),
            f"after a lost election node 0 is {s.role} in term {s.term} and asked "
            f"{sorted({m.dst for m in asks})} in term {attempt}; a candidate whose election times out "
            "starts a new one: next term, own vote, RequestVote to every peer",
        )
        expect(
            all(m.saved_term == attempt and m.saved_vote == 0 for m in asks),
            f"the RequestVote of term {attempt} left before the new term and the node's own vote were saved",
        )


def _timeouts_are_random() -> None:
    first, second = [], []
    for seed in range(12):
        s = Script(3, timeout=300, spread=300, seed=seed)
        s.start()
        times = []
        while len(times) < 2 and s.now < 1400:
            s.tick_until(s.now + TICK)
            if s.take(RequestVote):
                times.append(s.now)
        expect(len(times) == 2, f"with rng seed {seed} node 0 did not campaign twice within 1.4 s")
        first.append(times[0])
        second.append(times[1] - times[0])
    expect(
        all(300 <= t <= 610 for t in first) and all(300 <= t <= 610 for t in second),
        f"election timeouts {first} then {second} ms fall outside [election_timeout_min, "
        "election_timeout_max) = [300, 600) (plus one tick)",
    )
    redrawn = sum(1 for a, b in zip(first, second, strict=True) if abs(a - b) > 2 * TICK)
    expect(
        len(set(first)) >= 4 and len(set(second)) >= 4 and redrawn >= 4,
        f"twelve nodes with different rngs timed out after {sorted(set(first))} ms, then again after "
        f"{sorted(set(second))} ms; draw a fresh random timeout from rng every time the timer is reset",
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "A candidate keeps its election timer running; when it expires, it starts over in the next term.",
    "Draw a fresh timeout from rng each time you reset the timer, within [min, max) of the config.",
)
def test_candidates_retry_with_random_timeouts(partial_credit):
    """A split vote is retried in the next term; timeouts are drawn afresh from the node's rng each time."""
    cases = [
        (f"{n} nodes, split vote retried twice", lambda n=n: _retries_after_split_vote(n))
        for n in EVEN_AND_ODD
    ]
    cases.append(("timeouts are random and drawn afresh", _timeouts_are_random))
    run_cases(partial_credit, cases)


# -- counting votes -----------------------------------------------------------------------------------
def _votes_make_a_majority(n: int) -> None:
    s = Script(n)
    term = s.campaign()
    for peer in s.peers:
        s.deliver(RequestVoteReply(peer, 0, term, False))
    s.tick_until(s.now + TICK)
    expect(s.role == "candidate", f"node 0 is {s.role} after its own vote and {n - 1} refusals of {n}")
    for granted, peer in enumerate(s.peers, start=1):
        s.deliver(RequestVoteReply(peer, 0, term, True))
        s.deliver(RequestVoteReply(peer, 0, term, True))  # the network duplicates messages
        s.tick_until(s.now + TICK)
        votes = granted + 1  # its own vote included
        if 2 * votes <= n:
            expect(
                s.role == "candidate",
                f"node 0 became {s.role} with {votes} of {n} votes (its own included; duplicates count "
                "once): a majority is more than half of the cluster",
            )
            continue
        expect(
            s.role == "leader",
            f"node 0 is still {s.role} with {votes} of {n} votes, its own included (a majority)",
        )
        return
    expect(False, f"node 0 never became leader although all {n} nodes voted for it")


def _votes_of_an_older_term(n: int) -> None:
    s = Script(n)
    old = s.campaign()
    early = s.peers[: n // 2 - 1]  # not enough for a majority, with the node's own vote
    for peer in early:
        s.deliver(RequestVoteReply(peer, 0, old, True))
    s.tick_until(s.now + s.timeout + s.spread + 2 * TICK)
    term = s.term
    expect(term == old + 1 and s.role == "candidate", f"node 0 did not retry its election (term {term})")
    for peer in s.peers:
        s.deliver(RequestVoteReply(peer, 0, old, True))
    s.tick_until(s.now + TICK)
    expect(
        s.role == "candidate",
        f"a candidate of term {term} became {s.role} on votes granted in term {old}; count only votes of "
        "the current term",
    )
    late = s.peers[len(early) : len(early) + n // 2 - 1]  # with the early ones they would make a majority
    for peer in late:
        s.deliver(RequestVoteReply(peer, 0, term, True))
    s.tick_until(s.now + TICK)
    expect(
        s.role == "candidate",
        f"node 0 became {s.role} in term {term} with {len(late) + 1} votes of that term out of {n}; votes "
        f"granted in term {old} do not carry over to a new election",
    )
    for peer in s.peers[len(early) + len(late) :][:1]:
        s.deliver(RequestVoteReply(peer, 0, term, True))
    s.tick_until(s.now + TICK)
    expect(s.role == "leader", f"node 0 is {s.role} after a majority voted in the current term")


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.critical("Election Safety: a leader is elected only by a true majority of the cluster")
@pytest.mark.hints(
    "A majority is more than half of the whole cluster, len(peers) + 1 nodes, the candidate's own vote included.",
    "In a cluster of two, one vote is exactly half: not enough. In a cluster of four, you need three.",
    "Keep the voters in a set (duplicates arrive) and only count replies of your current term.",
)
def test_votes_are_counted_by_majority(partial_credit):
    """More than half of the cluster, the candidate's own vote included, each voter once, current term only."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, votes counted one by one", lambda n=n: _votes_make_a_majority(n)),
            (f"{n} nodes, votes of an older term", lambda n=n: _votes_of_an_older_term(n)),
        ]
    run_cases(partial_credit, cases)


# -- granting votes -----------------------------------------------------------------------------------
def _one_vote_per_term(n: int) -> None:
    s = Script(n)
    s.start()
    answers = []
    for candidate in (1, 2, 1):
        s.deliver(RequestVote(candidate, 0, 1, 0, 0))
        reply = _reply(s, RequestVoteReply)
        answers.append(reply["vote_granted"])
    expect(
        answers == [True, False, True],
        f"RequestVotes of term 1 from nodes 1, 2, then 1 again got {answers}; one vote per term, and the "
        "candidate already voted for gets it again (its request may have been duplicated)",
    )


def _vote_saved_before_reply(n: int) -> None:
    s = Script(n)
    s.start()
    s.deliver(RequestVote(1, 0, 4, 0, 0))
    sent = s.take(RequestVoteReply)
    expect(len(sent) == 1 and sent[0].fields["vote_granted"] is True, "the vote was not granted")
    expect(
        sent[0].saved_term == 4 and sent[0].saved_vote == 1,
        f"the granted vote left while storage held term {sent[0].saved_term}, voted_for "
        f"{sent[0].saved_vote}; save the vote before replying",
    )


UP_TO_DATE = [  # (candidate's last_log_term, last_log_index, granted) against a log ending (term 2, index 2)
    (3, 1, True),
    (2, 2, True),
    (2, 3, True),
    (2, 1, False),
    (1, 5, False),
    (0, 0, False),
]


def _up_to_date(n: int, last_term: int, last_index: int, granted: bool) -> None:
    storage = Storage()
    storage.save(2, None, entries((1, "a"), (2, "b")))
    s = Script(n, storage)
    s.start()
    s.deliver(RequestVote(1, 0, 3, last_index, last_term))
    reply = _reply(s, RequestVoteReply)
    expect(
        reply["vote_granted"] is granted,
        f"a node whose log ends with (term 2, index 2) {'refused' if granted else 'granted'} its vote to a "
        f"candidate whose log ends with (term {last_term}, index {last_index}): compare last terms first, "
        "then lengths (§5.4.1)",
    )
    expect(s.term == 3, f"the node did not adopt the candidate's newer term 3 (it is in term {s.term})")


def _candidate_votes_for_itself(n: int) -> None:
    storage = Storage()
    storage.save(1, None, entries((1, "a")))
    s = Script(n, storage)
    s.start()
    s.tick_until(330)
    asks = s.take(RequestVote)
    expect(len(asks) == n - 1, f"node 0 sent {len(asks)} RequestVote to {n - 1} peers")
    ask = asks[0]
    expect(
        (ask.term, ask["last_log_index"], ask["last_log_term"]) == (2, 1, 1),
        f"RequestVote(term={ask.term}, last_log_index={ask['last_log_index']}, last_log_term="
        f"{ask['last_log_term']}) from a node in term 1 with one entry of term 1",
    )
    expect(ask.saved_vote == 0 and ask.saved_term == 2, "RequestVote left before the own vote was saved")
    s.deliver(RequestVote(1, 0, 2, 5, 1))
    expect(
        _reply(s, RequestVoteReply)["vote_granted"] is False,
        "a candidate gave its vote away in the term it votes for itself",
    )


@pytest.mark.points(4)
@pytest.mark.critical(
    "One Vote Per Term and Leader Completeness: votes are granted once per term, to up-to-date logs"
)
@pytest.mark.hints(
    "Section 5.4.1: compare the last entries' terms first; only if they are equal does the longer log win.",
    "Save the vote before the reply leaves: a crash right after sending must not let you vote twice.",
    "voted_for may already hold the same candidate: a duplicated request gets the same answer.",
)
def test_vote_granting(partial_credit):
    """One vote per term, saved before the reply, only to a candidate whose log is at least as up to date."""
    cases = []
    for n in EVEN_AND_ODD:
        cases.append((f"{n} nodes, vote saved before the reply", lambda n=n: _vote_saved_before_reply(n)))
        cases.append((f"{n} nodes, candidate votes for itself", lambda n=n: _candidate_votes_for_itself(n)))
        if n >= 3:
            cases.append((f"{n} nodes, one vote per term", lambda n=n: _one_vote_per_term(n)))
    for last_term, last_index, granted in UP_TO_DATE:
        for n in (3, 4):
            cases.append(
                (
                    f"{n} nodes, candidate log ending (term {last_term}, index {last_index})",
                    lambda n=n, t=last_term, i=last_index, g=granted: _up_to_date(n, t, i, g),
                )
            )
    run_cases(partial_credit, cases)
