"""A durable schema registry: subjects with ordered versions, each subject with a compatibility mode."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from evolution.compat import Incompatibility

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
        raise NotImplementedError(
            "implement SchemaRegistry.__init__: see the README, Part B (the schema registry)"
        )

    def close(self) -> None:
        """Close the database connection (everything is already committed)."""
        raise NotImplementedError(
            "implement SchemaRegistry.close: see the README, Part B (the schema registry)"
        )

    def __enter__(self) -> SchemaRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------------
    def subjects(self) -> list[str]:
        """All subjects with at least one version, sorted."""
        raise NotImplementedError(
            "implement SchemaRegistry.subjects: see the README, Part B (the schema registry)"
        )

    def versions(self, subject: str) -> list[int]:
        """The subject's version numbers in order (1, 2, ...); [] for an unknown subject."""
        raise NotImplementedError(
            "implement SchemaRegistry.versions: see the README, Part B (the schema registry)"
        )

    def get(self, subject: str, version: int) -> Any:
        """The schema (its JSON value) registered as `version` of `subject`; KeyError if there is none."""
        raise NotImplementedError(
            "implement SchemaRegistry.get: see the README, Part B (the schema registry)"
        )

    def latest(self, subject: str) -> tuple[int, Any]:
        """(version, schema) of the subject's newest version; KeyError for an unknown subject."""
        raise NotImplementedError(
            "implement SchemaRegistry.latest: see the README, Part B (the schema registry)"
        )

    def mode(self, subject: str) -> Mode:
        """The subject's compatibility mode (the registry's default unless set)."""
        raise NotImplementedError(
            "implement SchemaRegistry.mode: see the README, Part B (the schema registry)"
        )

    def set_mode(self, subject: str, mode: Mode) -> None:
        """Set the subject's mode; it applies to the next registrations (existing versions stay)."""
        raise NotImplementedError(
            "implement SchemaRegistry.set_mode: see the README, Part B (the schema registry)"
        )

    # -- writing ------------------------------------------------------------------------------------
    def compatibility_problems(self, subject: str, schema: Any) -> list[tuple[int, Incompatibility]]:
        """Why `schema` could not be registered now under the subject's mode ([] if it could)."""
        raise NotImplementedError(
            "implement SchemaRegistry.compatibility_problems: see the README, Part B (the schema registry)"
        )

    def register(self, subject: str, schema: Any) -> int:
        """Add `schema` as the subject's next version and return its number.

        An identical schema (same JSON value) already registered under the subject returns that
        version unchanged. A subject that is not a non-empty string raises `ValueError` naming
        `subject`. An invalid schema raises `InvalidSchemaError`; one the subject's mode
        forbids raises `IncompatibleSchemaError` listing each conflicting version and location.
        """
        raise NotImplementedError(
            "implement SchemaRegistry.register: see the README, Part B (the schema registry)"
        )
