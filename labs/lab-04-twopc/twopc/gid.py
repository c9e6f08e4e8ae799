"""Global transaction ids: one per (transaction, participant), unique cluster-wide and traceable."""

from __future__ import annotations

PREFIX = "twopc"
MAX_GID_BYTES = 199  # PostgreSQL's limit: a gid must be shorter than 200 bytes


def make_gid(txid: str, participant: str) -> str:
    """The gid under which `participant` prepares its branch of transaction `txid`.

    The format is `twopc:<txid>:<participant>`. Both parts are restricted to safe characters (so the gid
    needs no quoting and parses back unambiguously); anything else raises `ValueError`.
    """
    raise NotImplementedError("make_gid: build the gid for (txid, participant); see README section 4.1")


def parse_gid(gid: str) -> tuple[str, str] | None:
    """`(txid, participant)` for a gid made by `make_gid`; None for any other gid (not ours: leave it)."""
    raise NotImplementedError("parse_gid: split a gid back into (txid, participant); see README section 4.1")
