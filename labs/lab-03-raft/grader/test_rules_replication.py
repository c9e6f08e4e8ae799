"""Figure 2's replication rules, each forced by a scripted delivery order (Raft paper §5.3, §5.4.2).

The leader's side: commit only what a true majority (itself included) acknowledged in its current term,
and only by counting entries of its own term; back up a whole term per rejection. The follower's side:
the log check, truncation of conflicting entries only, the match index it reports, and a commit index
that never passes the last entry the request verified and never goes down.
"""

from __future__ import annotations

import pytest
from raft.messages import AppendEntries, AppendEntriesReply, RequestVoteReply
from raft.sim import Storage
from raft_script import EVEN_AND_ODD, TICK, Broken, Script, entries, expect, plain_log, run_cases

pytestmark = pytest.mark.part("B")


def _reply(s: Script) -> dict:
    sent = s.take(AppendEntriesReply)
    expect(len(sent) == 1, f"node 0 answered with {len(sent)} AppendEntriesReply messages instead of one")
    return {
        "term": sent[0].term,
        **sent[0].fields,
        "saved_log": sent[0].saved_log,
    }


def _propose(s: Script, command: object, expected: int) -> None:
    index = s.propose(command)
    expect(
        type(index) is int and index == expected,
        f"propose({command!r}) on the leader returned {index!r}, expected index {expected}",
    )


def _ship(s: Script) -> None:
    """Let one heartbeat interval pass so the leader sends what it has, then forget what it sent."""
    s.tick_until(s.now + s.heartbeat + TICK)
    s.take()


def plain_saved(s: Script) -> tuple:
    return plain_log(s.storage.log, "storage.log")


def _settle(s: Script) -> None:
    s.tick_until(s.now + TICK)


def _majority_index(n: int, leader_last: int, acks: dict[int, int]) -> int:
    stored = sorted([leader_last, *(acks.get(p, 0) for p in range(1, n))], reverse=True)
    return stored[n // 2]


# -- the leader counts ----------------------------------------------------------------------------------
def _commit_needs_a_majority(n: int) -> None:
    s = Script(n)
    term = s.elect()
    _propose(s, "x", 1)
    _ship(s)
    for acked, peer in enumerate(s.peers, start=1):
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=1))
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=1))  # a duplicate
        if acked < len(s.peers):
            s.deliver(AppendEntriesReply(s.peers[acked], 0, term, False, conflict_index=1))
        _settle(s)
        holders = acked + 1
        if 2 * holders <= n:
            expect(
                s.commit == 0,
                f"the leader committed index 1 when {holders} of {n} nodes (itself included) held it; a "
                "majority is more than half, duplicates and rejections do not count",
            )
            continue
        expect(s.commit == 1, f"the leader did not commit index 1 held by {holders} of {n} nodes")
        expect(s.applied == [(1, "x")], f"the leader applied {s.applied} after committing index 1")
        s.take()
        s.tick_until(s.now + s.heartbeat + TICK)
        beats = s.sends(AppendEntries)
        expect(
            bool(beats) and all(m["leader_commit"] == 1 for m in beats),
            "the leader's next AppendEntries did not carry leader_commit=1",
        )
        return
    expect(False, "the leader never committed although every follower acknowledged")


def _acks_of_an_older_term(n: int) -> None:
    storage = Storage()
    storage.save(1, None, ())
    s = Script(n, storage)
    term = s.elect()
    _propose(s, "x", 1)
    _ship(s)
    for peer in s.peers:
        s.deliver(AppendEntriesReply(peer, 0, term - 1, True, match_index=1))
    _settle(s)
    expect(
        s.commit == 0,
        f"a leader of term {term} committed on acknowledgements sent in term {term - 1}: only replies of the "
        "current term count",
    )
    for peer in s.peers[: n // 2]:
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=1))
    _settle(s)
    expect(s.commit == 1, "the leader did not commit after a majority acknowledged in its own term")


def _only_entries_of_its_own_term(n: int) -> None:
    storage = Storage()
    storage.save(2, None, entries((1, "a"), (2, "b")))
    s = Script(n, storage)
    term = s.elect()
    _ship(s)
    for peer in s.peers:
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=2))
    _settle(s)
    expect(
        s.commit == 0,
        f"a leader of term {term} committed index {s.commit}, an entry of an older term, by counting "
        "replicas (Figure 8): count only entries of the current term",
    )
    _propose(s, "c", 3)
    _settle(s)
    expect(
        s.commit == 0,
        f"once the leader of term {term} appended an entry of its own term it committed index {s.commit}, "
        "still an entry of an older term held by the others: check the term of the entry being committed",
    )
    _ship(s)
    for peer in s.peers[: n // 2]:
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=3))
    _settle(s)
    expect(
        s.commit == 3,
        f"after a majority held the entry of term {term} at index 3, commit_index is {s.commit}: "
        "committing it commits everything before it",
    )
    expect(s.applied == [(1, "a"), (2, "b"), (3, "c")], f"the leader applied {s.applied}")


def _highest_majority_index(n: int) -> None:
    s = Script(n)
    term = s.elect()
    for k in range(1, 5):
        _propose(s, f"c{k}", k)
    _ship(s)
    acks: dict[int, int] = {}
    for rank, peer in enumerate(s.peers):
        match = max(0, 3 - rank)
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=match))
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=max(0, match - 2)))  # a late reply
        s.deliver(RequestVoteReply(peer, 0, term, True))  # a late, duplicated vote: nothing to do
        _settle(s)
        acks[peer] = match
        want = _majority_index(n, 4, acks)
        got = s.commit
        expect(
            got == want,
            f"with {n} nodes holding up to {[4, *(acks.get(p, 0) for p in s.peers)]} (leader first) "
            f"commit_index is {got}; it should be {want}, the highest index a majority holds "
            "(each follower's highest acknowledged index counts)",
        )


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.critical("Commit Legitimacy: an entry commits only once a true majority of the cluster holds it")
@pytest.mark.hints(
    "The leader itself holds every entry; count it, then each follower's highest acknowledged match_index once.",
    "In a cluster of n, an index is committed when at least n // 2 + 1 nodes hold it. Try n = 4 on paper.",
    "Sort all n match indices from highest to lowest: the one at position n // 2 is held by a majority.",
)
def test_commit_needs_a_true_majority(partial_credit):
    """A leader commits an index once more than half the cluster holds it, counting each follower once."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, acknowledgements one by one", lambda n=n: _commit_needs_a_majority(n)),
            (f"{n} nodes, the highest index a majority holds", lambda n=n: _highest_majority_index(n)),
        ]
    run_cases(partial_credit, cases)


def _acks_of_an_earlier_leadership(n: int) -> None:
    s = Script(n)
    first = s.elect()
    for k, command in enumerate("abcd", start=1):
        _propose(s, command, k)
    _ship(s)
    early = s.peers[: n // 2 - 1]  # with the leader, exactly half or less: index 4 is not committed
    for peer in early:
        s.deliver(AppendEntriesReply(peer, 0, first, True, match_index=4))
    _settle(s)
    expect(s.commit == 0, f"the leader committed index {s.commit} held by {len(early) + 1} of {n} nodes")
    newer = s.peers[-1]  # the leader of the next term replaces entries 2-4 of the old one
    s.deliver(AppendEntries(newer, 0, first + 1, 1, first, entries((first + 1, "x")), 0))
    expect(
        s.role == "follower" and s.log == ((first, "a"), (first + 1, "x")),
        f"after AppendEntries of term {first + 1} replacing index 2, node 0 is {s.role} with log {s.log}",
    )
    s.take()
    term = s.elect()  # it times out, campaigns and wins again, two terms later
    _propose(s, "y", 3)
    _propose(s, "z", 4)
    _ship(s)
    s.deliver(AppendEntriesReply(s.peers[len(early)], 0, term, True, match_index=4))
    _settle(s)
    expect(
        s.commit == 0,
        f"re-elected in term {term}, the leader committed index {s.commit} with one acknowledgement of term "
        f"{term} out of {n} nodes: the followers' match indices of its term-{first} leadership counted "
        "again. Reset nextIndex and matchIndex every time a node becomes leader",
    )
    for peer in s.peers[len(early) + 1 :]:
        s.deliver(AppendEntriesReply(peer, 0, term, True, match_index=4))
    _settle(s)
    expect(s.commit == 4, f"after a majority acknowledged index 4 in term {term}, commit_index is {s.commit}")


@pytest.mark.points(4)
@pytest.mark.critical(
    "Leader Commit Rule: entries of older terms are never committed by counting replicas (Figure 8)"
)
@pytest.mark.hints(
    "An acknowledgement sent in an older term says nothing about the current leader's log.",
    "Count replicas only of an entry of your current term; committing it commits everything before it.",
)
def test_leader_commits_only_its_own_term(partial_credit):
    """Acknowledgements of older terms are ignored; entries of older terms commit only under a new one."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, acknowledgements of an older term", lambda n=n: _acks_of_an_older_term(n)),
            (f"{n} nodes, entries of older terms (Figure 8)", lambda n=n: _only_entries_of_its_own_term(n)),
        ]
        if n >= 4:  # a minority that acknowledged without committing needs two followers or more
            cases.append(
                (f"{n} nodes, acknowledgements of an earlier leadership", lambda n=n: _acks_of_an_earlier_leadership(n))
            )  # fmt: skip
    run_cases(partial_credit, cases)


# -- the leader backs up --------------------------------------------------------------------------------
BACKUPS = [  # follower's rejection of prev_log_index 4 (term 3) -> index the leader must try next
    ("a follower with term 2 from index 3", 2, 3, 3),
    ("a follower with term 1 from index 1", 1, 1, 3),
    ("a follower holding one entry", 0, 2, 2),
    ("a follower holding three entries", 0, 4, 4),
]


def _backs_up(n: int, conflict_term: int, conflict_index: int, next_index: int) -> None:
    storage = Storage()
    log = entries((1, "a"), (1, "b"), (3, "c"), (3, "d"))
    storage.save(3, None, log)
    s = Script(n, storage)
    term = s.elect()
    _propose(s, "e", 5)
    _ship(s)
    s.deliver(
        AppendEntriesReply(1, 0, term, False, conflict_index=conflict_index, conflict_term=conflict_term)
    )
    s.tick_until(s.now + s.heartbeat + TICK)
    sent = s.sends(AppendEntries, dst=1)
    expect(bool(sent), "the leader sent node 1 nothing within a heartbeat interval after its rejection")
    first = sent[0]
    full = ((1, "a"), (1, "b"), (3, "c"), (3, "d"), (term, "e"))
    prev = next_index - 1
    expect(
        first["prev_log_index"] == prev
        and first["prev_log_term"] == (full[prev - 1][0] if prev else 0)
        and first["entries"] == full[prev:],
        f"after the rejection (conflict_term={conflict_term}, conflict_index={conflict_index}) the leader "
        f"sent prev_log_index={first['prev_log_index']}, prev_log_term={first['prev_log_term']} with "
        f"{len(first['entries'])} entries; README §4.6: one past its last entry of conflict_term if it "
        "has that term, else conflict_index, and everything from there on",
    )


def _backs_up_past_a_one_entry_term(n: int) -> None:
    storage = Storage()
    log = entries((1, "a"), (2, "b"), (3, "c"), (3, "d"))  # term 2 is a single entry, after one of term 1
    storage.save(3, None, log)
    s = Script(n, storage)
    term = s.elect()
    _ship(s)
    s.deliver(AppendEntriesReply(1, 0, term, False, conflict_index=2, conflict_term=2))
    s.tick_until(s.now + s.heartbeat + TICK)
    sent = s.sends(AppendEntries, dst=1)
    expect(bool(sent), "the leader sent node 1 nothing within a heartbeat interval after its rejection")
    expect(
        (sent[0]["prev_log_index"], sent[0]["prev_log_term"], sent[0]["entries"])
        == (2, 2, ((3, "c"), (3, "d"))),
        f"leader log terms [1, 2, 3, 3], rejection conflict_term=2, conflict_index=2: the leader sent "
        f"prev_log_index={sent[0]['prev_log_index']}, prev_log_term={sent[0]['prev_log_term']} with "
        f"{len(sent[0]['entries'])} entries; its last entry of term 2 is index 2, so it must try index 3 "
        "(prev_log_index 2) next",
    )


def _stale_rejection_ignored(n: int) -> None:
    storage = Storage()
    storage.save(3, None, entries((1, "a"), (1, "b"), (3, "c"), (3, "d")))
    s = Script(n, storage)
    term = s.elect()
    _propose(s, "e", 5)
    _ship(s)
    s.deliver(AppendEntriesReply(1, 0, term - 1, False, conflict_index=1, conflict_term=0))
    s.tick_until(s.now + s.heartbeat + TICK)
    sent = s.sends(AppendEntries, dst=1)
    expect(bool(sent), "the leader stopped sending node 1 heartbeats")
    expect(
        sent[0]["prev_log_index"] >= 4,
        f"a rejection from term {term - 1} made the leader of term {term} back up to prev_log_index "
        f"{sent[0]['prev_log_index']}; replies of older terms are stale and ignored",
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "README 4.6 spells out the next index after a rejection; work through each case on paper.",
    "If your log has entries of conflict_term, try one past the last of them; otherwise conflict_index.",
    "A rejection from an older term is stale: it must not move nextIndex.",
)
def test_leader_backs_up_a_term_at_a_time(partial_credit):
    """On a rejection the leader retries from exactly the index README §4.6 prescribes; stale ones are ignored."""
    cases = []
    for n in (2, 3, 4, 5):
        for what, conflict_term, conflict_index, next_index in BACKUPS:
            cases.append(
                (
                    f"{n} nodes, {what}",
                    lambda n=n, t=conflict_term, c=conflict_index, x=next_index: _backs_up(n, t, c, x),
                )
            )
        cases.append((f"{n} nodes, a rejection of an older term", lambda n=n: _stale_rejection_ignored(n)))
        cases.append((f"{n} nodes, a term of one entry", lambda n=n: _backs_up_past_a_one_entry_term(n)))
    run_cases(partial_credit, cases)


# -- the follower's log ---------------------------------------------------------------------------------
def _follower(n: int, term: int, log: tuple) -> Script:
    storage = Storage()
    storage.save(term, None, log)
    s = Script(n, storage)
    s.start()
    return s


def _rejects_short_log(n: int) -> None:
    s = _follower(n, 1, entries((1, "a")))
    s.deliver(AppendEntries(1, 0, 1, 3, 1, entries((1, "d")), 0))
    r = _reply(s)
    expect(
        (r["success"], r["conflict_term"], r["conflict_index"]) == (False, 0, 2),
        f"a follower with 1 entry answered prev_log_index=3 with success={r['success']}, conflict_term="
        f"{r['conflict_term']}, conflict_index={r['conflict_index']}; expected False, 0, 2 (README §4.6)",
    )
    expect(s.log == ((1, "a"),), f"a rejected AppendEntries changed the log to {s.log}")


def _rejects_term_mismatch(n: int) -> None:
    s = _follower(n, 3, entries((1, "a"), (2, "b"), (2, "c"), (2, "d")))
    s.deliver(AppendEntries(1, 0, 3, 4, 3, entries((3, "e")), 4))
    r = _reply(s)
    expect(
        (r["success"], r["conflict_term"], r["conflict_index"]) == (False, 2, 2),
        f"a follower with terms [1, 2, 2, 2] answered prev (4, term 3) with success={r['success']}, "
        f"conflict_term={r['conflict_term']}, conflict_index={r['conflict_index']}; expected False, 2, 2",
    )
    expect(s.commit == 0, f"a rejected AppendEntries moved commit_index to {s.commit}")
    expect(
        s.log[:3] == ((1, "a"), (2, "b"), (2, "c")), f"a rejected AppendEntries changed the log to {s.log}"
    )


def _conflict_term_from_the_first_entry(n: int) -> None:
    s = _follower(n, 3, entries((2, "a"), (2, "b"), (2, "c")))
    s.deliver(AppendEntries(1, 0, 3, 3, 3, entries((3, "d")), 0))
    r = _reply(s)
    expect(
        (r["success"], r["conflict_term"], r["conflict_index"]) == (False, 2, 1),
        f"a follower with terms [2, 2, 2] answered prev (3, term 3) with success={r['success']}, "
        f"conflict_term={r['conflict_term']}, conflict_index={r['conflict_index']}; expected False, 2, 1: "
        "conflict_index is the first index holding conflict_term, here the very first entry",
    )


def _truncates_from_the_conflict(n: int) -> None:
    s = _follower(n, 2, entries((1, "a"), (1, "b"), (2, "c"), (2, "x")))
    s.deliver(AppendEntries(1, 0, 3, 1, 1, entries((1, "b"), (3, "d")), 0))
    r = _reply(s)
    want = ((1, "a"), (1, "b"), (3, "d"))
    expect(s.log == want, f"after a conflict at index 3 the log is {s.log}, expected {want}")
    expect(
        r["success"] is True and r["match_index"] == 3 and r["saved_log"] == want,
        f"the reply was success={r['success']}, match_index={r['match_index']}, sent with "
        f"{len(r['saved_log'])} entries saved; expected True, 3, and the new log saved before replying",
    )


def _same_command_newer_term(n: int) -> None:
    s = _follower(n, 2, entries((1, "a"), (2, "c")))
    s.deliver(AppendEntries(1, 0, 3, 1, 1, entries((3, "c")), 0))
    r = _reply(s)
    expect(
        s.log == ((1, "a"), (3, "c")) and r["success"] is True,
        f"a follower holding (term 2, 'c') at index 2 got (term 3, 'c') there and now holds {s.log}: "
        "entries conflict when their terms differ, whatever the commands (a client may retry a command)",
    )


def _late_duplicate_keeps_entries(n: int) -> None:
    log = entries((1, "a"), (1, "b"), (1, "c"))
    s = _follower(n, 1, log)
    s.deliver(AppendEntries(1, 0, 1, 0, 0, entries((1, "a")), 0))
    r = _reply(s)
    expect(
        s.log == ((1, "a"), (1, "b"), (1, "c")),
        f"a late AppendEntries carrying only entry 1 left the log {s.log}: delete only conflicting entries",
    )
    expect(
        r["success"] is True and r["match_index"] == 1,
        f"it answered success={r['success']}, match_index={r['match_index']}; the request verified only "
        "up to index 1 (prev_log_index + len(entries))",
    )


def _appends_and_reports(n: int) -> None:
    s = _follower(n, 0, ())
    s.deliver(AppendEntries(1, 0, 1, 0, 0, entries((1, "a"), (1, "b")), 0))
    first = _reply(s)
    s.deliver(AppendEntries(1, 0, 1, 2, 1, entries((1, "c")), 0))
    second = _reply(s)
    s.deliver(AppendEntries(1, 0, 1, 2, 1, (), 0))
    beat = _reply(s)
    expect(s.log == ((1, "a"), (1, "b"), (1, "c")), f"the follower's log is {s.log}")
    expect(
        [first["match_index"], second["match_index"], beat["match_index"]] == [2, 3, 2]
        and first["success"] is second["success"] is beat["success"] is True,
        f"successful replies reported match_index {first['match_index']}, {second['match_index']}, "
        f"{beat['match_index']}; expected 2, 3, 2 (prev_log_index + len(entries) of each request)",
    )
    expect(
        len(first["saved_log"]) == 2 and len(second["saved_log"]) == 3,
        "a reply acknowledged entries before they were saved",
    )


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Reject when the log lacks prev_log_index with prev_log_term, and say why with the conflict hints.",
    "Walk the new entries: delete from the first index whose term differs, then append what is missing.",
    "match_index is prev_log_index + len(entries) of this request, not the length of your log.",
)
def test_follower_log_rules(partial_credit):
    """The log check, conflict hints, truncation of conflicting entries only, and the reported match_index."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, log too short", lambda n=n: _rejects_short_log(n)),
            (f"{n} nodes, term mismatch at prev_log_index", lambda n=n: _rejects_term_mismatch(n)),
            (f"{n} nodes, conflicting suffix replaced", lambda n=n: _truncates_from_the_conflict(n)),
            (f"{n} nodes, same command in a newer term", lambda n=n: _same_command_newer_term(n)),
            (f"{n} nodes, late duplicate AppendEntries", lambda n=n: _late_duplicate_keeps_entries(n)),
            (
                f"{n} nodes, conflicting term from the first entry",
                lambda n=n: _conflict_term_from_the_first_entry(n),
            ),
            (f"{n} nodes, entries appended and acknowledged", lambda n=n: _appends_and_reports(n)),
        ]
    run_cases(partial_credit, cases)


# -- the follower's commit index ------------------------------------------------------------------------
def _commit_capped_by_new_entries(n: int) -> None:
    s = _follower(n, 0, ())
    s.deliver(AppendEntries(1, 0, 1, 0, 0, entries((1, "a"), (1, "b")), 5))
    expect(s.commit == 2, f"leader_commit 5 with 2 entries received gave commit_index {s.commit}, expected 2")
    expect(s.applied == [(1, "a"), (2, "b")], f"the follower applied {s.applied}")


def _commit_capped_by_verified_prefix(n: int) -> None:
    s = _follower(n, 1, entries((1, "a"), (1, "b"), (1, "c")))
    s.deliver(AppendEntries(1, 0, 2, 1, 1, (), 3))
    expect(
        s.commit == 1,
        f"a heartbeat verifying the log up to index 1 with leader_commit 3 gave commit_index {s.commit}; "
        "entries 2 and 3 are not known to match the leader's: min(leader_commit, index of last new entry)",
    )
    expect(s.applied == [(1, "a")], f"the follower applied {s.applied}")


def _commit_never_decreases(n: int) -> None:
    s = _follower(n, 0, ())
    s.deliver(AppendEntries(1, 0, 1, 0, 0, entries((1, "a"), (1, "b")), 2))
    _reply(s)
    expect(s.commit == 2, f"commit_index is {s.commit} after leader_commit 2")
    for late in (
        AppendEntries(1, 0, 1, 0, 0, entries((1, "a")), 1),
        AppendEntries(1, 0, 1, 0, 0, entries((1, "a")), 2),
        AppendEntries(1, 0, 1, 1, 1, (), 0),
        AppendEntries(1, 0, 1, 0, 0, entries((1, "a")), 3),  # leader_commit is higher, but it verifies only 1
    ):
        s.deliver(late)
        _reply(s)
        expect(
            s.commit == 2,
            f"a late AppendEntries (prev_log_index {late.prev_log_index}, {len(late.entries)} entries, "
            f"leader_commit {late.leader_commit}) moved commit_index from 2 to {s.commit}; it never goes down",
        )
    expect(s.applied == [(1, "a"), (2, "b")], f"the follower applied {s.applied} (each index exactly once)")


def _commit_from_heartbeats(n: int) -> None:
    s = _follower(n, 0, ())
    s.deliver(AppendEntries(1, 0, 1, 0, 0, entries((1, "a"), (1, "b")), 0))
    expect(s.commit == 0 and s.applied == [], f"leader_commit 0 gave commit_index {s.commit}")
    s.deliver(AppendEntries(1, 0, 1, 2, 1, (), 1))
    expect(s.commit == 1 and s.applied == [(1, "a")], f"leader_commit 1 gave commit_index {s.commit}")
    s.deliver(AppendEntries(1, 0, 1, 9, 1, (), 2))  # fails the log check: teaches nothing
    expect(s.commit == 1, f"a rejected AppendEntries moved commit_index to {s.commit}")
    s.deliver(AppendEntries(1, 0, 1, 2, 1, (), 2))
    expect(s.commit == 2, f"leader_commit 2 on a matching heartbeat gave commit_index {s.commit}")
    expect(s.applied == [(1, "a"), (2, "b")], f"the follower applied {s.applied}")


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Figure 2, AppendEntries rule 5: commitIndex = min(leaderCommit, index of last new entry).",
    "Entries after the ones this request verified may still be wrong: do not commit them.",
    "A late AppendEntries with a smaller leader_commit must not lower commit_index.",
)
def test_follower_commit_index(partial_credit):
    """A follower's commit_index is min(leader_commit, last entry verified), never goes down, applies once."""
    cases = []
    for n in EVEN_AND_ODD:
        cases += [
            (f"{n} nodes, capped by the entries received", lambda n=n: _commit_capped_by_new_entries(n)),
            (f"{n} nodes, capped by the verified prefix", lambda n=n: _commit_capped_by_verified_prefix(n)),
            (f"{n} nodes, late AppendEntries", lambda n=n: _commit_never_decreases(n)),
            (f"{n} nodes, learnt from heartbeats", lambda n=n: _commit_from_heartbeats(n)),
        ]
    run_cases(partial_credit, cases)


def _only_leaders_take_proposals(n: int) -> None:
    s = Script(n)
    s.start()
    answers = [s.propose("f")]
    s.campaign()
    answers.append(s.propose("c"))
    expect(
        answers == [None, None] and s.log == (),
        f"propose on a follower and on a candidate returned {answers} and left the log {s.log}; only a "
        "leader appends proposals, everyone else returns None",
    )
    term = s.term
    for peer in s.peers:
        s.deliver(RequestVoteReply(peer, 0, term, True))
    _propose(s, "l", 1)
    expect(s.log == ((term, "l"),), f"the leader's log after one proposal is {s.log}")
    expect(s.saved_term == term and plain_saved(s) == ((term, "l"),), "the proposal was not saved")


# -- heartbeats -------------------------------------------------------------------------------------------
def _heartbeats(n: int) -> None:
    s = Script(n)
    term = s.elect()
    elected = s.now
    s.tick_until(elected + 1000)
    for peer in s.peers:
        times = [m.time for m in s.sends(AppendEntries, dst=peer)]
        gaps = [b - a for a, b in zip([elected, *times], times, strict=False)]
        expect(
            bool(times) and times[0] - elected <= s.heartbeat + TICK and max(gaps) <= s.heartbeat + TICK,
            f"a new leader sent node {peer} AppendEntries at {[t - elected for t in times]} ms after its "
            f"election; the first within heartbeat_interval ({s.heartbeat} ms), then at least that often",
        )
        first = s.sends(AppendEntries, dst=peer)[0]
        expect(
            (
                first.term,
                first["prev_log_index"],
                first["prev_log_term"],
                first["entries"],
                first["leader_commit"],
            )
            == (term, 0, 0, (), 0),
            f"the first AppendEntries of a new leader with an empty log was term={first.term}, prev_log_index="
            f"{first['prev_log_index']}, prev_log_term={first['prev_log_term']}, "
            f"{len(first['entries'])} entries, leader_commit={first['leader_commit']}",
        )
    if s.role != "leader":
        raise Broken(f"a leader that got no replies at all became {s.role}: no CheckQuorum in this lab")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Send heartbeats right after winning: the others are still waiting for a leader.",
    "Each follower must hear from the leader at least every heartbeat_interval.",
)
def test_leader_heartbeats_and_proposals(partial_credit):
    """A new leader claims its term at once and keeps sending heartbeats; only a leader takes proposals."""
    cases = []
    for n in EVEN_AND_ODD:
        cases.append((f"{n} nodes, heartbeats", lambda n=n: _heartbeats(n)))
        cases.append((f"{n} nodes, proposals to non-leaders", lambda n=n: _only_leaders_take_proposals(n)))
    run_cases(partial_credit, cases)
