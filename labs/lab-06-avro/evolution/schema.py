"""Parse and validate Avro schemas into a small tree of `Schema` nodes.

Named types are defined once and referenced by name, so the tree is really a graph: a reference to
a record (including a recursive one) is the *same* `Schema` object as its definition. Every error is
an `InvalidSchemaError` whose message starts with the JSON pointer of the offending node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "enum", "fixed"})


class InvalidSchemaError(ValueError):
    """The schema is not valid Avro; the message says where (a JSON pointer) and why."""


@dataclass(eq=False)
class Field:
    """One record field; `default` is meaningful only when `has_default`."""

    name: str
    type: Schema
    aliases: tuple[str, ...] = ()
    has_default: bool = False
    default: Any = None


@dataclass(eq=False)
class Schema:
    """One node: a primitive, a named type (record/enum/fixed), an array, a map or a union."""

    type: str
    name: str = ""  # full name of a named type
    aliases: tuple[str, ...] = ()  # full names of a named type's aliases
    fields: list[Field] = field(default_factory=list)
    symbols: tuple[str, ...] = ()
    enum_default: str | None = None
    size: int = 0
    items: Schema | None = None  # array
    values: Schema | None = None  # map
    branches: list[Schema] = field(default_factory=list)  # union
    decimal: tuple[int, int] | None = None  # (precision, scale) of a valid `decimal` logical type

    def describe(self) -> str:
        """A short human name: `int`, `record Person`, `array`, `union[null, string]`, `decimal(5,2)`."""
        if self.decimal is not None:
            precision, scale = self.decimal
            return f"decimal({precision},{scale}) on {self.type}{' ' + self.name if self.name else ''}"
        if self.type in NAMED:
            return f"{self.type} {self.name}"
        if self.type == "union":
            return "union[" + ", ".join(b.describe() for b in self.branches) + "]"
        return self.type


def unqualified(name: str) -> str:
    """The part of a full name after its last dot: `com.acme.User` -> `User`."""
    return name.rpartition(".")[2]


def load_json(schema: Any) -> Any:
    """Accept a schema as a Python value (dict, list, str) or as JSON text; return the JSON value."""
    raise NotImplementedError("implement load_json: see the README, Part A (schemas and check)")


def parse_schema(schema: Any) -> Schema:
    """Validate `schema` (dict, list, type name or JSON text) and return its root node."""
    raise NotImplementedError("implement parse_schema: see the README, Part A (schemas and check)")


def canonical_json(schema: Any) -> str:
    """Stable text of a schema's JSON value (sorted keys, no spaces): equal text = identical schema."""
    raise NotImplementedError("implement canonical_json: see the README, Part A (schemas and check)")


def decimal_of(node: dict[str, Any], kind: str, size: int = 0) -> tuple[int, int] | None:
    """(precision, scale) when `node` is a *valid* `decimal` logical type, else None.

    Valid: `logicalType` is "decimal" on `bytes` or `fixed`, `precision` is an integer > 0, `scale`
    (default 0) an integer with 0 <= scale <= precision, and for a fixed of `size` bytes precision is
    at most floor(log10(2**(8*size - 1) - 1)). Anything else is not an error: as the specification
    says, an unknown or invalid logical type is ignored and the underlying type is used.
    """
    raise NotImplementedError("implement decimal_of: see the README, Part A (logical types)")


def is_valid_default(schema: Schema, value: Any) -> bool:
    """Whether a JSON default value fits `schema` (for a union: any branch, as in Avro 1.12)."""
    raise NotImplementedError("implement is_valid_default: see the README, Part A (schemas and check)")
