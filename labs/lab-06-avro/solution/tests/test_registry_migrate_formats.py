"""Model tests for SchemaRegistry, migrate and compare_formats."""

from __future__ import annotations

import fastavro
import pytest
from evolution import (
    IncompatibleSchemaError,
    Mode,
    SchemaRegistry,
    compare_formats,
    infer_schema,
    migrate,
)


def rec(*fields):
    return {"type": "record", "name": "User", "fields": list(fields)}


A = {"name": "a", "type": "int"}


def test_registry_versions_modes_and_reopen(tmp_path):
    with SchemaRegistry(tmp_path) as reg:
        assert reg.register("u", rec(A)) == 1
        assert reg.register("u", rec(A, {"name": "b", "type": "int", "default": 0})) == 2
        assert reg.register("u", rec(A)) == 1  # identical to version 1
        with pytest.raises(IncompatibleSchemaError) as info:
            reg.register("u", rec(A, {"name": "c", "type": "int"}))
        assert "version 2" in str(info.value) and "/fields/1" in str(info.value)
        reg.set_mode("u", Mode.NONE)
        assert reg.register("u", rec({"name": "a", "type": "string"})) == 3
        with pytest.raises(ValueError):
            reg.register("", rec(A))
    with SchemaRegistry(tmp_path / "registry.sqlite3") as reg:
        assert reg.subjects() == ["u"] and reg.versions("u") == [1, 2, 3]
        assert reg.mode("u") is Mode.NONE and reg.latest("u")[0] == 3
        assert reg.get("u", 1) == rec(A)
        with pytest.raises(KeyError):
            reg.get("u", 7)
        with pytest.raises(KeyError):
            reg.latest("missing")


def test_the_non_transitive_trap(tmp_path):
    chain = [rec(A), rec(), rec({"name": "a", "type": "string", "default": ""})]
    with SchemaRegistry(tmp_path / "r.db", default_mode=Mode.BACKWARD_TRANSITIVE) as reg:
        reg.register("t", chain[0])
        reg.register("t", chain[1])
        assert reg.compatibility_problems("t", chain[2])[0][0] == 1
        with pytest.raises(IncompatibleSchemaError):
            reg.register("t", chain[2])
        reg.set_mode("t", Mode.BACKWARD)
        assert reg.register("t", chain[2]) == 3
        reg.set_mode("t", Mode.FULL_TRANSITIVE)
        assert Mode.FULL_TRANSITIVE.forward and Mode.FULL_TRANSITIVE.backward
        assert reg.compatibility_problems("t", chain[2]) != []


V1 = rec(A, {"name": "s", "type": "string"})
V2 = rec(
    {"name": "a", "type": "long"},
    {"name": "t", "type": "string", "aliases": ["s"]},
    {"name": "n", "type": "int", "default": 5},
)


def test_migrate_round_trip_and_refusal(tmp_path):
    src = tmp_path / "in.avro"
    with src.open("wb") as out:
        fastavro.writer(out, V1, ({"a": i, "s": str(i)} for i in range(100)), codec="deflate")
    assert migrate(src, tmp_path / "out.avro", V2) == 100
    with (tmp_path / "out.avro").open("rb") as fo:
        assert list(fastavro.reader(fo))[7] == {"a": 7, "t": "7", "n": 5}
    with pytest.raises(IncompatibleSchemaError):
        migrate(src, tmp_path / "bad.avro", rec({"name": "z", "type": "int"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.avro", "out.avro"]


def test_migrate_leaves_nothing_on_failure(tmp_path):
    src = tmp_path / "in.avro"
    with src.open("wb") as out:
        fastavro.writer(out, V1, ({"a": i, "s": "x" * 50} for i in range(2000)), sync_interval=1000)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2] + b"\x00" * (len(data) // 2))
    with pytest.raises(Exception):  # noqa: B017 - whatever fastavro raises for garbage
        migrate(src, tmp_path / "out.avro", V2)
    assert [p.name for p in tmp_path.iterdir()] == ["in.avro"]


RECORDS = [
    {
        "id": i,
        "name": f"user{i}",
        "score": i / 3,
        "ok": i % 2 == 0,
        "tags": ["a", "b"][: i % 3],
        "email": None if i % 4 else f"u{i}@x.org",
        "address": {"city": "Graz", "zip": 8000 + i},
        "history": [{"day": d} for d in range(i % 2)],
    }
    for i in range(200)
]


def test_compare_formats_rows():
    rows = compare_formats(RECORDS, repeat=1)
    assert [r.format for r in rows] == ["json", "avro-schemaless", "avro-container", "protobuf"]
    size = {r.format: r.total_bytes for r in rows}
    assert size["avro-schemaless"] < size["protobuf"] < size["json"]
    assert all(r.field_added and r.field_removed for r in rows)


def test_compare_formats_with_enums_and_unsupported_types():
    schema = {
        "type": "record",
        "name": "E",
        "fields": [
            {"name": "c", "type": {"type": "enum", "name": "C", "symbols": ["X", "Y"]}},
            {"name": "cs", "type": {"type": "array", "items": "C"}},
            {"name": "f", "type": "float"},
            {"name": "i", "type": "int"},
        ],
    }
    rows = compare_formats([{"c": "Y", "cs": ["X", "Y"], "f": 0.5, "i": -3}], schema)
    assert rows[3].total_bytes > 0
    for bad in (
        {"type": "record", "name": "M", "fields": [{"name": "m", "type": {"type": "map", "values": "int"}}]},
        {"type": "record", "name": "U", "fields": [{"name": "u", "type": ["int", "string"]}]},
        {
            "type": "record",
            "name": "O",
            "fields": [{"name": "o", "type": ["null", {"type": "array", "items": "int"}]}],
        },
    ):
        with pytest.raises(ValueError):
            compare_formats([{}], bad)
    with pytest.raises(ValueError):
        compare_formats([], schema)
    with pytest.raises(ValueError):
        compare_formats([{"m": {}}], "int")


def test_infer_schema():
    schema = infer_schema([{"a": 1, "b": [1.5], "c": None}, {"a": 2, "b": [2], "d": True}])
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types == {
        "a": "long",
        "b": {"type": "array", "items": "double"},
        "c": "null",
        "d": ["null", "boolean"],
    }
    with pytest.raises(ValueError):
        infer_schema([{"a": 1}, {"a": "x"}])


def test_registry_refuses_bad_subjects_and_lists_only_versioned(tmp_path):
    with SchemaRegistry(tmp_path / "r.sqlite3") as reg:
        for bad in ("", 3):
            with pytest.raises(ValueError, match="subject"):
                reg.register(bad, rec(A))
        reg.set_mode("only-mode", Mode.FULL)
        reg.register("s", rec(A))
        assert reg.subjects() == ["s"]


def test_transitive_names_the_conflicting_version(tmp_path):
    with SchemaRegistry(tmp_path / "r.sqlite3") as reg:
        reg.set_mode("s", Mode.NONE)
        for schema in (
            rec({"name": "a", "type": "string"}),
            rec({"name": "a", "type": "int"}),
            rec({"name": "a", "type": "string"}, {"name": "c", "type": "long", "default": 0}),
        ):
            reg.register("s", schema)
        reg.set_mode("s", Mode.BACKWARD_TRANSITIVE)
        new = rec({"name": "a", "type": "string"}, {"name": "d", "type": "int", "default": 1})
        assert {v for v, _ in reg.compatibility_problems("s", new)} == {2}
        reg.set_mode("s", Mode.FORWARD_TRANSITIVE)
        with pytest.raises(IncompatibleSchemaError, match="version 2"):
            reg.register("s", new)


def test_migrate_failure_keeps_an_existing_destination(tmp_path):
    src, dst = tmp_path / "in.avro", tmp_path / "out.avro"
    with src.open("wb") as out:
        fastavro.writer(out, V1, ({"a": i, "s": "x" * 50} for i in range(2000)), sync_interval=1000)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2] + b"\x00" * (len(data) // 2))
    dst.write_bytes(b"old contents")
    with pytest.raises(Exception):  # noqa: B017 - whatever fastavro raises for garbage
        migrate(src, dst, V2)
    assert dst.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.avro", "out.avro"]


def test_compare_formats_exact_sizes_and_empty_input():
    rows = {r.format: r for r in compare_formats(RECORDS[:20], repeat=1)}
    import io
    import json

    schema = infer_schema(RECORDS[:20])
    buf = io.BytesIO()
    fastavro.writer(buf, fastavro.parse_schema(schema), RECORDS[:20])
    assert rows["avro-container"].total_bytes == len(buf.getvalue())
    assert rows["json"].total_bytes == sum(
        len(json.dumps(r, separators=(",", ":")).encode()) + 1 for r in RECORDS[:20]
    )
    one = compare_formats([{"n": -1, "s": ""}], repeat=1)[3]
    assert one.total_bytes == 1 + 2  # a varint prefix, the key of n, zigzag(-1) = 1; s is empty
    with pytest.raises(ValueError, match="records"):
        compare_formats([], repeat=1)


def test_infer_schema_names_order_and_defaults():
    schema = infer_schema(
        [{"b": 1, "addr": {"city": "x"}, "lines": [{"q": 1}]}, {"a": 1.5, "b": 2.0}], name="Order"
    )
    assert schema == {
        "type": "record",
        "name": "Order",
        "fields": [
            {"name": "b", "type": "double"},
            {
                "name": "addr",
                "type": [
                    "null",
                    {"type": "record", "name": "OrderAddr", "fields": [{"name": "city", "type": "string"}]},
                ],
                "default": None,
            },
            {
                "name": "lines",
                "type": [
                    "null",
                    {
                        "type": "array",
                        "items": {
                            "type": "record",
                            "name": "OrderLinesItem",
                            "fields": [{"name": "q", "type": "long"}],
                        },
                    },
                ],
                "default": None,
            },
            {"name": "a", "type": ["null", "double"], "default": None},
        ],
    }
