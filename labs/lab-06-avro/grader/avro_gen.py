"""Seeded generator of (reader, writer) Avro schema pairs plus records that exercise the writer fully.

The writer is a random record; the reader is a random evolution of it (types changed, promoted or
wrapped in unions, fields dropped, renamed with or without an alias, added with or without a default,
enum symbols and defaults changed, named types renamed with or without an alias, fixed sizes changed).
The records name every union branch explicitly (fastavro's `(type name, value)` notation) and cycle
through every union branch and enum symbol at every place in the schema, and arrays and maps are
never empty, so fastavro reaches every problem the data could hit. Names never clash in ways where
implementations may legitimately differ (an alias never names another field of the reader).
"""

from __future__ import annotations

import copy
import io
import random
from typing import Any

import fastavro

PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
NUMERIC = ["int", "long", "float", "double"]
SYMBOLS = ["A", "B", "C", "D", "E"]
NAMED = ("record", "enum", "fixed")


def kind(schema: Any) -> str:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    return schema["type"]


def branch_key(schema: Any) -> str:
    """What must be unique among a union's branches."""
    k = kind(schema)
    return schema["name"] if k in NAMED else k


def valid_union(branches: list[Any]) -> bool:
    keys = [branch_key(b) for b in branches]
    return len(keys) == len(set(keys)) and all(kind(b) != "union" for b in branches) and bool(branches)


class PairGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- writer ------------------------------------------------------------------------------------
    def writer_type(self, depth: int, allow_union: bool = True) -> Any:
        r = self.rng.random()
        if depth <= 0 or r < 0.45:
            return self.rng.choice(PRIMS)
        r = self.rng.random()
        if r < 0.17:
            return {"type": "enum", "name": self.fresh("E"), "symbols": SYMBOLS[: self.rng.randint(1, 4)]}
        if r < 0.29:
            return {"type": "fixed", "name": self.fresh("F"), "size": self.rng.randint(1, 4)}
        if r < 0.44:
            return {"type": "array", "items": self.writer_type(depth - 1)}
        if r < 0.56:
            return {"type": "map", "values": self.writer_type(depth - 1)}
        if r < 0.78 and allow_union:
            return self.union(depth)
        return self.record(depth - 1, self.rng.randint(1, 3))

    def union(self, depth: int) -> list[Any]:
        while True:
            n = self.rng.randint(2, 3)
            branches = [self.writer_type(depth - 1, allow_union=False) for _ in range(n)]
            if self.rng.random() < 0.5:
                branches[0] = "null"
            if valid_union(branches):
                return branches

    def record(self, depth: int, nfields: int, name: str | None = None) -> dict[str, Any]:
        fields = [{"name": f"f{i}", "type": self.writer_type(depth)} for i in range(nfields)]
        return {"type": "record", "name": name or self.fresh("R"), "fields": fields}

    # -- reader ------------------------------------------------------------------------------------
    def evolve(self, schema: Any, depth: int) -> Any:
        """A reader type for data of writer type `schema` (often compatible, sometimes not)."""
        r = self.rng.random()
        k = kind(schema)
        if r < 0.08:  # something unrelated
            return self.writer_type(depth)
        if r < 0.18 and k != "union":  # wrap in a reader union
            other = self.writer_type(0)
            branches = (
                [other, self.evolve(schema, depth)]
                if self.rng.random() < 0.5
                else [self.evolve(schema, depth), other]
            )
            if self.rng.random() < 0.4:
                branches.insert(0, "null")
            return branches if valid_union(branches) else self.evolve(schema, depth)
        if k in PRIMS:
            if self.rng.random() < 0.35:
                return self.rng.choice(PRIMS if self.rng.random() < 0.4 else [*NUMERIC, "string", "bytes"])
            return k
        if k == "union":
            return self.evolve_union(schema, depth)
        if k == "array":
            return {"type": "array", "items": self.evolve(schema["items"], depth - 1)}
        if k == "map":
            return {"type": "map", "values": self.evolve(schema["values"], depth - 1)}
        if k == "enum":
            out = {"type": "enum", "name": self.rename(schema), "symbols": list(schema["symbols"])}
            self.aliases(schema, out)
            if self.rng.random() < 0.4:
                keep = self.rng.randint(1, len(out["symbols"]))
                out["symbols"] = self.rng.sample(out["symbols"], keep)
            if self.rng.random() < 0.3:
                out["symbols"] = out["symbols"] + [s for s in SYMBOLS if s not in out["symbols"]][:1]
            if self.rng.random() < 0.35:
                out["default"] = self.rng.choice(out["symbols"])
            return out
        if k == "fixed":
            out = {"type": "fixed", "name": self.rename(schema), "size": schema["size"]}
            self.aliases(schema, out)
            if self.rng.random() < 0.25:
                out["size"] = schema["size"] + self.rng.choice([-1, 1])
            return out
        return self.evolve_record(schema, depth)

    def rename(self, schema: dict[str, Any]) -> str:
        r = self.rng.random()
        if r < 0.12:
            return self.fresh("X")  # renamed: incompatible unless an alias says otherwise
        return schema["name"]

    def aliases(self, writer: dict[str, Any], reader: dict[str, Any]) -> None:
        if reader["name"] != writer["name"] and self.rng.random() < 0.6:
            reader["aliases"] = [writer["name"]]

    def evolve_union(self, branches: list[Any], depth: int) -> Any:
        r = self.rng.random()
        if r < 0.2:  # reader keeps a single branch
            return self.evolve(self.rng.choice(branches), depth)
        out = [self.evolve(b, depth) if self.rng.random() < 0.4 else copy.deepcopy(b) for b in branches]
        if self.rng.random() < 0.3 and len(out) > 1:
            out.pop(self.rng.randrange(len(out)))
        if self.rng.random() < 0.3:
            out.insert(self.rng.randint(0, len(out)), self.writer_type(0))
        if self.rng.random() < 0.4:
            self.rng.shuffle(out)
        out = [b for b in out if kind(b) != "union"]
        return out if valid_union(out) else copy.deepcopy(branches)

    def evolve_record(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "record", "name": self.rename(schema), "fields": []}
        self.aliases(schema, out)
        for field in schema["fields"]:
            r = self.rng.random()
            if r < 0.12:
                continue  # dropped by the reader
            ftype = (
                self.evolve(field["type"], depth - 1)
                if self.rng.random() < 0.5
                else copy.deepcopy(field["type"])
            )
            new: dict[str, Any] = {"name": field["name"], "type": ftype}
            if r < 0.24:  # renamed, with an alias back most of the time
                new["name"] = self.fresh("n")
                if self.rng.random() < 0.7:
                    new["aliases"] = [field["name"]]
            if self.rng.random() < 0.15:
                new["default"] = default_value(ftype)
            out["fields"].append(new)
        for _ in range(self.rng.choice([0, 0, 0, 1, 1, 2])):
            ftype = self.writer_type(max(depth - 1, 0))
            new = {"name": self.fresh("g"), "type": ftype}
            if self.rng.random() < 0.6:
                new["default"] = default_value(ftype)
            out["fields"].append(new)
        self.rng.shuffle(out["fields"])
        return out


def default_value(schema: Any) -> Any:
    """A valid JSON default for `schema` (for a union, its first branch)."""
    k = kind(schema)
    simple = {
        "null": None,
        "boolean": True,
        "int": 1,
        "long": 2,
        "float": 0.5,
        "double": 0.25,
        "bytes": "b",
        "string": "s",
    }
    if k in simple:
        return simple[k]
    if k == "enum":
        return schema["symbols"][0]
    if k == "fixed":
        return "x" * schema["size"]
    if k == "array":
        return []
    if k == "map":
        return {}
    if k == "union":
        return default_value(schema[0])
    return {fl["name"]: default_value(fl["type"]) for fl in schema["fields"]}


class Values:
    """Values for a writer schema that visit every union branch and enum symbol at every node."""

    def __init__(self) -> None:
        self.turn: dict[int, int] = {}
        self.todo: dict[int, int] = {}

    def _next(self, node: Any, n: int) -> int:
        t = self.turn.get(id(node), 0)
        self.turn[id(node)] = t + 1
        self.todo[id(node)] = max(n - t - 1, 0)
        return t % n

    def done(self) -> bool:
        return not any(self.todo.values())

    def value(self, schema: Any, i: int) -> Any:
        k = kind(schema)
        if k == "null":
            return None
        if k == "boolean":
            return i % 2 == 0
        if k in ("int", "long"):
            return i * 7 - 3
        if k in ("float", "double"):
            return i + 0.5
        if k == "bytes":
            return f"b{i}".encode()
        if k == "string":
            return f"s{i}"
        if k == "enum":
            return schema["symbols"][self._next(schema, len(schema["symbols"]))]
        if k == "fixed":
            return bytes([65 + i % 26]) * schema["size"]
        if k == "array":
            return [self.value(schema["items"], i + j) for j in range(2)]
        if k == "map":
            return {f"k{j}": self.value(schema["values"], i + j) for j in range(2)}
        if k == "union":
            b = schema[self._next(schema, len(schema))]
            return (branch_key(b), self.value(b, i))
        return {fl["name"]: self.value(fl["type"], i + n) for n, fl in enumerate(schema["fields"])}


def records_for(writer: dict[str, Any], limit: int = 40) -> list[Any]:
    values = Values()
    out = [values.value(writer, 0)]
    while not values.done() and len(out) < limit:
        out.append(values.value(writer, len(out)))
    return out


def make_pair(seed: int) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """(reader, writer, records) for one seed; the top-level names always match."""
    gen = PairGenerator(seed)
    writer = gen.record(depth=2, nfields=gen.rng.randint(1, 4), name="Top")
    reader = gen.evolve_record(writer, depth=2)
    reader["name"] = "Top"
    reader.pop("aliases", None)
    return reader, writer, records_for(writer)


def fastavro_reads(reader: Any, writer: Any, records: list[Any]) -> bool:
    """Whether fastavro reads every record written with `writer` using `reader` without error."""
    buf = io.BytesIO()
    parsed_writer = fastavro.parse_schema(copy.deepcopy(writer))
    for record in records:
        fastavro.schemaless_writer(buf, parsed_writer, record)
    buf.seek(0)
    try:
        for _ in records:
            fastavro.schemaless_reader(buf, copy.deepcopy(writer), copy.deepcopy(reader))
    except Exception:
        return False
    return True
