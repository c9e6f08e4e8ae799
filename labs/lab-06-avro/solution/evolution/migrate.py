"""Rewrite an Avro object container file to a new (compatible) schema, streaming."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastavro

from evolution.compat import check
from evolution.registry import IncompatibleSchemaError
from evolution.schema import load_json, parse_schema


def migrate(src_path: str | Path, dst_path: str | Path, reader_schema: Any) -> int:
    """Read `src_path` with `reader_schema` and write every record to `dst_path` in that schema.

    The writer's schema (from the file header) is checked first: an incompatible target raises
    `IncompatibleSchemaError` before any output file exists. Records stream block by block, so
    memory does not grow with the file. Output goes to a temporary file in the destination folder
    that is renamed into place only when complete, so a failure never leaves a partial `dst_path`.
    The source's codec is kept. Returns the number of records written.
    """
    target = load_json(reader_schema)
    parse_schema(target)  # a clear InvalidSchemaError before fastavro sees it
    with open(src_path, "rb") as src:
        records = fastavro.reader(src, reader_schema=target)
        writer_schema = json.loads(records.metadata["avro.schema"])
        problems = check(reader=target, writer=writer_schema).incompatibilities
        if problems:
            raise IncompatibleSchemaError(
                f"{src_path} cannot be read with the target schema:", [(None, p) for p in problems]
            )
        dst = Path(dst_path)
        fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
        count = 0

        def counted() -> Iterator[Any]:
            nonlocal count
            for record in records:
                count += 1
                yield record

        try:
            with os.fdopen(fd, "wb") as out:
                fastavro.writer(out, fastavro.parse_schema(target), counted(), codec=records.codec)
            os.replace(tmp, dst)
        except BaseException:
            os.unlink(tmp)
            raise
    return count
