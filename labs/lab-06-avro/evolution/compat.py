"""Avro schema resolution as a static check: can data written with `writer` be read with `reader`?

Locations are JSON pointers into the *reader's* schema, because that is the schema a fix goes into:
`/fields/1/type` is the type of the reader's second field, `/items` an array's items, `/values` a
map's values, `/2` the third branch of a union, `/name`, `/size`, `/symbols` the parts of a named
type that disagree, and `/precision`, `/scale` those of two `decimal` logical types. Writer unions add
nothing to the path: each writer branch is checked in place.

Logical types: two valid `decimal`s (on bytes, or on fixed) match only when their precisions and
scales are equal; every other logical type, and a decimal on one side only, is resolved by its
underlying type alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evolution.schema import Schema


@dataclass(frozen=True)
class Incompatibility:
    """One reason the reader cannot read the writer's data, at `location` in the reader's schema."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location or '/'}: {self.message}"


@dataclass(frozen=True)
class Result:
    """The outcome of `check`: compatible exactly when there are no incompatibilities."""

    incompatibilities: tuple[Incompatibility, ...] = ()

    @property
    def compatible(self) -> bool:
        return not self.incompatibilities


def check(reader: Any, writer: Any) -> Result:
    """Decide whether data written with `writer` can be read with `reader` (Avro schema resolution).

    Both schemas may be dicts/lists/type names or JSON text. Raises `InvalidSchemaError` if either
    is not a valid Avro schema. Every incompatibility found is reported, each once.
    """
    raise NotImplementedError("implement check: see the README, Part A (schemas and check)")


def same_name(reader: Schema, writer: Schema) -> bool:
    """Named types match by unqualified name, or when the reader lists the writer's name as an alias."""
    raise NotImplementedError("implement same_name: see the README, Part A (schemas and check)")


def matches(reader: Schema, writer: Schema) -> bool:
    """The specification's shallow "match", used to pick a reader union branch.

    Same kind (or a promotion), same name for named types, same size for fixed, the same precision
    and scale for two decimals; arrays and maps match when their items/values match. Record fields
    are *not* looked at here.
    """
    raise NotImplementedError("implement matches: see the README, Part A (schemas and check)")
