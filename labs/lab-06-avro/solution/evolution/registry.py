"""A durable schema registry: subjects with ordered versions, each subject with a compatibility mode."""

from __future__ import annotations

import json
import sqlite3
from enum import Enum
from pathlib import Path
from typing import Any

from evolution.compat import Incompatibility, check
from evolution.schema import canonical_json, parse_schema

DB_NAME = "registry.sqlite3"


class Mode(Enum):
    """Which earlier versions a new schema is checked against, and in which direction.

    BACKWARD: the new schema reads data written with the latest version. FORWARD: the latest version
    reads data written with the new schema. FULL: both. *_TRANSITIVE: against every earlier version,
    not just the latest. NONE: no check.
    """

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")

    @property
    def backward(self) -> bool:
        return self.value.startswith(("BACKWARD", "FULL"))

    @property
    def forward(self) -> bool:
        return self.value.startswith(("FORWARD", "FULL"))


class IncompatibleSchemaError(ValueError):
    """A schema was refused; `incompatibilities` lists why, as (version, Incompatibility) pairs.

    The version is the registered version the new schema conflicts with (None for a file migration).
    """

    def __init__(self, summary: str, incompatibilities: list[tuple[int | None, Incompatibility]]) -> None:
        self.incompatibilities = incompatibilities
        lines = [summary] + [
            f"  {'' if version is None else f'version {version}: '}{problem}"
            for version, problem in incompatibilities
        ]
        super().__init__("\n".join(lines))


class SchemaRegistry:
    """Schemas per subject, stored in one SQLite file (`path`, or `path/registry.sqlite3` for a folder).

    Every change is committed before the method returns, so a registry reopened on the same path sees
    it. Registration runs inside one write transaction, so concurrent registrations cannot both take
    the same version number.
    """

    def __init__(self, path: str | Path, default_mode: Mode = Mode.BACKWARD) -> None:
        path = Path(path)
        self.path = path / DB_NAME if path.is_dir() else path
        self.default_mode = Mode(default_mode)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS schemas (
                subject TEXT NOT NULL, version INTEGER NOT NULL, schema TEXT NOT NULL,
                PRIMARY KEY (subject, version));
            CREATE TABLE IF NOT EXISTS modes (subject TEXT PRIMARY KEY, mode TEXT NOT NULL);
            """
        )

    def close(self) -> None:
        """Close the database connection (everything is already committed)."""
        self._db.close()

    def __enter__(self) -> SchemaRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------------
    def subjects(self) -> list[str]:
        """All subjects with at least one version, sorted."""
        return [row[0] for row in self._db.execute("SELECT DISTINCT subject FROM schemas ORDER BY subject")]

    def versions(self, subject: str) -> list[int]:
        """The subject's version numbers in order (1, 2, ...); [] for an unknown subject."""
        rows = self._db.execute("SELECT version FROM schemas WHERE subject = ? ORDER BY version", (subject,))
        return [row[0] for row in rows]

    def get(self, subject: str, version: int) -> Any:
        """The schema (its JSON value) registered as `version` of `subject`; KeyError if there is none."""
        row = self._db.execute(
            "SELECT schema FROM schemas WHERE subject = ? AND version = ?", (subject, version)
        ).fetchone()
        if row is None:
            raise KeyError(f"subject {subject!r} has no version {version!r}")
        return json.loads(row[0])

    def latest(self, subject: str) -> tuple[int, Any]:
        """(version, schema) of the subject's newest version; KeyError for an unknown subject."""
        row = self._db.execute(
            "SELECT version, schema FROM schemas WHERE subject = ? ORDER BY version DESC LIMIT 1", (subject,)
        ).fetchone()
        if row is None:
            raise KeyError(f"unknown subject {subject!r}")
        return row[0], json.loads(row[1])

    def mode(self, subject: str) -> Mode:
        """The subject's compatibility mode (the registry's default unless set)."""
        row = self._db.execute("SELECT mode FROM modes WHERE subject = ?", (subject,)).fetchone()
        return Mode(row[0]) if row else self.default_mode

    def set_mode(self, subject: str, mode: Mode) -> None:
        """Set the subject's mode; it applies to the next registrations (existing versions stay)."""
        self._db.execute("INSERT OR REPLACE INTO modes VALUES (?, ?)", (subject, Mode(mode).value))

    # -- writing ------------------------------------------------------------------------------------
    def compatibility_problems(self, subject: str, schema: Any) -> list[tuple[int, Incompatibility]]:
        """Why `schema` could not be registered now under the subject's mode ([] if it could)."""
        mode = self.mode(subject)
        history = self._history(subject)
        if mode is Mode.NONE or not history:
            return []
        against = reversed(history) if mode.transitive else history[-1:]
        problems = []
        for version, old in against:
            if mode.backward:  # the new schema must read what the old one wrote
                problems += [(version, p) for p in check(reader=schema, writer=old).incompatibilities]
            if mode.forward:  # the old schema must read what the new one writes
                problems += [(version, p) for p in check(reader=old, writer=schema).incompatibilities]
        return problems

    def register(self, subject: str, schema: Any) -> int:
        """Add `schema` as the subject's next version and return its number.

        An identical schema (same JSON value) already registered under the subject returns that
        version unchanged. A subject that is not a non-empty string raises `ValueError` naming
        `subject`. An invalid schema raises `InvalidSchemaError`; one the subject's mode
        forbids raises `IncompatibleSchemaError` listing each conflicting version and location.
        """
        if not isinstance(subject, str) or not subject:
            raise ValueError(f"subject must be a non-empty string, got {subject!r}")
        parse_schema(schema)
        text = canonical_json(schema)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            history = self._history(subject)
            for version, old in history:
                if canonical_json(old) == text:
                    self._db.execute("COMMIT")
                    return version
            problems = self.compatibility_problems(subject, schema)
            if problems:
                raise IncompatibleSchemaError(
                    f"schema refused for subject {subject!r} under mode {self.mode(subject).value}:", problems
                )
            version = history[-1][0] + 1 if history else 1
            self._db.execute("INSERT INTO schemas VALUES (?, ?, ?)", (subject, version, text))
            self._db.execute("COMMIT")
            return version
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _history(self, subject: str) -> list[tuple[int, Any]]:
        rows = self._db.execute(
            "SELECT version, schema FROM schemas WHERE subject = ? ORDER BY version", (subject,)
        )
        return [(version, json.loads(text)) for version, text in rows]
