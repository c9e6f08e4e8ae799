"""Global transaction ids: one per (transaction, participant), unique cluster-wide and traceable."""

from __future__ import annotations

import re

PREFIX = "twopc"
MAX_GID_BYTES = 199  # PostgreSQL's limit: a gid must be shorter than 200 bytes

_TXID = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_PARTICIPANT = re.compile(r"[A-Za-z0-9_-]{1,60}")


def make_gid(txid: str, participant: str) -> str:
    """The gid under which `participant` prepares its branch of transaction `txid`.

    The format is `twopc:<txid>:<participant>`. Both parts are restricted to safe characters (so the gid
    needs no quoting and parses back unambiguously); anything else raises `ValueError`.
    """
    if not isinstance(txid, str) or not _TXID.fullmatch(txid):
        raise ValueError(f"txid must be 1-100 characters from [A-Za-z0-9_.-], got {txid!r}")
    if not isinstance(participant, str) or not _PARTICIPANT.fullmatch(participant):
        raise ValueError(f"participant name must be 1-60 characters from [A-Za-z0-9_-], got {participant!r}")
    gid = f"{PREFIX}:{txid}:{participant}"
    assert len(gid.encode()) <= MAX_GID_BYTES
    return gid


def parse_gid(gid: str) -> tuple[str, str] | None:
    """`(txid, participant)` for a gid made by `make_gid`; None for any other gid (not ours: leave it)."""
    prefix, _, rest = gid.partition(":")
    txid, _, participant = rest.rpartition(":")
    if prefix != PREFIX or not _TXID.fullmatch(txid) or not _PARTICIPANT.fullmatch(participant):
        return None
    return txid, participant
