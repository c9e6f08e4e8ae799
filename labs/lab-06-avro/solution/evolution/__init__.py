"""Avro schema evolution: compatibility checks, a schema registry, file migration, format comparison."""

from evolution.compat import Incompatibility, Result, check
from evolution.formats import FormatStats, compare_formats, infer_schema
from evolution.migrate import migrate
from evolution.registry import IncompatibleSchemaError, Mode, SchemaRegistry
from evolution.schema import InvalidSchemaError

__all__ = [
    "FormatStats",
    "Incompatibility",
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "Mode",
    "Result",
    "SchemaRegistry",
    "check",
    "compare_formats",
    "infer_schema",
    "migrate",
]
