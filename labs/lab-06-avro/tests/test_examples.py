"""Example tests to start from: extend them until they cover your package (the gate is 90%)."""

from __future__ import annotations

import fastavro
from evolution import Mode, SchemaRegistry, check, compare_formats, migrate

USER_V1 = {"type": "record", "name": "User", "fields": [{"name": "id", "type": "int"}]}
USER_V2 = {
    "type": "record",
    "name": "User",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "email", "type": ["null", "string"], "default": None},
    ],
}


def test_adding_an_optional_field_is_backward_compatible():
    assert check(reader=USER_V2, writer=USER_V1).compatible


def test_a_new_required_field_is_reported_with_its_location():
    reader = {
        "type": "record",
        "name": "User",
        "fields": [*USER_V1["fields"], {"name": "age", "type": "int"}],
    }
    result = check(reader, USER_V1)
    assert not result.compatible
    assert [p.location for p in result.incompatibilities] == ["/fields/1"]


def test_registry_numbers_versions_and_survives_reopening(tmp_path):
    with SchemaRegistry(tmp_path / "registry.sqlite3") as registry:
        assert registry.register("users", USER_V1) == 1
        assert registry.register("users", USER_V2) == 2
        registry.set_mode("users", Mode.FULL)
    with SchemaRegistry(tmp_path / "registry.sqlite3") as registry:
        assert registry.versions("users") == [1, 2]
        assert registry.mode("users") is Mode.FULL


def test_migrate_fills_defaults(tmp_path):
    src, dst = tmp_path / "v1.avro", tmp_path / "v2.avro"
    with src.open("wb") as out:
        fastavro.writer(out, USER_V1, [{"id": 1}, {"id": 2}])
    assert migrate(src, dst, USER_V2) == 2
    with dst.open("rb") as fo:
        assert list(fastavro.reader(fo)) == [{"id": 1, "email": None}, {"id": 2, "email": None}]


def test_avro_is_smaller_than_json():
    rows = {row.format: row for row in compare_formats([{"id": i, "name": f"n{i}"} for i in range(50)])}
    assert rows["avro-schemaless"].total_bytes < rows["json"].total_bytes
