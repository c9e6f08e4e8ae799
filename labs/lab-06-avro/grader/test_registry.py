"""Hidden graders, Part B: the schema registry."""

from __future__ import annotations

import json

import pytest
from evolution import IncompatibleSchemaError, InvalidSchemaError, Mode, SchemaRegistry


def rec(*fields, name="User"):
    return {"type": "record", "name": name, "fields": list(fields)}


def same(a, b) -> bool:
    """Same JSON value (plain types only; key order does not matter)."""
    try:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except (TypeError, ValueError):
        return False


A_INT = {"name": "a", "type": "int"}
B_DEFAULT = {"name": "b", "type": "string", "default": ""}
B_REQUIRED = {"name": "b", "type": "string"}
V1 = rec(A_INT)
V2 = rec(A_INT, B_DEFAULT)


def is_int(value, expected) -> bool:
    """A real int equal to `expected` (an object with a lying __eq__ earns nothing)."""
    return type(value) is int and value == expected


def int_list(values):
    """`values` as a plain list of ints, or None if it is not one."""
    try:
        out = list(values)
    except Exception:
        return None
    return out if all(type(v) is int for v in out) else None


def attempt(fn, *args):
    """(result, exception) of fn(*args)."""
    try:
        return fn(*args), None
    except Exception as exc:
        return None, exc


def refused(registry, subject, schema):
    """The IncompatibleSchemaError raised by register, or None if it was not raised."""
    _, exc = attempt(registry.register, subject, schema)
    return exc if isinstance(exc, IncompatibleSchemaError) else None


@pytest.mark.points(3)
@pytest.mark.part("B")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Start with the README's list of registry methods and what each returns for an unknown subject.",
    "Version numbers are per subject; subjects() lists only subjects that have a version; a subject is "
    "a non-empty string (ValueError naming 'subject').",
)
def test_versions_get_latest(tmp_path, partial_credit):
    """register numbers versions 1, 2, ...; get, latest, versions, subjects; unknown subjects; invalid schemas."""
    partial_credit.total = 15
    with SchemaRegistry(tmp_path / "reg.sqlite3") as reg:
        partial_credit.check(
            is_int(reg.register("users", V1), 1), "the first register() of a subject must return 1"
        )
        partial_credit.check(
            is_int(reg.register("users", V2), 2), "the second (compatible) schema must get version 2"
        )
        partial_credit.check(
            is_int(reg.register("orders", rec(A_INT, name="Order")), 1),
            "versions are numbered per subject: a new subject starts at 1",
        )
        partial_credit.check(
            same(reg.get("users", 1), V1) and same(reg.get("users", 2), V2),
            "get(subject, version) must return the registered schema's JSON value",
        )
        latest = reg.latest("users")
        partial_credit.check(
            isinstance(latest, tuple) and len(latest) == 2 and is_int(latest[0], 2) and same(latest[1], V2),
            f"latest('users') must be (2, <schema of version 2>), got {latest!r}",
        )
        partial_credit.check(int_list(reg.versions("users")) == [1, 2], "versions('users') must be [1, 2]")
        partial_credit.check(
            int_list(reg.versions("nobody")) == [], "versions() of an unknown subject must be []"
        )
        partial_credit.check(
            list(reg.subjects()) == ["orders", "users"] and all(type(x) is str for x in reg.subjects()),
            f"subjects() must list every subject, sorted; got {reg.subjects()!r}",
        )
        _, exc = attempt(reg.latest, "nobody")
        partial_credit.check(isinstance(exc, KeyError), "latest() of an unknown subject must raise KeyError")
        _, exc = attempt(reg.get, "users", 9)
        partial_credit.check(isinstance(exc, KeyError), "get() of a missing version must raise KeyError")
        _, exc = attempt(reg.register, "users", {"type": "record", "name": "User"})
        partial_credit.check(
            isinstance(exc, InvalidSchemaError) and int_list(reg.versions("users")) == [1, 2],
            f"registering an invalid schema must raise InvalidSchemaError and store nothing (got {exc!r})",
        )
        text = json.dumps(rec(A_INT, B_DEFAULT, {"name": "c", "type": "long", "default": 0}))
        version, exc = attempt(reg.register, "users", text)
        partial_credit.check(
            is_int(version, 3) and same(reg.get("users", 3), json.loads(text)),
            "a schema given as JSON text must be registered (version 3) and get() must return its JSON value",
        )
        for bad in ("", 7):
            _, exc = attempt(reg.register, bad, V1)
            partial_credit.check(
                isinstance(exc, ValueError)
                and "subject" in str(exc)
                and list(reg.subjects()) == ["orders", "users"],
                f"register({bad!r}, schema) must raise ValueError naming 'subject' and store nothing (got {exc!r})",
            )
        reg.set_mode("mode-only", Mode.FULL)
        partial_credit.check(
            list(reg.subjects()) == ["orders", "users"] and int_list(reg.versions("mode-only")) == [],
            f"a subject with only a mode set has no version and is not listed by subjects(); got {reg.subjects()!r}",
        )


@pytest.mark.points(2)
@pytest.mark.part("B")
@pytest.mark.hints(
    "Identical means the same JSON value: key order and whitespace do not matter.",
    "Compare with every registered version, not only the latest, and before any compatibility check.",
)
def test_identical_reregistration(tmp_path, partial_credit):
    """Registering a schema identical to ANY registered version returns that version and stores nothing."""
    partial_credit.total = 5
    with SchemaRegistry(tmp_path / "reg.sqlite3") as reg:
        reg.register("s", V1)
        reg.register("s", V2)
        partial_credit.check(
            is_int(reg.register("s", V2), 2), "re-registering the latest schema must return 2"
        )
        reordered = '{"fields": [{"type": "int", "name": "a"}],   "name": "User", "type": "record"}'
        partial_credit.check(
            is_int(reg.register("s", reordered), 1),
            "a schema equal to version 1 (other key order and whitespace, older than the latest) must "
            "return 1: compare JSON values with every registered version, not just the latest",
        )
        partial_credit.check(
            int_list(reg.versions("s")) == [1, 2], "re-registration must not store a new version"
        )
        reg.set_mode("s", Mode.NONE)
        reg.register("s", rec({"name": "a", "type": "string"}))
        reg.set_mode("s", Mode.BACKWARD)
        version, exc = attempt(reg.register, "s", V1)
        partial_credit.check(
            is_int(version, 1),
            f"an identical schema returns its existing version even if the mode would refuse it as new "
            f"(got {version!r}, {exc!r})",
        )
        partial_credit.check(int_list(reg.versions("s")) == [1, 2, 3], "versions must stay [1, 2, 3]")


@pytest.mark.points(4)
@pytest.mark.part("B")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Write down, for each mode, which schema is the reader and which the writer.",
    "BACKWARD: check(reader=new, writer=latest); FORWARD the other way round; FULL both. A refusal "
    "names 'version N' and the location, and stores nothing.",
)
def test_modes_and_messages(tmp_path, partial_credit):
    """BACKWARD, FORWARD, FULL and NONE decide correctly; refusals list 'version N', locations and store nothing."""
    partial_credit.total = 11
    with SchemaRegistry(tmp_path / "reg.sqlite3") as reg:
        partial_credit.check(reg.mode("x") is Mode.BACKWARD, "the default mode must be BACKWARD")
        reg.register("b", V1)
        reg.register("b", V2)
        exc = refused(reg, "b", rec(A_INT, B_DEFAULT, {"name": "c", "type": "int"}))
        partial_credit.check(exc is not None, "BACKWARD must refuse a new field without a default")
        message = str(exc) if exc is not None else ""
        partial_credit.check(
            "version 2" in message and "/fields/2" in message,
            f"the refusal message must name the conflicting version ('version 2') and the location "
            f"('/fields/2'); got {message!r}",
        )
        pairs = list(getattr(exc, "incompatibilities", []) or [])
        partial_credit.check(
            bool(pairs) and all(isinstance(p, tuple) and is_int(p[0], 2) for p in pairs),
            "IncompatibleSchemaError.incompatibilities must be (version, Incompatibility) pairs with version 2",
        )
        partial_credit.check(int_list(reg.versions("b")) == [1, 2], "a refused schema must not be stored")
        partial_credit.check(
            is_int(reg.register("b", rec(B_DEFAULT)), 3),
            "BACKWARD must accept removing a field (the new reader ignores it)",
        )

    with SchemaRegistry(tmp_path / "fwd.sqlite3", default_mode=Mode.FORWARD) as reg:
        partial_credit.check(reg.mode("f") is Mode.FORWARD, "default_mode must set the mode of new subjects")
        reg.register("f", V2)
        partial_credit.check(
            is_int(reg.register("f", rec(A_INT, B_DEFAULT, {"name": "c", "type": "int"})), 2),
            "FORWARD must accept a new field without a default (the old schema reads the new data, "
            "ignoring the field): FORWARD checks check(reader=latest, writer=new)",
        )
        exc = refused(reg, "f", rec(B_DEFAULT, {"name": "c", "type": "int"}))
        partial_credit.check(
            exc is not None and "version 2" in str(exc),
            "FORWARD must refuse removing field 'a' that the latest version needs (it has no default), "
            "naming 'version 2'",
        )

    with SchemaRegistry(tmp_path / "full.sqlite3") as reg:
        reg.set_mode("u", Mode.FULL)
        reg.register("u", V1)
        new_required = refused(reg, "u", rec(A_INT, B_REQUIRED)) is not None
        removed_required = refused(reg, "u", rec(B_DEFAULT)) is not None
        accepted = is_int(reg.register("u", V2), 2)
        partial_credit.check(
            new_required and removed_required and accepted,
            "FULL must refuse both a new required field and removing a required field, and accept a new "
            "field with a default",
        )
        reg.set_mode("u", Mode.NONE)
        partial_credit.check(
            is_int(reg.register("u", rec({"name": "z", "type": "bytes"}, name="Other")), 3)
            and reg.mode("u") is Mode.NONE,
            "NONE must accept any valid schema",
        )


TRAP = [rec(A_INT), rec(), rec({"name": "a", "type": "string", "default": ""})]
FORWARD_TRAP = list(reversed(TRAP))
FULL_TRAP = [
    rec({"name": "a", "type": "int", "default": 0}),
    rec(),
    rec({"name": "a", "type": "string", "default": ""}),
]


@pytest.mark.points(4)
@pytest.mark.part("B")
@pytest.mark.hints(
    "Read 'The non-transitive trap' in the README and register its three schemas by hand.",
    "Plain modes compare with the latest version only; *_TRANSITIVE modes with every version.",
)
def test_transitive_trap(tmp_path, partial_credit):
    """Each step compatible with the previous one, not with the first: only *_TRANSITIVE modes refuse it."""
    partial_credit.total = 6
    for plain, transitive, chain in (
        (Mode.BACKWARD, Mode.BACKWARD_TRANSITIVE, TRAP),
        (Mode.FORWARD, Mode.FORWARD_TRANSITIVE, FORWARD_TRAP),
        (Mode.FULL, Mode.FULL_TRANSITIVE, FULL_TRAP),
    ):
        with SchemaRegistry(tmp_path / f"{transitive.value}.sqlite3") as reg:
            for subject, mode in (("plain", plain), ("transitive", transitive)):
                reg.set_mode(subject, mode)
                reg.register(subject, chain[0])
                reg.register(subject, chain[1])
            version, exc = attempt(reg.register, "plain", chain[2])
            partial_credit.check(
                is_int(version, 3),
                f"{plain.value} compares only with the latest version, so it must accept the third schema "
                f"of {json.dumps(chain)} (got {exc!r})",
            )
            exc = refused(reg, "transitive", chain[2])
            partial_credit.check(
                exc is not None
                and "version 1" in str(exc)
                and int_list(reg.versions("transitive")) == [1, 2],
                f"{transitive.value} must refuse the third schema of {json.dumps(chain)} because of "
                f"'version 1', store nothing, and say 'version 1' in the message",
            )


@pytest.mark.points(2)
@pytest.mark.part("B")
@pytest.mark.hints(
    "A transitive mode compares the new schema with every registered version, the latest included.",
    "Each problem is reported with the number of the version it conflicts with, not the latest one's.",
)
def test_transitive_checks_every_version(tmp_path, partial_credit):
    """Transitive modes compare with every version (first, middle and latest) and name the one that conflicts."""
    history_latest = [
        rec({"name": "a", "type": "string"}),
        rec({"name": "a", "type": "string"}, B_DEFAULT),
        rec({"name": "a", "type": "int"}),
    ]
    history_middle = [
        rec({"name": "a", "type": "string"}),
        rec({"name": "a", "type": "int"}),
        rec({"name": "a", "type": "string"}, {"name": "c", "type": "long", "default": 0}),
    ]
    new = rec({"name": "a", "type": "string"}, {"name": "d", "type": "int", "default": 1})
    cases = [
        ("BACKWARD_TRANSITIVE, only the latest conflicts", Mode.BACKWARD_TRANSITIVE, history_latest, 3),
        ("BACKWARD_TRANSITIVE, only the middle one conflicts", Mode.BACKWARD_TRANSITIVE, history_middle, 2),
        ("FULL_TRANSITIVE, only the middle one conflicts", Mode.FULL_TRANSITIVE, history_middle, 2),
        ("FORWARD_TRANSITIVE, only the latest conflicts", Mode.FORWARD_TRANSITIVE, history_latest, 3),
    ]
    partial_credit.total = 2 * len(cases)
    for n, (label, mode, history, conflicting) in enumerate(cases):
        with SchemaRegistry(tmp_path / f"t{n}.sqlite3") as reg:
            reg.set_mode("s", Mode.NONE)
            for schema in history:
                reg.register("s", schema)
            reg.set_mode("s", mode)
            exc = refused(reg, "s", new)
            message = str(exc) if exc is not None else ""
            others = [v for v in (1, 2, 3) if v != conflicting]
            partial_credit.check(
                exc is not None
                and f"version {conflicting}" in message
                and not any(f"version {v}" in message for v in others)
                and int_list(reg.versions("s")) == [1, 2, 3],
                f"{label}: register must refuse the new schema naming 'version {conflicting}' only, and store "
                f"nothing; got {message!r}",
            )
            problems = reg.compatibility_problems("s", new)
            versions = [p[0] if isinstance(p, tuple) and len(p) == 2 else None for p in problems]
            partial_credit.check(
                bool(versions) and all(is_int(v, conflicting) for v in versions),
                f"{label}: compatibility_problems must give (version, Incompatibility) pairs, all for version "
                f"{conflicting}; got versions {versions}",
            )


@pytest.mark.points(3)
@pytest.mark.part("B")
@pytest.mark.critical("every registered version and mode survives closing and reopening the registry")
@pytest.mark.hints(
    "Close the registry, open a new one on the same path, and look at what is still there.",
    "Every change must be committed before the method returns; a directory path means the file "
    "registry.sqlite3 inside it.",
)
def test_durability(tmp_path, partial_credit):
    """Versions, schemas and modes survive closing and reopening, for a file path and a directory path."""
    partial_credit.total = 7
    folder = tmp_path / "folder"
    folder.mkdir()
    for label, path in (("file", tmp_path / "r.sqlite3"), ("directory", folder)):
        reg = SchemaRegistry(path)
        reg.register("users", V1)
        reg.register("users", V2)
        reg.set_mode("users", Mode.FULL_TRANSITIVE)
        reg.close()
        again = SchemaRegistry(path)
        try:
            partial_credit.check(
                int_list(again.versions("users")) == [1, 2] and same(again.get("users", 2), V2),
                f"after reopening the registry ({label} path) versions [1, 2] and their schemas must be there",
            )
            partial_credit.check(
                again.mode("users") is Mode.FULL_TRANSITIVE,
                f"after reopening ({label} path) the subject's mode must still be FULL_TRANSITIVE",
            )
            partial_credit.check(
                is_int(again.register("users", V1), 1)
                and is_int(
                    again.register(
                        "users", rec(A_INT, B_DEFAULT, {"name": "c", "type": "int", "default": 0})
                    ),
                    3,
                ),
                f"after reopening ({label} path) re-registration must find old versions and numbering "
                f"must continue at 3",
            )
        finally:
            again.close()
    partial_credit.check(
        (folder / "registry.sqlite3").is_file(),
        "a directory path must store the registry in the file registry.sqlite3 inside it",
    )
