"""Hidden graders, Part 4: `compare_formats`."""

from __future__ import annotations

import io
import json
import math

import fastavro
import pytest
from evolution import compare_formats

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


def json_size(records):
    return sum(len(json.dumps(r, separators=(",", ":")).encode("utf-8")) + 1 for r in records)


def schemaless_size(schema, records):
    parsed = fastavro.parse_schema(schema)
    buf = io.BytesIO()
    for r in records:
        fastavro.schemaless_writer(buf, parsed, r)
    return len(buf.getvalue())


@pytest.mark.points(4)
def test_table_shape_and_types(partial_credit):
    """compare_formats returns one FormatStats per format, in order, with sane types and values."""
    partial_credit.total = 2 * 6
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


@pytest.mark.points(4)
def test_sizes(partial_credit):
    """Exact JSON and schemaless Avro sizes; Avro smaller than JSON; container and Protobuf sizes plausible."""
    partial_credit.total = 2 * 5
    for label, records, schema in (
        ("orders", orders(150), ORDER_SCHEMA),
        ("inferred", inferred_rows(90), None),
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
