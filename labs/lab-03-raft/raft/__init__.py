"""Raft: leader election, log replication and persistence, run inside a deterministic simulator.

`raft.node` is yours to write; `raft.messages` and `raft.sim` are given (see the lab README).
"""
