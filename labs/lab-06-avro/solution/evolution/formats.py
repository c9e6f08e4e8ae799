"""Encoded size and speed of the same records as JSON, Avro and Protobuf."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import fastavro
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

from evolution.schema import Schema, parse_schema

FDP = descriptor_pb2.FieldDescriptorProto
PROTO_PACKAGE = "evolution_compare"
PROTO_TYPES = {
    "boolean": FDP.TYPE_BOOL,
    "int": FDP.TYPE_SINT32,  # zigzag varints, like Avro's int and long
    "long": FDP.TYPE_SINT64,
    "float": FDP.TYPE_FLOAT,
    "double": FDP.TYPE_DOUBLE,
    "string": FDP.TYPE_STRING,
    "bytes": FDP.TYPE_BYTES,
}

# format -> (what happens when the writer adds a field, ... when the writer removes one)
EVOLUTION = {
    "json": (
        "old readers see an extra key and usually ignore it; nothing checks it",
        "readers find the key missing and must supply their own fallback; nothing declares one",
    ),
    "avro-schemaless": (
        "readers need the writer's exact schema from elsewhere; with it, resolution skips the new field",
        "the reader's schema must give the field a default, else resolution fails",
    ),
    "avro-container": (
        "the writer's schema is in the file header, so any reader resolves it and skips the new field",
        "the reader's schema must give the field a default, else resolution fails",
    ),
    "protobuf": (
        "old readers skip the unknown field number and keep it as an unknown field when re-serialising",
        "readers see the type's zero value (or 'not set' for optional); reserve the number, never reuse it",
    ),
}


@dataclass(frozen=True)
class FormatStats:
    """One row of `compare_formats`: total encoded size, best-of timings, and evolution behaviour."""

    format: str
    total_bytes: int
    bytes_per_record: float
    encode_seconds: float
    decode_seconds: float
    field_added: str
    field_removed: str


def compare_formats(
    records: Sequence[Mapping[str, Any]], schema: Any = None, *, repeat: int = 3
) -> list[FormatStats]:
    """Encode and decode `records` as JSON, Avro (schemaless and container) and Protobuf.

    `schema` is an Avro record schema for the records (inferred with `infer_schema` when omitted);
    the Protobuf message is built from it at run time. Sizes: JSON is one compact line per record
    (newline included), Avro schemaless is the concatenated record encodings, the container is the
    whole file (header, sync markers), Protobuf is each message with its varint length prefix.
    Times are the best of `repeat` runs. Returns one row per format, in that order.
    """
    records = list(records)
    if not records:
        raise ValueError("records: compare_formats needs at least one record")
    schema = infer_schema(records) if schema is None else schema
    parsed_avro = fastavro.parse_schema(schema)
    proto = _ProtoBuilder(parse_schema(schema))

    def json_encode() -> list[bytes]:
        return [json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records]

    def avro_encode() -> bytes:
        buf = io.BytesIO()
        for r in records:
            fastavro.schemaless_writer(buf, parsed_avro, r)
        return buf.getvalue()

    def avro_decode(data: bytes) -> list[Any]:
        buf = io.BytesIO(data)
        return [fastavro.schemaless_reader(buf, parsed_avro) for _ in records]

    def container_encode() -> bytes:
        buf = io.BytesIO()
        fastavro.writer(buf, parsed_avro, records)
        return buf.getvalue()

    def proto_encode() -> list[bytes]:
        return [proto.encode(r) for r in records]

    rows = []
    for name, encode, decode, size in (
        ("json", json_encode, lambda lines: [json.loads(line) for line in lines], lambda d: sum(map(len, d))),
        ("avro-schemaless", avro_encode, avro_decode, len),
        ("avro-container", container_encode, lambda d: list(fastavro.reader(io.BytesIO(d))), len),
        ("protobuf", proto_encode, lambda ms: [proto.decode(m) for m in ms], _framed_size),
    ):
        encode_seconds, data = _best(encode, repeat)
        decode_seconds, _ = _best(lambda data=data, decode=decode: decode(data), repeat)
        total = size(data)
        added, removed = EVOLUTION[name]
        rows.append(
            FormatStats(name, total, total / len(records), encode_seconds, decode_seconds, added, removed)
        )
    return rows


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _framed_size(messages: list[bytes]) -> int:
    return sum(len(m) + _varint_size(len(m)) for m in messages)


def _varint_size(n: int) -> int:
    return max(1, (n.bit_length() + 6) // 7)


def infer_schema(records: Sequence[Mapping[str, Any]], name: str = "Record") -> dict[str, Any]:
    """An Avro record schema for JSON-like records: bool→boolean, int→long, float→double, str→string,
    list→array, dict→nested record; a key that is sometimes missing or None becomes ["null", T]."""
    return _infer_record(list(records), name)


def _infer_record(rows: list[Mapping[str, Any]], name: str) -> dict[str, Any]:
    keys = list(dict.fromkeys(key for row in rows for key in row))
    fields = []
    for key in keys:
        ftype = _infer([row.get(key) for row in rows], name + key[:1].upper() + key[1:])
        fields.append({"name": key, "type": ftype, **({"default": None} if isinstance(ftype, list) else {})})
    return {"type": "record", "name": name, "fields": fields}


def _infer(values: list[Any], name: str) -> Any:
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if not kinds:
        return "null"
    if kinds == {bool}:
        kind: Any = "boolean"
    elif kinds == {int}:
        kind = "long"
    elif kinds <= {int, float}:
        kind = "double"
    elif kinds == {str}:
        kind = "string"
    elif kinds == {list}:
        kind = {"type": "array", "items": _infer([x for v in present for x in v], name + "Item")}
    elif all(issubclass(k, Mapping) for k in kinds):
        kind = _infer_record(present, name)
    else:
        raise ValueError(f"cannot infer one Avro type for {name!r} from {sorted(k.__name__ for k in kinds)}")
    return ["null", kind] if len(present) < len(values) else kind


class _ProtoBuilder:
    """A proto3 message per Avro record, built from a FileDescriptorProto at run time (no protoc).

    Field numbers follow the Avro field order (1, 2, ...); ["null", T] becomes `optional T`, arrays
    become `repeated`, nested records become nested messages, enums become proto enums.
    """

    def __init__(self, root: Schema) -> None:
        if root.type != "record":
            raise ValueError("compare_formats needs a record schema")
        self.file = descriptor_pb2.FileDescriptorProto(
            name=f"{PROTO_PACKAGE}.proto", package=PROTO_PACKAGE, syntax="proto3"
        )
        self.names: dict[str, str] = {}
        self.root = root
        pool = descriptor_pool.DescriptorPool()
        root_name = self._message(root)
        pool.Add(self.file)
        self.cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PROTO_PACKAGE}.{root_name}"))

    def encode(self, record: Mapping[str, Any]) -> bytes:
        msg = self.cls()
        _fill(msg, self.root, record)
        return msg.SerializeToString()

    def decode(self, data: bytes) -> Message:
        return self.cls.FromString(data)

    def _declare(self, schema: Schema) -> str:
        """Proto name of a record or enum, declaring it on first use."""
        if schema.name not in self.names:
            self.names[schema.name] = schema.name.replace(".", "_")
            if schema.type == "record":
                self._message(schema)
            else:
                prefix = self.names[schema.name]
                values = [{"name": f"{prefix}_{s}", "number": i} for i, s in enumerate(schema.symbols)]
                self.file.enum_type.add(name=prefix, value=values)
        return self.names[schema.name]

    def _message(self, record: Schema) -> str:
        name = self.names.setdefault(record.name, record.name.replace(".", "_"))
        msg = self.file.message_type.add(name=name)
        for number, field in enumerate(record.fields, 1):
            kind, optional = _strip_null(field.type)
            spec = msg.field.add(name=field.name, number=number, label=FDP.LABEL_OPTIONAL)
            if kind.type == "array":
                if optional:
                    raise ValueError(f"field {field.name!r}: an optional array has no Protobuf equivalent")
                spec.label, kind = FDP.LABEL_REPEATED, kind.items  # type: ignore[assignment]
            if optional:
                spec.proto3_optional, spec.oneof_index = True, len(msg.oneof_decl)
                msg.oneof_decl.add(name=f"_{field.name}")
            if kind.type in PROTO_TYPES:
                spec.type = PROTO_TYPES[kind.type]
            elif kind.type in ("record", "enum"):
                spec.type = FDP.TYPE_MESSAGE if kind.type == "record" else FDP.TYPE_ENUM
                spec.type_name = f".{PROTO_PACKAGE}.{self._declare(kind)}"
            else:
                raise ValueError(
                    f"field {field.name!r}: {kind.describe()} is not supported by compare_formats"
                )
        return name


def _strip_null(schema: Schema) -> tuple[Schema, bool]:
    if schema.type != "union":
        return schema, False
    others = [b for b in schema.branches if b.type != "null"]
    if len(others) != 1 or len(schema.branches) != 2:
        raise ValueError(f'only ["null", T] unions map to Protobuf, not {schema.describe()}')
    return others[0], True


def _fill(msg: Message, record: Schema, values: Mapping[str, Any]) -> None:
    for field in record.fields:
        value = values.get(field.name)
        if value is None:
            continue
        kind, _ = _strip_null(field.type)
        if kind.type == "array":
            target, items = getattr(msg, field.name), kind.items
            assert items is not None
            if items.type == "record":
                for item in value:
                    _fill(target.add(), items, item)
            else:
                target.extend(
                    items.symbols.index(v) for v in value
                ) if items.type == "enum" else target.extend(value)
        elif kind.type == "record":
            _fill(getattr(msg, field.name), kind, value)
        else:
            setattr(msg, field.name, kind.symbols.index(value) if kind.type == "enum" else value)
