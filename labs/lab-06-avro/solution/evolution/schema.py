"""Parse and validate Avro schemas into a small tree of `Schema` nodes.

Named types are defined once and referenced by name, so the tree is really a graph: a reference to
a record (including a recursive one) is the *same* `Schema` object as its definition. Every error is
an `InvalidSchemaError` whose message starts with the JSON pointer of the offending node.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "enum", "fixed"})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT_RANGE = {"int": 2**31, "long": 2**63}


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
    if isinstance(schema, bytes | bytearray):
        schema = schema.decode("utf-8")
    if isinstance(schema, str) and schema.lstrip()[:1] in ("{", "[", '"'):
        try:
            return json.loads(schema)
        except json.JSONDecodeError as exc:
            raise InvalidSchemaError(f"/: not valid JSON ({exc})") from None
    return schema


def parse_schema(schema: Any) -> Schema:
    """Validate `schema` (dict, list, type name or JSON text) and return its root node."""
    return _Parser().parse(load_json(schema), "", "")


def canonical_json(schema: Any) -> str:
    """Stable text of a schema's JSON value (sorted keys, no spaces): equal text = identical schema."""
    return json.dumps(load_json(schema), sort_keys=True, separators=(",", ":"))


class _Parser:
    def __init__(self) -> None:
        self.named: dict[str, Schema] = {}

    def parse(self, node: Any, path: str, namespace: str) -> Schema:
        if isinstance(node, str):
            return self._reference(node, path, namespace)
        if isinstance(node, list):
            return self._union(node, path, namespace)
        if not isinstance(node, dict):
            raise InvalidSchemaError(f"{path or '/'}: a schema is a type name, an object or an array")
        kind = node.get("type")
        if not isinstance(kind, str):
            raise InvalidSchemaError(f"{path}/type: must be a type name string, got {kind!r}")
        if kind in PRIMITIVES:
            return Schema(kind, decimal=decimal_of(node, kind))
        if kind in ("array", "map"):
            key = "items" if kind == "array" else "values"
            if key not in node:
                raise InvalidSchemaError(f"{path or '/'}: an {kind} needs '{key}'")
            child = self.parse(node[key], f"{path}/{key}", namespace)
            return Schema(kind, **{key: child})
        if kind in NAMED:
            return self._named(node, kind, path, namespace)
        raise InvalidSchemaError(f"{path}/type: unknown type {kind!r}")

    def _reference(self, name: str, path: str, namespace: str) -> Schema:
        if name in PRIMITIVES:
            return Schema(name)
        candidates = [name] if "." in name else [f"{namespace}.{name}", name] if namespace else [name]
        for full in candidates:
            if full in self.named:
                return self.named[full]
        raise InvalidSchemaError(
            f"{path or '/'}: unknown type name {name!r} (named types must be defined first)"
        )

    def _union(self, node: list[Any], path: str, namespace: str) -> Schema:
        branches, seen = [], set()
        for k, item in enumerate(node):
            branch = self.parse(item, f"{path}/{k}", namespace)
            if branch.type == "union":
                raise InvalidSchemaError(f"{path}/{k}: a union may not directly contain another union")
            key = branch.name if branch.type in NAMED else branch.type
            if key in seen:
                raise InvalidSchemaError(f"{path}/{k}: the union already has a branch {key!r}")
            seen.add(key)
            branches.append(branch)
        return Schema("union", branches=branches)

    def _fullname(self, name: Any, namespace: Any, path: str) -> str:
        if not isinstance(name, str) or not isinstance(namespace, str):
            raise InvalidSchemaError(f"{path}: names and namespaces must be strings")
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        if not all(_NAME.fullmatch(part) for part in full.split(".")):
            raise InvalidSchemaError(f"{path}: {full!r} is not a valid Avro name")
        return full

    def _named(self, node: dict[str, Any], kind: str, path: str, namespace: str) -> Schema:
        if "name" not in node:
            raise InvalidSchemaError(f"{path or '/'}: a {kind} needs a 'name'")
        full = self._fullname(node["name"], node.get("namespace", namespace), f"{path}/name")
        if unqualified(full) in PRIMITIVES or full in self.named:
            raise InvalidSchemaError(f"{path}/name: the name {full!r} is already defined")
        inner = full.rpartition(".")[0]
        aliases = node.get("aliases", [])
        if not isinstance(aliases, list):
            raise InvalidSchemaError(f"{path}/aliases: must be a list of names")
        schema = Schema(kind, name=full)
        schema.aliases = tuple(self._fullname(a, inner, f"{path}/aliases") for a in aliases)
        self.named[full] = schema  # registered before the body: records may refer to themselves
        if kind == "fixed":
            size = node.get("size")
            if type(size) is not int or size < 0:
                raise InvalidSchemaError(f"{path}/size: a fixed size must be a non-negative integer")
            schema.size = size
            schema.decimal = decimal_of(node, kind, size)
        elif kind == "enum":
            self._enum(schema, node, path)
        else:
            self._record(schema, node, path, inner)
        return schema

    def _enum(self, schema: Schema, node: dict[str, Any], path: str) -> None:
        symbols = node.get("symbols")
        if not isinstance(symbols, list) or not all(
            isinstance(s, str) and _NAME.fullmatch(s) for s in symbols
        ):
            raise InvalidSchemaError(f"{path}/symbols: must be a list of valid names")
        if len(set(symbols)) != len(symbols):
            raise InvalidSchemaError(f"{path}/symbols: symbols must be unique")
        schema.symbols = tuple(symbols)
        if "default" in node:
            if node["default"] not in symbols:
                raise InvalidSchemaError(f"{path}/default: the enum default must be one of its symbols")
            schema.enum_default = node["default"]

    def _record(self, schema: Schema, node: dict[str, Any], path: str, namespace: str) -> None:
        fields = node.get("fields")
        if not isinstance(fields, list):
            raise InvalidSchemaError(f"{path or '/'}: a record needs a 'fields' list")
        for i, spec in enumerate(fields):
            where = f"{path}/fields/{i}"
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise InvalidSchemaError(f"{where}: a field is an object with a 'name' and a 'type'")
            name = spec["name"]
            if not _NAME.fullmatch(name) or any(f.name == name for f in schema.fields):
                raise InvalidSchemaError(f"{where}/name: {name!r} is not a valid, unique field name")
            if "type" not in spec:
                raise InvalidSchemaError(f"{where}: field {name!r} needs a 'type'")
            ftype = self.parse(spec["type"], f"{where}/type", namespace)
            aliases = spec.get("aliases", [])
            if not isinstance(aliases, list) or not all(
                isinstance(a, str) and _NAME.fullmatch(a) for a in aliases
            ):
                raise InvalidSchemaError(f"{where}/aliases: must be a list of valid names")
            has_default = "default" in spec
            if has_default and not is_valid_default(ftype, spec["default"]):
                raise InvalidSchemaError(
                    f"{where}/default: {spec['default']!r} is not a valid value of {ftype.describe()}"
                )
            schema.fields.append(Field(name, ftype, tuple(aliases), has_default, spec.get("default")))


def decimal_of(node: dict[str, Any], kind: str, size: int = 0) -> tuple[int, int] | None:
    """(precision, scale) when `node` is a *valid* `decimal` logical type, else None.

    Valid: `logicalType` is "decimal" on `bytes` or `fixed`, `precision` is an integer > 0, `scale`
    (default 0) an integer with 0 <= scale <= precision, and for a fixed of `size` bytes precision is
    at most floor(log10(2**(8*size - 1) - 1)). Anything else is not an error: as the specification
    says, an unknown or invalid logical type is ignored and the underlying type is used.
    """
    if node.get("logicalType") != "decimal" or kind not in ("bytes", "fixed"):
        return None
    precision, scale = node.get("precision"), node.get("scale", 0)
    if type(precision) is not int or type(scale) is not int or not 0 <= scale <= precision or precision < 1:
        return None
    if kind == "fixed" and precision > _max_fixed_digits(size):
        return None
    return precision, scale


def _max_fixed_digits(size: int) -> int:
    """Decimal digits a two's-complement number of `size` bytes always holds."""
    if size < 1:
        return 0
    return len(str(2 ** (8 * size - 1) - 1)) - 1


def is_valid_default(schema: Schema, value: Any) -> bool:
    """Whether a JSON default value fits `schema` (for a union: any branch, as in Avro 1.12)."""
    kind = schema.type
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in _INT_RANGE:
        return type(value) is int and -_INT_RANGE[kind] <= value < _INT_RANGE[kind]
    if kind in ("float", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("bytes", "string"):
        return isinstance(value, str)
    if kind == "fixed":
        return isinstance(value, str) and len(value) == schema.size
    if kind == "enum":
        return value in schema.symbols
    if kind == "array":
        return isinstance(value, list) and all(is_valid_default(schema.items, v) for v in value)  # type: ignore[arg-type]
    if kind == "map":
        return isinstance(value, dict) and all(is_valid_default(schema.values, v) for v in value.values())  # type: ignore[arg-type]
    if kind == "record":
        return isinstance(value, dict) and all(
            is_valid_default(f.type, value[f.name]) if f.name in value else f.has_default
            for f in schema.fields
        )
    return any(is_valid_default(b, value) for b in schema.branches)
