"""Model tests for schema parsing and `check`."""

from __future__ import annotations

import json
import random

import fastavro
import pytest
from evolution import InvalidSchemaError, check
from evolution.schema import canonical_json, parse_schema

PERSON = {"type": "record", "name": "Person", "fields": [{"name": "id", "type": "int"}]}


def locations(reader, writer):
    return [p.location for p in check(reader, writer).incompatibilities]


@pytest.mark.parametrize(
    ("reader", "writer", "expected"),
    [
        ("long", "int", []),
        ("int", "long", [""]),
        ("bytes", "string", []),
        (["null", "long"], "int", []),
        (["null", "string"], "int", [""]),
        ("string", ["null", "string"], [""]),
        ({"type": "array", "items": "string"}, {"type": "array", "items": "int"}, ["/items"]),
        ({"type": "map", "values": "long"}, {"type": "map", "values": "int"}, []),
        ({"type": "fixed", "name": "F", "size": 4}, {"type": "fixed", "name": "F", "size": 8}, ["/size"]),
        ({"type": "fixed", "name": "G", "size": 4}, {"type": "fixed", "name": "F", "size": 4}, ["/name"]),
        (
            {"type": "enum", "name": "E", "symbols": ["A"]},
            {"type": "enum", "name": "E", "symbols": ["A", "B"]},
            ["/symbols"],
        ),
        (
            {"type": "enum", "name": "E", "symbols": ["A"], "default": "A"},
            {"type": "enum", "name": "E", "symbols": ["A", "B"]},
            [],
        ),
        (["null", {"type": "map", "values": "long"}], {"type": "map", "values": "int"}, []),
        (
            ["null", {"type": "fixed", "name": "F", "size": 2}],
            {"type": "fixed", "name": "F", "size": 3},
            [""],
        ),
    ],
)
def test_resolution_rules(reader, writer, expected):
    assert locations(reader, writer) == expected


def test_records_fields_aliases_and_defaults():
    reader = {
        "type": "record",
        "name": "Human",
        "aliases": ["Person"],
        "fields": [
            {"name": "key", "type": "long", "aliases": ["id"]},
            {"name": "nick", "type": ["null", "string"], "default": None},
            {"name": "age", "type": "int"},
        ],
    }
    result = check(reader, PERSON)
    assert not result.compatible
    assert [p.location for p in result.incompatibilities] == ["/fields/2"]
    assert "age" in str(result.incompatibilities[0])


def test_recursive_and_referenced_named_types():
    node = {
        "type": "record",
        "name": "Node",
        "namespace": "a.b",
        "fields": [{"name": "v", "type": "int"}, {"name": "next", "type": ["null", "Node"]}],
    }
    assert check(node, node).compatible
    twice = {
        "type": "record",
        "name": "R",
        "fields": [
            {"name": "x", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
            {"name": "y", "type": "E"},
        ],
    }
    wider = json.loads(json.dumps(twice).replace('["A"]', '["A", "B"]'))
    assert locations(twice, wider) == ["/fields/0/type/symbols"]


@pytest.mark.parametrize(
    "bad",
    [
        '{"type": ',
        42,
        "Nope",
        {"type": 3},
        {"type": "array"},
        {"type": "wat"},
        {"type": "record", "fields": []},
        {"type": "record", "name": "R"},
        {"type": "record", "name": "int", "fields": []},
        {"type": "record", "name": "R", "namespace": 5, "fields": []},
        {"type": "record", "name": "R", "fields": [], "aliases": "x"},
        {"type": "record", "name": "R", "fields": [{"type": "int"}]},
        {"type": "record", "name": "R", "fields": [{"name": "a"}]},
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "aliases": [1]}]},
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": 2**40}]},
        {"type": "fixed", "name": "F", "size": True},
        {"type": "enum", "name": "E", "symbols": ["A", "A"]},
        {"type": "enum", "name": "E", "symbols": ["1"]},
        {"type": "enum", "name": "E", "symbols": ["A"], "default": "B"},
        ["int", ["string"]],
        [{"type": "enum", "name": "E", "symbols": ["A"]}, "E"],
    ],
)
def test_invalid_schemas_raise(bad):
    with pytest.raises(InvalidSchemaError):
        check(bad, "int")


def test_defaults_of_every_type_are_validated():
    types_and_defaults = [
        ("null", None),
        ("boolean", True),
        ("float", 1),
        ("bytes", "\u00ff"),
        ({"type": "fixed", "name": "F", "size": 2}, "ab"),
        ({"type": "array", "items": "int"}, [1, 2]),
        ({"type": "map", "values": "string"}, {"k": "v"}),
        (
            {
                "type": "record",
                "name": "S",
                "fields": [{"name": "a", "type": "int", "default": 1}, {"name": "b", "type": "int"}],
            },
            {"b": 2},
        ),
        (["null", "string"], "later branches are fine since Avro 1.12"),
    ]
    for i, (ftype, default) in enumerate(types_and_defaults):
        parse_schema(
            {"type": "record", "name": f"R{i}", "fields": [{"name": "a", "type": ftype, "default": default}]}
        )
    with pytest.raises(InvalidSchemaError):
        parse_schema(
            {
                "type": "record",
                "name": "R",
                "fields": [
                    {
                        "name": "a",
                        "type": {"type": "record", "name": "S", "fields": [{"name": "b", "type": "int"}]},
                        "default": {},
                    }
                ],
            }
        )


def test_json_text_and_bytes_inputs():
    assert check(json.dumps(PERSON).encode(), json.dumps(PERSON)).compatible
    assert canonical_json('{"b": 1, "a": 2}') == canonical_json({"a": 2, "b": 1})


def test_agrees_with_fastavro_on_simple_evolutions():
    rng = random.Random(4)
    prims = ["int", "long", "float", "double", "string", "bytes", "boolean"]
    values = {
        "int": 3,
        "long": 4,
        "float": 0.5,
        "double": 0.25,
        "string": "s",
        "bytes": b"b",
        "boolean": True,
    }
    for _ in range(200):
        w, r = rng.choice(prims), rng.choice(prims)
        writer = {"type": "record", "name": "R", "fields": [{"name": "a", "type": w}]}
        reader = {"type": "record", "name": "R", "fields": [{"name": "a", "type": r}]}
        import io

        buf = io.BytesIO()
        fastavro.writer(buf, writer, [{"a": values[w]}])
        buf.seek(0)
        try:
            list(fastavro.reader(buf, reader_schema=reader))
            reads = True
        except Exception:
            reads = False
        assert check(reader, writer).compatible is reads, (reader, writer)


def dec(precision, scale=None, kind="bytes", **extra):
    node = {"type": kind, "logicalType": "decimal", "precision": precision, **extra}
    return node if scale is None else {**node, "scale": scale}


@pytest.mark.parametrize(
    ("reader", "writer", "expected"),
    [
        (dec(5, 2), dec(5, 2), []),
        (dec(6, 2), dec(5, 2), ["/precision"]),
        (dec(5, 3), dec(5, 2), ["/scale"]),
        (dec(7, 1), dec(5, 2), ["/precision", "/scale"]),
        (dec(4), dec(4, 0), []),
        (dec(5, 2), "bytes", []),
        ("string", dec(5, 2), []),
        (dec(2, 3), dec(3, 1), []),  # an invalid decimal is ignored
        (dec(3, 1), dec(True, 0), []),
        (dec(3, 0), dec(3, 1.0), []),
        (
            {"type": "int", "logicalType": "decimal", "precision": 4},
            {"type": "int", "logicalType": "decimal", "precision": 3},
            [],
        ),
        (dec(9, 2, "fixed", name="D", size=4), dec(8, 2, "fixed", name="D", size=4), ["/precision"]),
        (dec(9, 2, "fixed", name="D", size=4), dec(10, 2, "fixed", name="D", size=4), []),
        (dec(5, 2, "fixed", name="D", size=4), dec(5, 3, "fixed", name="D", size=5), ["/size", "/scale"]),
        (dec(2, 0, "fixed", name="E", size=0), dec(1, 0, "fixed", name="E", size=0), []),
        (["null", dec(5, 2)], dec(5, 1), [""]),
        (["null", dec(5, 2), "string"], dec(4, 2), []),
        (
            {"type": "long", "logicalType": "timestamp-micros"},
            {"type": "long", "logicalType": "timestamp-millis"},
            [],
        ),
        ({"type": "int", "logicalType": "date"}, {"type": "long", "logicalType": "timestamp-millis"}, [""]),
    ],
)
def test_decimal_logical_types(reader, writer, expected):
    assert locations(reader, writer) == expected


def test_decimal_describe_names_precision_and_scale():
    problem = check(["null", dec(5, 2)], dec(4, 2)).incompatibilities[0]
    assert "decimal(5,2) on bytes" in problem.message and "decimal(4,2) on bytes" in problem.message
    fixed = check(["null", dec(4, 1, "fixed", name="F", size=4)], "int").incompatibilities[0]
    assert "decimal(4,1) on fixed F" in fixed.message


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": -(2**31)}]},
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long", "default": 2**63 - 1}]},
        {
            "type": "record",
            "name": "R",
            "fields": [{"name": "a", "type": ["null", "string"], "default": "x"}],
        },
        [{"type": "record", "name": "a.X", "fields": []}, {"type": "record", "name": "b.X", "fields": []}],
        '  \n {"type": "array", "items": "long"}',
    ],
)
def test_valid_schemas_at_the_edges(schema):
    assert check(schema, schema).compatible


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": 2**31}]},
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "double", "default": True}]},
        {
            "type": "record",
            "name": "R",
            "fields": [{"name": "h", "type": {"type": "fixed", "name": "F", "size": 2}, "default": "abc"}],
        },
        {
            "type": "record",
            "name": "R",
            "fields": [{"name": "m", "type": {"type": "map", "values": "int"}, "default": {"k": "v"}}],
        },
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "aliases": ["b-c"]}]},
        {"type": "record", "name": "int", "fields": []},
    ],
)
def test_invalid_edges_raise(schema):
    with pytest.raises(InvalidSchemaError):
        check(schema, "int")
