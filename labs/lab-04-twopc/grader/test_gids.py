"""Global transaction ids: make_gid and parse_gid (part A)."""

from __future__ import annotations

import pytest
from twopc import make_gid, parse_gid

pytestmark = [pytest.mark.part("A")]


def _made_gids() -> list[object]:
    return [
        make_gid(txid, name)
        for txid, name in (("t1", "alpha"), ("t1", "beta"), ("t2", "alpha"), ("t-1.x_y", "gamma"),
                           ("x" * 100, "p" * 60), ("T.9", "B_2-c"))
    ]  # fmt: skip


def _expected_pairs() -> list[tuple[str, str]]:
    return [("t1", "alpha"), ("t1", "beta"), ("t2", "alpha"), ("t-1.x_y", "gamma"), ("x" * 100, "p" * 60),
            ("T.9", "B_2-c")]  # fmt: skip


def _plain(parsed: object) -> tuple[str, ...] | None:
    """parse_gid's answer as a tuple of real strs (None stays None; anything else is marked)."""
    if parsed is None:
        return None
    parts = tuple(parsed)  # type: ignore[arg-type]
    if not all(type(part) is str for part in parts):
        return ("<not plain str>",)
    return tuple(str.__str__(part) for part in parts)


def _value_error(call, *args) -> str | None:
    """The message of the ValueError that call(*args) raises; None if it raises nothing or something else."""
    try:
        call(*args)
    except ValueError as exc:
        return str(exc)
    except Exception:
        return None
    return None


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A gid has three parts joined by ':' — a fixed prefix, the txid and the participant name.",
    "Splitting back must be unambiguous: the txid may contain '.', '-' and '_' but never ':'.",
)
def test_gids_are_unique_short_and_traceable(partial_credit):
    """make_gid gives unique str gids under 200 bytes that parse_gid maps back to (txid, participant)."""
    partial_credit.total = 3
    gids = _made_gids()
    plain = [str.__str__(g) if type(g) is str else None for g in gids]
    partial_credit.check(
        None not in plain and all(len(g.encode()) < 200 for g in plain if g is not None),
        "every gid must be a str shorter than 200 bytes (PostgreSQL's limit), even for a 100-character txid",
    )
    partial_credit.check(
        None not in plain and len(set(plain)) == len(plain),
        "make_gid must give a different gid for each (txid, participant)",
    )
    parsed = [_plain(parse_gid(g)) for g in gids]
    partial_credit.check(
        parsed == _expected_pairs(), "parse_gid(make_gid(txid, name)) must give back (txid, name) as strs"
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Only gids your own make_gid could have produced belong to you; everything else must be left alone.",
    "Check the prefix, and check both parts against the same rules make_gid enforces.",
)
def test_parse_gid_rejects_foreign_gids():
    """parse_gid returns None for every gid make_gid could not have produced."""
    foreign = ["inventory-42", "", "other:t1:alpha", "twopc:t1:", "twopc::alpha", "twopc:t1", "TWOPC:t1:alpha",
               "twopc:it's:alpha", "twopc:t1:al.pha", "twopc:" + "x" * 101 + ":alpha", "twopc:t1:" + "p" * 61,
               "twopc:a:b:c", " twopc:t1:alpha"]  # fmt: skip
    accepted = [gid for gid in foreign if parse_gid(gid) is not None]
    assert not accepted, f"parse_gid must return None for gids make_gid cannot produce; it parsed {accepted}"


@pytest.mark.points(1)
@pytest.mark.hints(
    "Both arguments have limits on their length and on the characters they may contain.",
    "Test the boundaries: 100 characters is a valid txid, 101 is not; 60 for a participant, 61 not.",
    "A ValueError must also come for a value that is not a str at all, and its message names the argument.",
)
def test_make_gid_validates_its_arguments(partial_credit):
    """make_gid raises ValueError, naming the argument, for every txid or participant outside the rules."""
    partial_credit.total = 2
    bad_txids = ["", "x" * 101, "it's", "a:b", "a b", "t\n", 5, None]
    bad_names = ["", "p" * 61, "al.pha", "al:pha", "al pha", "é", "alpha\n", 7]
    txid_errors = [_value_error(make_gid, txid, "alpha") for txid in bad_txids]
    name_errors = [_value_error(make_gid, "t1", name) for name in bad_names]
    missed = [repr(t) for t, error in zip(bad_txids, txid_errors, strict=True) if error is None]
    missed += [f"participant {n!r}" for n, error in zip(bad_names, name_errors, strict=True) if error is None]
    partial_credit.check(not missed, f"make_gid must raise ValueError for txid/participant {missed}")
    vague = [e for e in txid_errors if e is not None and "txid" not in e]
    vague += [e for e in name_errors if e is not None and "participant" not in e]
    partial_credit.check(
        not missed and not vague,
        "a ValueError from make_gid must name the argument that is wrong ('txid' or 'participant'); "
        f"got {vague[:2]}",
    )
