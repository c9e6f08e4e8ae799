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

from evolution.schema import NAMED, Schema, parse_schema, unqualified

# writer type -> reader types that can read it (the specification's promotions)
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}


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
    resolver = _Resolver()
    resolver.resolve(parse_schema(reader), parse_schema(writer), "")
    return Result(tuple(dict.fromkeys(resolver.problems)))


def same_name(reader: Schema, writer: Schema) -> bool:
    """Named types match by unqualified name, or when the reader lists the writer's name as an alias."""
    names = {unqualified(reader.name), *(unqualified(a) for a in reader.aliases)}
    return unqualified(writer.name) in names


def matches(reader: Schema, writer: Schema) -> bool:
    """The specification's shallow "match", used to pick a reader union branch.

    Same kind (or a promotion), same name for named types, same size for fixed, the same precision
    and scale for two decimals; arrays and maps match when their items/values match. Record fields
    are *not* looked at here.
    """
    if "union" in (reader.type, writer.type):
        return True
    if reader.decimal is not None and writer.decimal is not None and reader.decimal != writer.decimal:
        return False
    if reader.type != writer.type:
        return reader.type in PROMOTIONS.get(writer.type, ())
    if reader.type == "array":
        return matches(reader.items, writer.items)  # type: ignore[arg-type]
    if reader.type == "map":
        return matches(reader.values, writer.values)  # type: ignore[arg-type]
    if reader.type in NAMED:
        return same_name(reader, writer) and reader.size == writer.size
    return True


class _Resolver:
    def __init__(self) -> None:
        self.problems: list[Incompatibility] = []
        self.seen: set[tuple[int, int]] = set()  # named (reader, writer) pairs already compared

    def fail(self, location: str, message: str) -> None:
        self.problems.append(Incompatibility(location, message))

    def resolve(self, reader: Schema, writer: Schema, path: str) -> None:
        if writer.type == "union":  # every branch the writer may have used must be readable
            for branch in writer.branches:
                self.resolve(reader, branch, path)
        elif reader.type == "union":  # the first matching reader branch is used, and must resolve
            for k, branch in enumerate(reader.branches):
                if matches(branch, writer):
                    self.resolve(branch, writer, f"{path}/{k}")
                    return
            self.fail(
                path,
                f"no branch of the reader's {reader.describe()} matches the writer's {writer.describe()}",
            )
        elif reader.type != writer.type:
            if reader.type not in PROMOTIONS.get(writer.type, ()):
                self.fail(
                    path, f"the reader's {reader.describe()} cannot read the writer's {writer.describe()}"
                )
        elif reader.type == "array":
            self.resolve(reader.items, writer.items, f"{path}/items")  # type: ignore[arg-type]
        elif reader.type == "map":
            self.resolve(reader.values, writer.values, f"{path}/values")  # type: ignore[arg-type]
        elif reader.type in NAMED:
            self._named(reader, writer, path)
        elif reader.type == "bytes":
            self._decimal(reader, writer, path)

    def _decimal(self, reader: Schema, writer: Schema, path: str) -> None:
        """Two decimals match only with equal precision and scale (each difference reported once)."""
        if reader.decimal is None or writer.decimal is None:
            return
        for key, mine, theirs in zip(("precision", "scale"), reader.decimal, writer.decimal, strict=True):
            if mine != theirs:
                self.fail(
                    f"{path}/{key}", f"the reader's decimal has {key} {mine}, the writer's has {theirs}"
                )

    def _named(self, reader: Schema, writer: Schema, path: str) -> None:
        if not same_name(reader, writer):
            self.fail(
                f"{path}/name",
                f"the reader's {reader.describe()} does not match the writer's name {writer.name}",
            )
            return
        if (id(reader), id(writer)) in self.seen:  # recursion, or a pair already compared elsewhere
            return
        self.seen.add((id(reader), id(writer)))
        if reader.type == "fixed":
            if reader.size != writer.size:
                self.fail(
                    f"{path}/size",
                    f"fixed {reader.name} has size {reader.size}, the writer's has {writer.size}",
                )
            self._decimal(reader, writer, path)
        elif reader.type == "enum":
            missing = [s for s in writer.symbols if s not in reader.symbols]
            if missing and reader.enum_default is None:
                self.fail(
                    f"{path}/symbols",
                    f"enum {reader.name} lacks the writer's symbols {missing} and has no default",
                )
        elif reader.type == "record":
            written = {f.name: f for f in writer.fields}
            for i, field in enumerate(reader.fields):
                source = written.get(field.name) or next(
                    (written[a] for a in field.aliases if a in written), None
                )
                if source is not None:
                    self.resolve(field.type, source.type, f"{path}/fields/{i}/type")
                elif not field.has_default:
                    self.fail(
                        f"{path}/fields/{i}",
                        f"field {field.name!r} is missing from the writer and has no default",
                    )
