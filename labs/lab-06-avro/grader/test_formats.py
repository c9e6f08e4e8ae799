"""Hidden graders, Part D: `compare_formats`."""

from __future__ import annotations

import copy
import io
import json
import math

import fastavro
import pytest
from evolution import compare_formats, infer_schema
from lab06_wire import framed_stream_size

FORMATS = ["json", "avro-schemaless", "avro-container", "protobuf"]

ORDER_SCHEMA = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "customer", "type": "string"},
        {"name": "total", "type": "double"},
        {"name": "paid", "type": "boolean"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SENT"]}},
        {"name": "coupon", "type": ["null", "string"], "default": None},
        {
            "name": "items",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Item",
                    "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}],
                },
            },
        },
        {
            "name": "address",
            "type": {
                "type": "record",
                "name": "Address",
                "fields": [{"name": "city", "type": "string"}, {"name": "zip", "type": "int"}],
            },
        },
    ],
}


def orders(n):
    return [
        {
            "id": 1_000_000 + i * 37,
            "customer": f"customer-{i % 97:03d}",
            "total": round(i * 1.37 + 0.5, 2),
            "paid": i % 3 != 0,
            "status": ["NEW", "PAID", "SENT"][i % 3],
            "coupon": None if i % 4 else f"SAVE{i % 10}",
            "items": [{"sku": f"sku-{(i + j) % 50}", "qty": 1 + (i + j) % 4} for j in range(1 + i % 3)],
            "address": {"city": ["Graz", "Wien", "Linz"][i % 3], "zip": 1000 + i % 9000},
        }
        for i in range(n)
    ]


def inferred_rows(n):
    return [
        {
            "id": i,
            "name": f"user{i}",
            "score": i / 4,
            "ok": i % 2 == 0,
            "tags": ["a", "b"][: i % 3],
            "email": None if i % 5 else f"u{i}@example.org",
        }
        for i in range(n)
    ]


EXACT_SCHEMA = {
    "type": "record",
    "name": "Reading",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "delta", "type": "int"},
        {"name": "label", "type": "string"},
        {"name": "value", "type": "double"},
        {"name": "ratio", "type": "float"},
        {"name": "ok", "type": "boolean"},
        {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["LOW", "MID", "HIGH"]}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "count", "type": ["null", "int"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "steps", "type": {"type": "array", "items": "int"}},
        {
            "name": "origin",
            "type": {
                "type": "record",
                "name": "Origin",
                "fields": [{"name": "x", "type": "int"}, {"name": "site", "type": "string"}],
            },
        },
    ],
}


def readings(n):
    """Rows that reach every size rule: negatives, zero values, empty strings, non-ASCII text, both
    one- and two-byte length prefixes, optional fields that are None, empty or zero."""
    return [
        {
            "id": (-1) ** i * (i * 104_729 + 3) ** 2,
            "delta": [-1, 0, 5, -300, 70_000][i % 5],
            "label": ["", "Zürich", "東京", "plain"][i % 4] * (1 + i % 9),
            "value": [0.0, 2.5, -1.25][i % 3],
            "ratio": [0.0, 0.5][i % 2],
            "ok": i % 3 == 0,
            "level": ["LOW", "MID", "HIGH"][i % 3],
            "note": [None, "", "n", "ünï"][i % 4],
            "count": [None, 0, -5, 12][(i + 1) % 4],
            "tags": ["t" * (i % 4), "é"][: i % 3],
            "steps": [(-1) ** j * j * 37 for j in range(i % 5)],
            "origin": {"x": 1 + i % 7, "site": ["", "s"][i % 2]},
        }
        for i in range(n)
    ]


ZERO_SCHEMA = {
    "type": "record",
    "name": "Blank",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "label", "type": "string"},
        {"name": "ok", "type": "boolean"},
        {"name": "level", "type": {"type": "enum", "name": "Tier", "symbols": ["NONE", "GOLD"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}


def blank_rows(n):
    """Mostly rows holding only zero values and unset optionals: proto3 sends nothing for them, so each
    is an empty message whose length prefix (the varint 0) still takes one byte."""
    return [
        {"id": 0, "label": "", "ok": False, "level": "NONE", "tags": [], "note": None}
        if i % 5
        else {"id": i, "label": "x", "ok": True, "level": "GOLD", "tags": ["t"], "note": ""}
        for i in range(n)
    ]


def json_size(records):
    return sum(len(json.dumps(r, separators=(",", ":")).encode("utf-8")) + 1 for r in records)


def schemaless_size(schema, records):
    parsed = fastavro.parse_schema(schema)
    buf = io.BytesIO()
    for r in records:
        fastavro.schemaless_writer(buf, parsed, r)
    return len(buf.getvalue())


@pytest.mark.points(2)
@pytest.mark.part("D")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Read the Part D table of the README again: which rows, in which order, with which types.",
    "bytes_per_record is a float division; an empty list of records is refused with a ValueError "
    "that names the argument.",
)
def test_table_shape_and_types(partial_credit):
    """compare_formats returns one FormatStats per format, in order, with sane types and values."""
    partial_credit.total = 2 * 6 + 1
    try:
        compare_formats([], ORDER_SCHEMA, repeat=1)
        outcome = "returned normally"
    except ValueError as exc:
        outcome = None if "records" in str(exc) else f"raised ValueError without naming 'records': {exc}"
    except Exception as exc:
        outcome = f"raised {type(exc).__name__}: {exc}"
    partial_credit.check(
        outcome is None,
        f"compare_formats([]) must raise ValueError naming the argument 'records'; it {outcome}",
    )
    for label, records, schema in (
        ("explicit schema", orders(120), ORDER_SCHEMA),
        ("inferred schema (schema=None)", inferred_rows(80), None),
    ):
        rows = list(compare_formats(records, schema, repeat=1))
        formats = [getattr(r, "format", None) for r in rows]
        partial_credit.check(
            all(type(x) is str for x in formats) and formats == FORMATS,
            f"{label}: rows must be for {FORMATS} in that order, got {formats}",
        )
        partial_credit.check(
            all(type(r.total_bytes) is int and r.total_bytes > 0 for r in rows),
            f"{label}: total_bytes must be a positive int in every row",
        )
        partial_credit.check(
            all(
                isinstance(r.bytes_per_record, float)
                and math.isclose(r.bytes_per_record, r.total_bytes / len(records))
                for r in rows
            ),
            f"{label}: bytes_per_record must be the float total_bytes / len(records)",
        )
        partial_credit.check(
            all(
                isinstance(t, float) and math.isfinite(t) and 0 <= t < 5
                for r in rows
                for t in (r.encode_seconds, r.decode_seconds)
            ),
            f"{label}: encode_seconds and decode_seconds must be finite non-negative floats (seconds)",
        )
        partial_credit.check(
            all(isinstance(r.field_added, str) and len(r.field_added.strip()) > 10 for r in rows)
            and len({r.field_added for r in rows}) > 1,
            f"{label}: field_added must be a sentence per format on what happens when a field is added",
        )
        partial_credit.check(
            all(isinstance(r.field_removed, str) and len(r.field_removed.strip()) > 10 for r in rows)
            and len({r.field_removed for r in rows}) > 1,
            f"{label}: field_removed must be a sentence per format on what happens when a field is removed",
        )


@pytest.mark.points(3)
@pytest.mark.part("D")
@pytest.mark.hints(
    "The README gives the exact recipe for the JSON and schemaless Avro sizes; follow it literally.",
    "json.dumps with compact separators and its default ASCII escaping, encoded as UTF-8, plus one "
    "newline byte per record.",
)
def test_sizes(partial_credit):
    """Exact JSON and schemaless Avro sizes; Avro smaller than JSON; container and Protobuf sizes plausible."""
    partial_credit.total = 3 * 5
    for label, records, schema in (
        ("orders", orders(150), ORDER_SCHEMA),
        ("inferred", inferred_rows(90), None),
        ("readings (non-ASCII text, negatives, zeros)", readings(60), EXACT_SCHEMA),
    ):
        rows = {r.format: r for r in compare_formats(records, schema, repeat=1) if type(r.format) is str}
        size = {name: rows[name].total_bytes if name in rows else -1 for name in FORMATS}
        size = {name: value if type(value) is int else -1 for name, value in size.items()}
        expected_json = json_size(records)
        partial_credit.check(
            size["json"] == expected_json,
            f"{label}: json total_bytes must be {expected_json} (compact separators, UTF-8, one newline per "
            f"record), got {size['json']}",
        )
        avro_schema = schema
        if avro_schema is None:
            avro_schema = {
                "type": "record",
                "name": "Record",
                "fields": [
                    {"name": "id", "type": "long"},
                    {"name": "name", "type": "string"},
                    {"name": "score", "type": "double"},
                    {"name": "ok", "type": "boolean"},
                    {"name": "tags", "type": {"type": "array", "items": "string"}},
                    {"name": "email", "type": ["null", "string"], "default": None},
                ],
            }
        expected_avro = schemaless_size(avro_schema, records)
        partial_credit.check(
            size["avro-schemaless"] == expected_avro,
            f"{label}: avro-schemaless total_bytes must be {expected_avro} (the concatenated "
            f"fastavro.schemaless_writer encodings), got {size['avro-schemaless']}",
        )
        partial_credit.check(
            0 < size["avro-schemaless"] < size["json"],
            f"{label}: Avro (schemaless) must be smaller than JSON on this sample: {size}",
        )
        partial_credit.check(
            expected_avro < size["avro-container"] < expected_avro + 4096,
            f"{label}: avro-container must be the records plus a header with the schema and sync markers "
            f"(a little larger than schemaless), got {size['avro-container']} vs schemaless {expected_avro}",
        )
        partial_credit.check(
            expected_avro < size["protobuf"] < size["json"],
            f"{label}: protobuf (tags plus a length prefix per message) must be larger than schemaless Avro "
            f"and smaller than JSON here, got {size['protobuf']} (avro {expected_avro}, json {size['json']})",
        )


def container_size(schema, records):
    buf = io.BytesIO()
    fastavro.writer(buf, fastavro.parse_schema(schema), records)
    return len(buf.getvalue())


INFERRED_ROWS_SCHEMA = {
    "type": "record",
    "name": "Record",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "score", "type": "double"},
        {"name": "ok", "type": "boolean"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "email", "type": ["null", "string"], "default": None},
    ],
}


@pytest.mark.points(3)
@pytest.mark.part("D")
@pytest.mark.hints(
    "Both sizes are exact: the container is the whole file fastavro writes, Protobuf the framed stream.",
    "A Protobuf stream needs each message's length as a varint before it; count those bytes too, and "
    "remember where a varint needs a second byte.",
    "Avro int and long are zigzag varints; proto3 sends an optional field whenever it is set, even to "
    "an empty string or zero.",
)
def test_exact_container_and_protobuf_sizes(partial_credit):
    """The Avro container and the framed Protobuf stream have exactly the sizes the README defines."""
    cases = (
        ("orders", orders(150), ORDER_SCHEMA, ORDER_SCHEMA),
        ("readings", readings(80), EXACT_SCHEMA, EXACT_SCHEMA),
        ("inferred", inferred_rows(90), None, INFERRED_ROWS_SCHEMA),
        ("blank", blank_rows(40), ZERO_SCHEMA, ZERO_SCHEMA),
    )
    partial_credit.total = 2 * len(cases)
    for label, records, schema, avro_schema in cases:
        rows = {r.format: r for r in compare_formats(records, schema, repeat=1) if type(r.format) is str}
        got = {name: rows[name].total_bytes if name in rows else None for name in FORMATS}
        got = {name: int(value) if type(value) is int else None for name, value in got.items()}
        want_container = container_size(avro_schema, records)
        partial_credit.check(
            got["avro-container"] == want_container,
            f"{label}: avro-container total_bytes must be {want_container} (one fastavro.writer file, "
            f"null codec, default block size), got {got['avro-container']}",
        )
        want_proto = framed_stream_size(avro_schema, records)
        partial_credit.check(
            got["protobuf"] == want_proto,
            f"{label}: protobuf total_bytes must be {want_proto} (each proto3 message plus its varint "
            f"length prefix), got {got['protobuf']}",
        )


@pytest.mark.points(3)
@pytest.mark.part("D")
@pytest.mark.hints(
    "Print the schema your infer_schema returns and compare it with the README's rules one by one.",
    "Field order is the order keys are first seen across all records; nested records are named after "
    "the parent and the key with its first letter upper-cased.",
    'A key missing or None in some record becomes ["null", T] with default null; a mix of ints and '
    "floats is a double; ints are long.",
)
def test_infer_schema_exactly(partial_credit):
    """infer_schema returns exactly the schema the README's rules give (types, names, order, defaults)."""

    def record(name, *fields):
        return {"type": "record", "name": name, "fields": list(fields)}

    def optional(name, branch):
        return {"name": name, "type": ["null", branch], "default": None}

    nested_rows = [
        {"id": 1, "address": {"city": "Graz", "zip": 8010}, "lines": [{"sku": "a", "qty": 1}]},
        {"id": 2, "address": {"city": "Linz", "zip": 4020, "floor": 3}, "lines": [], "x": 1.5},
        {"address": {"city": "Wien", "zip": 1010}, "lines": [{"sku": "b", "qty": 2.5}], "x": 2},
    ]
    cases = [
        ("flat rows", inferred_rows(40), "Record", INFERRED_ROWS_SCHEMA),
        (
            "nested rows, a later key, a mix of int and float",
            nested_rows,
            "Order",
            record(
                "Order",
                optional("id", "long"),
                {
                    "name": "address",
                    "type": record(
                        "OrderAddress",
                        {"name": "city", "type": "string"},
                        {"name": "zip", "type": "long"},
                        optional("floor", "long"),
                    ),
                },
                {
                    "name": "lines",
                    "type": {
                        "type": "array",
                        "items": record(
                            "OrderLinesItem",
                            {"name": "sku", "type": "string"},
                            {"name": "qty", "type": "double"},
                        ),
                    },
                },
                optional("x", "double"),
            ),
        ),
        (
            "a camelCase key keeps its inner capitals in the nested name",
            [{"shipTo": {"zipCode": "8010", "cityName": "Graz"}}],
            "Record",
            record(
                "Record",
                {
                    "name": "shipTo",
                    "type": record(
                        "RecordShipTo",
                        {"name": "zipCode", "type": "string"},
                        {"name": "cityName", "type": "string"},
                    ),
                },
            ),
        ),
        (
            "booleans, None in some rows, a key None everywhere",
            [{"flag": True, "v": None, "w": None}, {"flag": False, "v": 3, "w": None}],
            "Record",
            record(
                "Record",
                {"name": "flag", "type": "boolean"},
                optional("v", "long"),
                {"name": "w", "type": "null"},
            ),
        ),
    ]
    partial_credit.total = len(cases) + 3
    for label, rows, name, _ in cases:
        try:
            got = (
                infer_schema(copy.deepcopy(rows), name=name)
                if name != "Record"
                else infer_schema(copy.deepcopy(rows))
            )
            text = json.dumps(got, sort_keys=True)
        except Exception as exc:
            partial_credit.check(False, f"{label}: infer_schema raised {type(exc).__name__}: {exc}")
            continue
        want = next(case[3] for case in cases if case[0] == label)
        partial_credit.check(
            text == json.dumps(want, sort_keys=True),
            f"{label}: infer_schema returned {text[:600]}; expected {json.dumps(want, sort_keys=True)[:600]}",
        )
    for mixed in ([{"level": 1}, {"level": True}], [{"level": False}, {"level": 2.5}]):
        try:
            infer_schema(copy.deepcopy(mixed))
            outcome = "returned a schema"
        except ValueError as exc:
            outcome = None if "level" in str(exc).lower() else f"raised ValueError not naming the key: {exc}"
        except Exception as exc:
            outcome = f"raised {type(exc).__name__}: {exc}"
        partial_credit.check(
            outcome is None,
            f"infer_schema({mixed!r}): a boolean and a number do not combine (bool is not an int here), so "
            f"it must raise ValueError naming the key; infer_schema {outcome}",
        )
    try:
        infer_schema([{"size": 1}, {"size": "big"}])
        outcome = "returned a schema"
    except ValueError as exc:
        outcome = None if "size" in str(exc).lower() else f"raised ValueError not naming the key: {exc}"
    except Exception as exc:
        outcome = f"raised {type(exc).__name__}: {exc}"
    partial_credit.check(
        outcome is None,
        f"a key holding an int in one record and a str in another must raise ValueError naming the key; "
        f"infer_schema {outcome}",
    )
