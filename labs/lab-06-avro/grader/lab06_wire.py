"""The graders' own Protobuf wire-size arithmetic (proto3), written from the encoding rules.

Used to check `compare_formats`'s protobuf size exactly without asking the learner's message class:
keys are one varint (field number << 3 | wire type), sint32/sint64 are zigzag varints, doubles 8 bytes,
floats 4, booleans and enums varints, strings and bytes and messages length-delimited; proto3 leaves out
a field holding its zero value unless the field is `optional` (explicit presence), and packs repeated
numeric fields into one length-delimited run.
"""

from __future__ import annotations

from typing import Any


def varint_size(n: int) -> int:
    size = 1
    while n >= 0x80:
        n >>= 7
        size += 1
    return size


def zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def kind_of(schema: Any) -> tuple[Any, bool]:
    """(schema without the null branch, optional?) for a field type."""
    if isinstance(schema, list):
        others = [b for b in schema if b != "null"]
        return others[0], True
    return schema, False


def type_name(schema: Any) -> str:
    return schema if isinstance(schema, str) else schema["type"]


def scalar_payload(schema: Any, value: Any) -> int:
    """Bytes of one value without its key (wire size of the value itself)."""
    name = type_name(schema)
    if name in ("int", "long"):
        return varint_size(zigzag(int(value)) & (2**64 - 1))
    if name == "double":
        return 8
    if name == "float":
        return 4
    if name == "boolean":
        return 1
    if name == "enum":
        return varint_size(schema["symbols"].index(value))
    if name in ("string", "bytes"):
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return varint_size(len(data)) + len(data)
    if name == "record":
        inner = message_size(schema, value)
        return varint_size(inner) + inner
    raise ValueError(f"no wire size for {name}")


def is_zero(schema: Any, value: Any) -> bool:
    name = type_name(schema)
    if name == "enum":
        return schema["symbols"].index(value) == 0
    if name == "record":
        return False
    return value in (0, "", b"", False) and not (name == "double" and str(value) == "-0.0")


def message_size(record: dict[str, Any], values: dict[str, Any]) -> int:
    total = 0
    for number, field in enumerate(record["fields"], 1):
        value = values.get(field["name"])
        if value is None:
            continue
        kind, optional = kind_of(field["type"])
        key = varint_size(number << 3)
        if type_name(kind) == "array":
            items = kind["items"]
            if not value:
                continue
            if type_name(items) in ("int", "long", "double", "float", "boolean", "enum"):
                run = sum(scalar_payload(items, v) for v in value)
                total += key + varint_size(run) + run
            else:
                total += sum(key + scalar_payload(items, v) for v in value)
            continue
        if not optional and is_zero(kind, value):
            continue
        total += key + scalar_payload(kind, value)
    return total


def framed_stream_size(record: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    """Each message with its varint length prefix, summed."""
    return sum(varint_size(message_size(record, row)) + message_size(record, row) for row in rows)
