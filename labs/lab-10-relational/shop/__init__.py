"""Relational power: N+1 queries, window functions and indexing on PostgreSQL (lab-10)."""
