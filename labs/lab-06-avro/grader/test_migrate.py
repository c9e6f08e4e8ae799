"""Hidden graders, Part C: `migrate` rewrites an Avro container file to a new schema, safely."""

from __future__ import annotations

import gc
import tracemalloc

import fastavro
import pytest
from evolution import IncompatibleSchemaError, migrate


def rec(*fields, name="Order", **extra):
    return {"type": "record", "name": name, "fields": list(fields), **extra}


V1 = rec(
    {"name": "id", "type": "int"},
    {"name": "customer", "type": "string"},
    {"name": "amount", "type": "float"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
)
V2 = rec(
    {
        "name": "status",
        "type": {
            "type": "enum",
            "name": "State",
            "aliases": ["Status"],
            "symbols": ["NEW", "PAID", "SHIPPED"],
        },
    },
    {"name": "id", "type": "long"},
    {"name": "buyer", "type": "bytes", "aliases": ["customer"]},
    {"name": "amount", "type": "double"},
    {"name": "note", "type": ["null", "string"], "default": None},
    {"name": "qty", "type": "int", "default": 1},
    name="Purchase",
    aliases=["Order"],
)


def v1_rows(n, pad=""):
    for i in range(n):
        yield {"id": i, "customer": f"c{i}{pad}", "amount": i + 0.25, "status": "PAID" if i % 3 else "NEW"}


def expected_v2(i):
    return {
        "status": "PAID" if i % 3 else "NEW",
        "id": i,
        "buyer": f"c{i}".encode(),
        "amount": i + 0.25,
        "note": None,
        "qty": 1,
    }


def write(path, schema, rows, **kwargs):
    with open(path, "wb") as out:
        fastavro.writer(out, fastavro.parse_schema(schema), rows, **kwargs)


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.points(3)
@pytest.mark.part("C")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Let fastavro do the resolution: open the source with reader_schema= set to the target.",
    "Write the output with the target schema and the source's codec, and count what you write.",
)
def test_round_trip(tmp_path, partial_credit):
    """migrate rewrites every record in the new schema (defaults, promotions, aliases) and keeps the codec."""
    partial_credit.total = 8
    for codec, n in (("deflate", 300), ("null", 57)):
        src, dst = tmp_path / f"src-{codec}.avro", tmp_path / f"dst-{codec}.avro"
        write(src, V1, v1_rows(n), codec=codec, sync_interval=2000)
        count = migrate(src, dst, V2)
        partial_credit.check(
            type(count) is int and count == n,
            f"migrate must return the number of records written ({n}), got {count!r}",
        )
        with open(dst, "rb") as fo:
            reader = fastavro.reader(fo)
            out_codec = reader.codec
            names = [fl["name"] for fl in reader.writer_schema["fields"]]
            rows = list(reader)
        partial_credit.check(
            len(rows) == n and all(row == expected_v2(i) for i, row in enumerate(rows)),
            f"the migrated records ({codec} codec) must be the source records read with the target schema "
            f"(promotions, field aliases, defaults); first got {rows[:1]!r}, expected {[expected_v2(0)]!r}",
        )
        partial_credit.check(
            names == ["status", "id", "buyer", "amount", "note", "qty"],
            f"the output file must be written with the target schema (its fields in order), got {names}",
        )
        partial_credit.check(
            out_codec == codec, f"the output must keep the source's codec {codec!r}, got {out_codec!r}"
        )


@pytest.mark.points(3)
@pytest.mark.part("C")
@pytest.mark.critical("an incompatible target never creates an output or temporary file")
@pytest.mark.hints(
    "The check must come before anything is created on disk.",
    "The reader is the target schema and the writer is the file's schema (from its header).",
)
def test_refuses_incompatible_target(tmp_path, partial_credit):
    """An incompatible target raises IncompatibleSchemaError before any output (or temporary) file exists."""
    partial_credit.total = 6
    src = tmp_path / "in" / "src.avro"
    src.parent.mkdir()
    write(src, V1, v1_rows(50), codec="deflate")
    original = src.read_bytes()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    targets = [
        ("a new field without a default", rec(*V1["fields"], {"name": "extra", "type": "string"})),
        ("a narrowing type change", rec({"name": "amount", "type": "int"})),
        ("a record of another name", rec({"name": "id", "type": "int"}, name="Invoice")),
    ]
    for label, target in targets:
        try:
            migrate(src, out_dir / "dst.avro", target)
            outcome = "returned normally"
        except IncompatibleSchemaError:
            outcome = None
        except Exception as exc:
            outcome = f"raised {type(exc).__name__}: {exc}"
        partial_credit.check(
            outcome is None,
            f"migrate to a target with {label} must raise IncompatibleSchemaError; it {outcome}",
        )
        partial_credit.check(
            outcome is None
            and listing(out_dir) == []
            and listing(src.parent) == ["src.avro"]
            and src.read_bytes() == original,
            f"after refusing a target with {label}, no file may exist in the destination folder (found "
            f"{listing(out_dir)}) and the source must be untouched: check before creating any file",
        )


@pytest.mark.points(2)
@pytest.mark.part("C")
@pytest.mark.critical("a failed migration leaves no partial output and an existing destination intact")
@pytest.mark.hints(
    "Think about what is on disk at the moment the source turns out to be corrupt.",
    "Write into a temporary file in the destination folder, rename it into place only when complete, "
    "and remove it on any failure.",
)
def test_corrupt_source_leaves_nothing(tmp_path, partial_credit):
    """A source that breaks half-way raises, and leaves neither the destination nor a temporary file."""
    partial_credit.total = 5
    good = tmp_path / "good.avro"
    write(good, V1, v1_rows(3000, pad="x" * 40), sync_interval=1000)
    count = migrate(good, tmp_path / "good-out.avro", V2)
    partial_credit.check(
        type(count) is int and count == 3000, "migrate of the intact file must work (3000 records)"
    )
    data = good.read_bytes()
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = bad_dir / "bad.avro"
    bad.write_bytes(data[: len(data) // 2] + bytes(range(256)) * (len(data) // 512))
    raised = False
    try:
        migrate(bad, bad_dir / "out.avro", V2)
    except Exception:
        raised = True
    partial_credit.check(raised, "migrate of a file corrupt half-way must raise an error")
    partial_credit.check(
        raised and listing(bad_dir) == ["bad.avro"],
        f"after a failure half-way, neither the destination nor a temporary file may remain; found "
        f"{listing(bad_dir)}: write to a temporary file and rename it into place only when complete",
    )
    existing = bad_dir / "existing.avro"
    write(existing, V2, [expected_v2(i) for i in range(5)])
    before = existing.read_bytes()
    raised = False
    try:
        migrate(bad, existing, V2)
    except Exception:
        raised = True
    partial_credit.check(raised, "migrate of a corrupt file onto an existing destination must raise")
    partial_credit.check(
        raised and existing.read_bytes() == before and listing(bad_dir) == ["bad.avro", "existing.avro"],
        f"a failed migration must leave an existing destination byte for byte as it was and no temporary "
        f"file (found {listing(bad_dir)}): only a complete output may replace it",
    )


STREAM_RECORDS = 25_000
MEMORY_LIMIT = 3 * 1024 * 1024
EVENT_V1 = rec({"name": "id", "type": "int"}, {"name": "name", "type": "string"}, name="Event")
EVENT_V2 = rec(
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "n", "type": "int", "default": 0},
    name="Event",
)


@pytest.mark.points(2)
@pytest.mark.part("C")
@pytest.mark.hints(
    "Anything that holds every record at once grows with the file.",
    "Pass an iterator (a generator over fastavro.reader) to fastavro.writer, never a list.",
)
def test_streaming_memory(tmp_path, partial_credit):
    """migrate streams: peak traced Python memory stays under 3 MB for 25,000 records."""
    partial_credit.total = 2
    src, dst = tmp_path / "big.avro", tmp_path / "big-out.avro"
    write(src, EVENT_V1, ({"id": i, "name": f"event-{i:08d}"} for i in range(STREAM_RECORDS)))
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        count = migrate(src, dst, EVENT_V2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with open(dst, "rb") as fo:
        written = sum(1 for _ in fastavro.reader(fo))
    partial_credit.check(
        type(count) is int and count == STREAM_RECORDS and written == STREAM_RECORDS,
        f"migrate must write all {STREAM_RECORDS} records (returned {count!r}, file has {written})",
    )
    partial_credit.check(
        count == STREAM_RECORDS and peak < MEMORY_LIMIT,
        f"peak traced memory during migrate was {peak / 2**20:.1f} MB for {STREAM_RECORDS} records; it must "
        f"stay under {MEMORY_LIMIT / 2**20:.0f} MB: stream records from fastavro.reader into fastavro.writer "
        f"instead of collecting them in a list",
    )
