"""Hidden graders, Part A: `check` on a table of (reader, writer) cases from the Avro specification.

Each case states the SET of incompatibility locations expected (JSON pointers into the reader's
schema, as the README defines them); an empty set means compatible.
"""

from __future__ import annotations

import json

import pytest
from evolution import InvalidSchemaError, check


def rec(name, *fields, **extra):
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def f(name, ftype, **extra):
    return {"name": name, "type": ftype, **extra}


def arr(items):
    return {"type": "array", "items": items}


def mp(values):
    return {"type": "map", "values": values}


def enum(name, *symbols, **extra):
    return {"type": "enum", "name": name, "symbols": list(symbols), **extra}


def fixed(name, size, **extra):
    return {"type": "fixed", "name": name, "size": size, **extra}


def _short(schema) -> str:
    text = schema if isinstance(schema, str) else json.dumps(schema, separators=(",", ":"))
    return text if len(text) <= 260 else text[:257] + "..."


def run_cases(credit, cases) -> None:
    """One partial-credit case per (label, reader, writer, expected locations)."""
    credit.total = len(cases)
    for label, reader, writer, expected in cases:
        want = set(expected)
        where = f"{label}: check(reader={_short(reader)}, writer={_short(writer)})"
        try:
            result = check(reader, writer)
            compatible = result.compatible
            problems = list(result.incompatibilities)
            locations = [p.location for p in problems]
        except Exception as exc:
            credit.check(False, f"{where} raised {type(exc).__name__}: {exc}")
            continue
        if type(compatible) is not bool or not all(type(loc) is str for loc in locations):
            credit.check(False, f"{where}: Result.compatible must be a bool and every location a str")
            continue
        got = set(locations)
        ok = got == want and compatible is (not want) and (bool(problems) is (not compatible))
        expected_text = "compatible" if not want else f"incompatible at {sorted(want)}"
        credit.check(
            ok,
            f"{where}: expected {expected_text}; got compatible={compatible} with locations "
            f"{sorted(got)} (the README, Part A 'Locations', defines where each problem is reported)",
        )


# -------------------------------------------------------------------------------------------------
PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
PROMOTIONS = [
    ("long", "int"),
    ("float", "int"),
    ("double", "int"),
    ("float", "long"),
    ("double", "long"),
    ("double", "float"),
    ("bytes", "string"),
    ("string", "bytes"),
]
NOT_PROMOTIONS = [
    ("int", "long"),
    ("int", "float"),
    ("int", "double"),
    ("long", "double"),
    ("long", "float"),
    ("float", "double"),
    ("string", "int"),
    ("int", "string"),
    ("boolean", "int"),
    ("int", "boolean"),
    ("null", "int"),
    ("int", "null"),
    ("string", "null"),
    ("bytes", "int"),
    ("long", "string"),
    ("float", "string"),
    ("boolean", "string"),
    ("double", "bytes"),
]


@pytest.mark.points(7)
@pytest.mark.part("A")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "The README's table lists every promotion; everything else between different primitives is refused.",
    "Promotions have a direction: the writer's type is looked up, and the reader's must be among the "
    "types it promotes to.",
)
def test_primitives_and_promotions(partial_credit):
    """Primitive types: identical types, the specification's promotions, and everything else refused."""
    cases = [(f"same primitive {p}", p, p, []) for p in PRIMS]
    cases += [(f"promotion {w} -> {r}", r, w, []) for r, w in PROMOTIONS]
    cases += [(f"no promotion {w} -> {r}", r, w, [""]) for r, w in NOT_PROMOTIONS]
    cases += [
        ("primitive written as an object", {"type": "long"}, {"type": "int"}, []),
        ("primitive objects, narrowing", {"type": "int"}, "long", [""]),
        ("promotion inside a record", rec("R", f("a", "double")), rec("R", f("a", "long")), []),
        ("narrowing inside a record", rec("R", f("a", "int")), rec("R", f("a", "long")), ["/fields/0/type"]),
        (
            "bytes/string inside a record",
            rec("R", f("a", "string"), f("b", "bytes")),
            rec("R", f("a", "bytes"), f("b", "string")),
            [],
        ),
    ]
    run_cases(partial_credit, cases)


PERSON = rec("Person", f("id", "int"))


@pytest.mark.points(9)
@pytest.mark.part("A")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Walk the reader's fields in order: for each, find the writer's field by name or by one of the "
    "reader field's aliases.",
    "Names compare unqualified; only the reader's aliases count; a name mismatch is reported at /name "
    "and nothing else of that pair is compared.",
    "Locations use the reader's field positions, and a reader-only field without a default is reported "
    "at the field itself.",
)
def test_records(partial_credit):
    """Records: names and aliases, field matching by name and alias, defaults, nesting, several problems."""
    cases = [
        ("identical record", PERSON, PERSON, []),
        ("writer-only field is skipped", PERSON, rec("Person", f("id", "int"), f("x", "string")), []),
        (
            "reader-only field with a default",
            rec("Person", f("id", "int"), f("n", "string", default="")),
            PERSON,
            [],
        ),
        (
            "reader-only field without a default",
            rec("Person", f("id", "int"), f("age", "int")),
            PERSON,
            ["/fields/1"],
        ),
        (
            "the README example",
            rec("P", f("id", "string"), f("age", "int")),
            rec("P", f("id", "int")),
            ["/fields/0/type", "/fields/1"],
        ),
        (
            "fields in another order",
            rec("R", f("b", "string"), f("a", "long")),
            rec("R", f("a", "int"), f("b", "string")),
            [],
        ),
        (
            "another order with one bad field",
            rec("R", f("b", "string"), f("a", "int")),
            rec("R", f("a", "int"), f("b", "int")),
            ["/fields/0/type"],
        ),
        (
            "different record names: only the name is reported",
            rec("P", f("a", "string")),
            rec("Q", f("a", "int")),
            ["/name"],
        ),
        (
            "names compared unqualified (different namespaces)",
            rec("com.new.User", f("id", "int")),
            rec("com.old.User", f("id", "int")),
            [],
        ),
        (
            "namespace attribute against a dotted name",
            rec("User", f("id", "long"), namespace="a.b"),
            rec("x.y.User", f("id", "int")),
            [],
        ),
        ("reader alias names the writer", rec("Human", f("id", "int"), aliases=["Person"]), PERSON, []),
        (
            "reader alias in the reader's namespace",
            rec("Human", f("id", "int"), namespace="a", aliases=["Person"]),
            rec("a.Person", f("id", "int")),
            [],
        ),
        ("writer aliases do not count", PERSON, rec("Human", f("id", "int"), aliases=["Person"]), ["/name"]),
        ("field alias matches a writer field", rec("Person", f("key", "long", aliases=["id"])), PERSON, []),
        (
            "a field's own name wins over its alias when the writer has both",
            rec("R", f("a", "int", aliases=["b"])),
            rec("R", f("a", "int"), f("b", "string")),
            [],
        ),
        (
            "field alias with a bad type",
            rec("Person", f("key", "string", aliases=["uid", "id"])),
            PERSON,
            ["/fields/0/type"],
        ),
        (
            "field alias with nothing to match",
            rec("Person", f("key", "long", aliases=["uid"])),
            PERSON,
            ["/fields/0"],
        ),
        (
            "optional reader-only field",
            rec("Person", f("id", "int"), f("email", ["null", "string"], default=None)),
            PERSON,
            [],
        ),
        (
            "nested record, field missing",
            rec("R", f("a", rec("Inner", f("x", "long"), f("y", "string")))),
            rec("R", f("a", rec("Inner", f("x", "int")))),
            ["/fields/0/type/fields/1"],
        ),
        (
            "nested record, name mismatch",
            rec("R", f("a", rec("Inner", f("x", "long")))),
            rec("R", f("a", rec("Other", f("x", "int")))),
            ["/fields/0/type/name"],
        ),
        (
            "nested names inherit namespaces and compare unqualified",
            rec("a.R", f("x", rec("Inner", f("v", "long")))),
            rec("b.R", f("x", rec("Inner", f("v", "int")))),
            [],
        ),
        (
            "several problems at once",
            rec(
                "R",
                f("a", "int"),
                f("b", "string"),
                f("c", "boolean"),
                f("d", "long", default=0),
                f("e", "double"),
            ),
            rec("R", f("a", "string"), f("b", "string"), f("c", "int"), f("x", "int")),
            ["/fields/0/type", "/fields/2/type", "/fields/4"],
        ),
        ("record against a primitive", PERSON, "int", [""]),
        ("primitive against a record", "string", PERSON, [""]),
        ("empty reader record reads anything with that name", rec("Person"), PERSON, []),
        ("empty writer record", rec("Person", f("id", "int", default=0)), rec("Person"), []),
        (
            "record with a default record field",
            rec("R", f("a", "int"), f("s", rec("S", f("x", "int")), default={"x": 1})),
            rec("R", f("a", "int")),
            [],
        ),
    ]
    run_cases(partial_credit, cases)


COLOR = enum("Color", "RED", "GREEN", "BLUE")


@pytest.mark.points(7)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Every symbol the writer can write must be known to the reader, unless the reader has a default.",
    "A fixed needs the same name (or alias) and the same size; report the size at /size.",
)
def test_enums_and_fixed(partial_credit):
    """Enums (symbols, reader default, names, aliases) and fixed (size, name, aliases)."""
    cases = [
        ("identical enum", COLOR, COLOR, []),
        ("reader has more symbols", enum("Color", "RED", "GREEN", "BLUE", "PINK"), COLOR, []),
        ("symbols in another order", enum("Color", "BLUE", "RED", "GREEN"), COLOR, []),
        ("writer symbol missing, no default", enum("Color", "RED", "GREEN"), COLOR, ["/symbols"]),
        ("writer symbol missing, reader default", enum("Color", "RED", "GREEN", default="RED"), COLOR, []),
        ("two symbols missing, one location", enum("Color", "RED"), COLOR, ["/symbols"]),
        ("enum name mismatch: only the name", enum("Colour", "RED"), COLOR, ["/name"]),
        ("enum alias", enum("Colour", "RED", "GREEN", "BLUE", aliases=["Color"]), COLOR, []),
        ("enum namespaces differ", enum("x.Color", "RED", "GREEN", "BLUE"), enum("y.Color", "RED"), []),
        (
            "enum inside a record",
            rec("R", f("c", enum("Color", "RED", "GREEN"))),
            rec("R", f("c", COLOR)),
            ["/fields/0/type/symbols"],
        ),
        ("enum against a string", "string", COLOR, [""]),
        ("string against an enum", COLOR, "string", [""]),
        ("identical fixed", fixed("MD5", 16), fixed("MD5", 16), []),
        ("fixed size mismatch", fixed("MD5", 16), fixed("MD5", 20), ["/size"]),
        ("fixed name mismatch: only the name", fixed("SHA", 16), fixed("MD5", 20), ["/name"]),
        ("fixed alias", fixed("Hash", 16, aliases=["MD5"]), fixed("MD5", 16), []),
        ("fixed namespaces differ", fixed("a.MD5", 16), fixed("b.MD5", 16), []),
        (
            "fixed inside a record",
            rec("R", f("h", fixed("MD5", 4))),
            rec("R", f("h", fixed("MD5", 8))),
            ["/fields/0/type/size"],
        ),
        ("fixed against bytes", fixed("MD5", 16), "bytes", [""]),
        ("bytes against fixed", "bytes", fixed("MD5", 16), [""]),
        ("zero-size fixed", fixed("Empty", 0), fixed("Empty", 0), []),
        ("fixed against an enum of the same name", fixed("X", 1), enum("X", "A"), [""]),
    ]
    run_cases(partial_credit, cases)


R_STR = rec("R", f("a", "string"))
R_INT = rec("R", f("a", "int"))


@pytest.mark.points(9)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Handle a writer union first: each of its branches is checked against the whole reader.",
    "Against a reader union, the first branch that matches (shallowly) is used, even if a later one "
    "would resolve better.",
    "Locations inside a reader union add the 0-based branch index.",
)
def test_unions(partial_credit):
    """Unions on either side: every writer branch must resolve, the first matching reader branch is used."""
    cases = [
        ("reader union has the writer's type", ["null", "string"], "string", []),
        ("reader union branch by promotion", ["null", "long"], "int", []),
        ("no reader branch matches", ["null", "string"], "int", [""]),
        ("writer union, one branch unreadable", "string", ["null", "string"], [""]),
        ("writer union, every branch readable", "long", ["int", "long"], []),
        (
            "an array of unions matches an array branch whose items are the same union",
            ["null", arr(["null", "int"])],
            arr(["null", "int"]),
            [],
        ),
        (
            "a map of unions: the map branch matches, then its values resolve",
            ["string", mp(["null", "long"])],
            mp(["int", "null"]),
            [],
        ),
        ("writer union, a later branch unreadable", "int", ["int", "long"], [""]),
        ("unions in another order", ["string", "null"], ["null", "string"], []),
        ("writer union has an extra branch", ["null", "string"], ["null", "string", "int"], [""]),
        ("union against union with promotions", ["null", "double"], ["int", "null", "float"], []),
        ("bad field in the chosen reader branch", ["null", R_STR], R_INT, ["/1/fields/0/type"]),
        (
            "array branch chosen by its items' name, then resolved",
            ["null", arr(R_STR)],
            arr(R_INT),
            ["/1/items/fields/0/type"],
        ),
        (
            "first matching branch is used (alias), not the best one",
            [rec("X", f("a", "string"), aliases=["R"]), rec("R", f("a", "int"))],
            R_INT,
            ["/0/fields/0/type"],
        ),
        (
            "record branch picked by name",
            [rec("A", f("x", "int")), rec("B", f("y", "int"))],
            rec("B", f("y", "int")),
            [],
        ),
        ("enum branch picked by name", [enum("E1", "A"), enum("E2", "B")], enum("E2", "B"), []),
        ("fixed branch needs the same size", ["null", fixed("F", 2)], fixed("F", 3), [""]),
        (
            "fixed branch of the right size is chosen",
            [fixed("G", 3), fixed("F", 2), "bytes"],
            fixed("F", 2),
            [],
        ),
        ("union against union, a writer branch unmatched", ["null", "int"], ["null", "string"], [""]),
        ("map branch with promoted values", ["null", mp("long")], mp("int"), []),
        (
            "optional field against a primitive",
            rec("R", f("a", ["null", "string"], default=None)),
            R_INT,
            ["/fields/0/type"],
        ),
        (
            "writer union of records against reader union",
            ["null", rec("R", f("a", "long"), f("b", "string", default=""))],
            ["null", R_INT],
            [],
        ),
        ("writer union with a bad record branch", ["null", R_STR], ["null", R_INT], ["/1/fields/0/type"]),
        (
            "deep location inside the third reader branch",
            ["string", "null", arr(R_STR)],
            ["null", arr(R_INT)],
            ["/2/items/fields/0/type"],
        ),
        (
            "record branch by unqualified name",
            ["null", rec("x.R", f("a", "long"))],
            rec("y.R", f("a", "int")),
            [],
        ),
        (
            "two writer branches failing in two reader branches",
            ["null", R_STR, arr("string")],
            [R_INT, arr("int")],
            ["/1/fields/0/type", ""],
        ),
    ]
    run_cases(partial_credit, cases)


def linked(value_type, *extra, name="Node"):
    return rec(name, f("value", value_type), f("next", ["null", name]), *extra)


@pytest.mark.points(7)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Arrays compare items, maps compare values, each one level deeper in the location.",
    "Remember each (reader, writer) pair of named types you have compared and stop when you meet it "
    "again: that ends recursion and reports a pair once.",
)
def test_arrays_maps_recursion(partial_credit):
    """Arrays and maps, recursive types, and named types used again by reference."""
    enum_twice = rec("R", f("x", enum("E", "A")), f("y", "E"))
    enum_twice_wider = rec("R", f("x", enum("E", "A", "B")), f("y", "E"))
    inner = rec("Inner", f("v", "int"))
    inner_long = rec("Inner", f("v", "long"))
    tree = rec("Tree", f("v", "int"), f("kids", arr("Tree")), f("tags", mp("Tree")))
    tree_long = rec("Tree", f("v", "long"), f("kids", arr("Tree")), f("tags", mp("Tree")))
    a_then_b = rec("A", f("b", rec("B", f("back", ["null", "A"]), f("n", "int"))))
    a_then_b_long = rec("A", f("b", rec("B", f("back", ["null", "A"]), f("n", "long"))))
    cases = [
        ("array items promoted", arr("long"), arr("int"), []),
        ("array items narrowed", arr("int"), arr("long"), ["/items"]),
        ("map values promoted", mp("double"), mp("int"), []),
        ("map values incompatible", mp("int"), mp("string"), ["/values"]),
        ("array against map", arr("int"), mp("int"), [""]),
        ("map against array", mp("int"), arr("int"), [""]),
        ("array of arrays", arr(arr("int")), arr(arr("long")), ["/items/items"]),
        (
            "map of arrays of records",
            mp(arr(rec("R", f("a", "int"), f("b", "int")))),
            mp(arr(rec("R", f("a", "int")))),
            ["/values/items/fields/1"],
        ),
        ("array of unions", arr(["null", "string"]), arr(["null", "int"]), ["/items"]),
        ("identical linked list", linked("int"), linked("int"), []),
        ("recursive type, compatible change", linked("long"), linked("int"), []),
        (
            "recursive type, incompatible change reported once",
            linked("int"),
            linked("long"),
            ["/fields/0/type"],
        ),
        (
            "recursive type with a new required field",
            linked("int", f("w", "int")),
            linked("int"),
            ["/fields/2"],
        ),
        ("recursion through an array and a map", tree, tree, []),
        ("recursion through an array and a map, bad field", tree, tree_long, ["/fields/0/type"]),
        ("mutual recursion", a_then_b_long, a_then_b, []),
        ("mutual recursion, bad field", a_then_b, a_then_b_long, ["/fields/0/type/fields/1/type"]),
        (
            "a named pair is compared once, where first met",
            enum_twice,
            enum_twice_wider,
            ["/fields/0/type/symbols"],
        ),
        (
            "reference inside a union, compared at the definition",
            rec("R", f("a", inner), f("b", ["null", "Inner"])),
            rec("R", f("a", inner_long), f("b", ["null", "Inner"])),
            ["/fields/0/type/fields/0/type"],
        ),
        (
            "writer defines the type in another field than the reader",
            rec("R", f("x", enum("E", "A")), f("y", "E")),
            rec("R", f("y", enum("E", "A", "B", "C")), f("x", "E")),
            ["/fields/0/type/symbols"],
        ),
        (
            "namespaced reference by full and short name",
            rec("a.R", f("x", enum("E", "A", "B")), f("y", "a.E"), f("z", "E")),
            rec("b.R", f("x", enum("E", "A")), f("y", "b.E"), f("z", "E")),
            [],
        ),
    ]
    run_cases(partial_credit, cases)


def dec(precision, scale=None, **extra):
    """A `decimal` logical type on bytes (scale left out when None)."""
    node = {"type": "bytes", "logicalType": "decimal", "precision": precision, **extra}
    return node if scale is None else {**node, "scale": scale}


def fdec(name, size, precision, scale=None):
    """A `decimal` logical type on a fixed of `size` bytes."""
    node = {"type": "fixed", "name": name, "size": size, "logicalType": "decimal", "precision": precision}
    return node if scale is None else {**node, "scale": scale}


@pytest.mark.points(5)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Logical types are annotations on an underlying type; only one of them changes schema resolution.",
    "Two valid decimals match only when precision and scale are both equal (a missing scale is 0); "
    "this also decides which union branch matches.",
    "A decimal is valid only on bytes or fixed, with 1 <= precision, 0 <= scale <= precision, and on a "
    "fixed of n bytes precision <= floor(log10(2**(8n-1) - 1)); anything else is ignored.",
)
def test_decimal_logical_types(partial_credit):
    """Decimal logical types match only with equal precision and scale; other logical types are ignored."""
    cases = [
        ("identical decimals", dec(5, 2), dec(5, 2), []),
        ("precision differs", dec(6, 2), dec(5, 2), ["/precision"]),
        ("scale differs", dec(5, 3), dec(5, 2), ["/scale"]),
        ("precision and scale differ", dec(7, 1), dec(5, 2), ["/precision", "/scale"]),
        ("a missing scale is 0", dec(4), dec(4, 0), []),
        ("a missing scale is not 1", dec(4), dec(4, 1), ["/scale"]),
        ("decimal reader, plain bytes writer", dec(5, 2), "bytes", []),
        ("plain bytes reader, decimal writer", "bytes", dec(5, 2), []),
        ("decimal reader, string writer (promotion)", dec(5, 2), "string", []),
        ("invalid reader decimal (scale > precision) is ignored", dec(2, 3), dec(3, 1), []),
        ("invalid writer decimal (precision 0) is ignored", dec(3, 1), dec(0), []),
        ("invalid writer decimal (negative scale) is ignored", dec(3, 1), dec(3, -1), []),
        ("invalid writer decimal (scale 1.0 not an integer) is ignored", dec(3, 0), dec(3, 1.0), []),
        ("invalid writer decimal (precision true) is ignored", dec(1, 0), dec(True, 0), []),
        ("invalid writer decimal (precision true, not 1) is ignored", dec(2, 0), dec(True, 0), []),
        ("invalid writer decimal (scale true, not 1) is ignored", dec(3, 0), dec(3, True), []),
        ("a scale equal to the precision is valid", dec(3, 3), dec(4, 3), ["/precision"]),
        (
            "decimal on int is invalid and ignored",
            {"type": "int", "logicalType": "decimal", "precision": 4},
            {"type": "int", "logicalType": "decimal", "precision": 3},
            [],
        ),
        ("fixed decimals, scale differs", fdec("D", 4, 5, 2), fdec("D", 4, 5, 3), ["/scale"]),
        ("fixed decimals at the size limit", fdec("D", 4, 9, 2), fdec("D", 4, 8, 2), ["/precision"]),
        ("fixed decimal past the size limit is ignored", fdec("D", 4, 9, 2), fdec("D", 4, 10, 2), []),
        ("3-byte fixed: 6 digits fit", fdec("D", 3, 6), fdec("D", 3, 5), ["/precision"]),
        ("3-byte fixed: 7 digits do not", fdec("D", 3, 6), fdec("D", 3, 7), []),
        ("1-byte fixed: 2 digits fit", fdec("D", 1, 2), fdec("D", 1, 1), ["/precision"]),
        ("1-byte fixed: 3 digits do not", fdec("D", 1, 2), fdec("D", 1, 3), []),
        ("fixed decimals of other names: only the name", fdec("A", 4, 5, 2), fdec("B", 4, 5, 3), ["/name"]),
        (
            "fixed decimals, size and scale differ",
            fdec("D", 4, 5, 2),
            fdec("D", 5, 5, 3),
            ["/size", "/scale"],
        ),
        (
            "decimal field in a record",
            rec("R", f("p", dec(9, 2))),
            rec("R", f("p", dec(9, 4))),
            ["/fields/0/type/scale"],
        ),
        ("array of decimals", arr(dec(9, 2)), arr(dec(10, 2)), ["/items/precision"]),
        ("no union branch matches a decimal of other scale", ["null", dec(5, 2)], dec(5, 1), [""]),
        (
            "a decimal branch of other precision does not match: the next branch is used",
            ["null", dec(5, 2), "string"],
            dec(4, 2),
            [],
        ),
        ("union of equal decimals", ["null", dec(5, 2)], ["null", dec(5, 2)], []),
        (
            "writer union with a decimal of other scale",
            ["null", dec(5, 2)],
            ["null", dec(5, 3)],
            [""],
        ),
        (
            "other logical types are ignored (timestamp-millis against timestamp-micros)",
            {"type": "long", "logicalType": "timestamp-micros"},
            {"type": "long", "logicalType": "timestamp-millis"},
            [],
        ),
        (
            "other logical types resolve by their underlying types (date int -> timestamp long)",
            {"type": "long", "logicalType": "timestamp-millis"},
            {"type": "int", "logicalType": "date"},
            [],
        ),
        (
            "other logical types cannot hide an underlying mismatch",
            {"type": "int", "logicalType": "date"},
            {"type": "long", "logicalType": "timestamp-millis"},
            [""],
        ),
        (
            "uuid string reads decimal bytes (promotion)",
            {"type": "string", "logicalType": "uuid"},
            dec(5, 2),
            [],
        ),
    ]
    run_cases(partial_credit, cases)


INVALID = [
    ("not valid JSON text", '{"type": '),
    ("a number", 42),
    ("null", None),
    ("a boolean", True),
    ("unknown type name", "Nope"),
    ("unknown type", {"type": "wat"}),
    ("type not a string", {"type": 3}),
    ("undefined name in a field", rec("R", f("a", "Missing"))),
    ("name used before its definition", rec("R", f("a", "E"), f("b", enum("E", "A")))),
    ("record without fields", {"type": "record", "name": "R"}),
    ("fields not a list", {"type": "record", "name": "R", "fields": {"a": "int"}}),
    ("record without a name", {"type": "record", "fields": []}),
    ("field without a name", rec("R", {"type": "int"})),
    ("field without a type", rec("R", {"name": "a"})),
    ("duplicate field names", rec("R", f("a", "int"), f("a", "long"))),
    ("invalid record name", rec("1abc", f("a", "int"))),
    ("invalid field name", rec("R", f("a-b", "int"))),
    ("invalid namespace part", rec("R", f("a", "int"), namespace="a..b")),
    ("duplicate enum symbols", enum("E", "A", "A")),
    ("invalid enum symbol", enum("E", "A", "2B")),
    ("enum default not a symbol", enum("E", "A", default="B")),
    ("enum without symbols", {"type": "enum", "name": "E"}),
    ("negative fixed size", fixed("F", -1)),
    ("non-integer fixed size", fixed("F", 2.5)),
    ("fixed size as a string", fixed("F", "4")),
    ("fixed size true (a boolean, not an integer)", fixed("F", True)),
    ("fixed without a size", {"type": "fixed", "name": "F"}),
    ("array without items", {"type": "array"}),
    ("map without values", {"type": "map"}),
    ("union inside a union", ["null", ["int", "string"]]),
    ("duplicate primitive branches", ["int", "int"]),
    ("two array branches", ["null", arr("int"), arr("string")]),
    ("two map branches", [mp("int"), mp("long")]),
    ("the same named type twice in a union", [enum("E", "A"), "E"]),
    ("int default is a string", rec("R", f("a", "int", default="x"))),
    ("string default is a number", rec("R", f("a", "string", default=1))),
    ("int default out of range", rec("R", f("a", "int", default=2**40))),
    ("boolean default is a number", rec("R", f("a", "boolean", default=0))),
    ("union default fits no branch", rec("R", f("a", ["null", "string"], default=5))),
    ("record default lacks a field", rec("R", f("s", rec("S", f("x", "int")), default={}))),
    ("array default is not a list", rec("R", f("a", arr("int"), default=1))),
    ("redefined name", rec("R", f("a", rec("R", f("b", "int"))))),
    ("int default just above the range", rec("R", f("a", "int", default=2**31))),
    ("int default just below the range", rec("R", f("a", "int", default=-(2**31) - 1))),
    ("long default just above the range", rec("R", f("a", "long", default=2**63))),
    ("double default is a boolean", rec("R", f("a", "double", default=True))),
    ("float default is a string", rec("R", f("a", "float", default="1.5"))),
    ("fixed default of the wrong length", rec("R", f("h", fixed("F", 2), default="abc"))),
    ("map default with a bad value", rec("R", f("m", mp("int"), default={"k": "v"}))),
    ("array default with a bad item", rec("R", f("a", arr("int"), default=[1, "x"]))),
    ("enum field default not a symbol", rec("R", f("e", enum("E", "A", "B"), default="C"))),
    ("field aliases not a list", rec("R", f("a", "int", aliases="b"))),
    ("field alias not a valid name", rec("R", f("a", "int", aliases=["b-c"]))),
    ("record named like a primitive", rec("int", f("a", "int"))),
    ("enum named like a primitive", enum("string", "A")),
    ("named type aliases not a list", rec("R", f("a", "int"), aliases="Q")),
]


VALID_EDGES = [
    ("int default at the lowest int", rec("R", f("a", "int", default=-(2**31)))),
    ("int default at the highest int", rec("R", f("a", "int", default=2**31 - 1))),
    ("long default at the highest long", rec("R", f("a", "long", default=2**63 - 1))),
    ("double default given as an integer", rec("R", f("a", "double", default=3))),
    (
        "union default fitting its second branch (Avro 1.12)",
        rec("R", f("a", ["null", "string"], default="x")),
    ),
    (
        "union default fitting a later record branch",
        rec("R", f("a", ["int", rec("S", f("x", "int"))], default={"x": 1})),
    ),
    ("fixed default of the right length", rec("R", f("h", fixed("F", 3), default="abc"))),
    ("map default with good values", rec("R", f("m", mp("long"), default={"k": 1, "j": 2}))),
    ("enum field default that is a symbol", rec("R", f("e", enum("E", "A", "B"), default="B"))),
    (
        "two named branches with one short name in different namespaces",
        [rec("a.X", f("v", "int")), rec("b.X", f("v", "int"))],
    ),
    ("JSON text after leading whitespace", '  \n {"type": "array", "items": "long"}'),
    ("JSON text of a type name after whitespace", ' "string"'),
    (
        "a decimal whose scale exceeds its precision (ignored, not an error)",
        {"type": "bytes", "logicalType": "decimal", "precision": 2, "scale": 3},
    ),
    ("a decimal without precision (ignored, not an error)", {"type": "bytes", "logicalType": "decimal"}),
    ("an unknown logical type (ignored)", {"type": "long", "logicalType": "timestamp-nanos-ish"}),
    ("a record field named like a primitive", rec("R", f("int", "int"), f("string", "string"))),
]


@pytest.mark.points(2)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Some schemas sit right at the edge of what is valid; check the ranges and rules in the README again.",
    "Compare your range checks with the exact bounds of a 32- and 64-bit signed integer, and reread "
    "which union branch a default may fit in Avro 1.12.",
    "Uniqueness in a union is by full name; JSON text may start with whitespace; an invalid logical "
    "type is ignored, not an error.",
)
def test_valid_schemas_at_the_edges(partial_credit):
    """Valid schemas at the edges of the rules (range bounds, union defaults, namespaces) are accepted."""
    partial_credit.total = len(VALID_EDGES)
    for label, schema in VALID_EDGES:
        try:
            result = check(schema, schema)
            outcome = (
                None
                if type(result.compatible) is bool and result.compatible is True
                else (f"returned compatible={result.compatible!r}")
            )
        except Exception as exc:
            outcome = f"raised {type(exc).__name__}: {exc}"
        partial_credit.check(
            outcome is None,
            f"a valid schema ({label}: {_short(schema)}) checked against itself must be compatible, but "
            f"check {outcome}",
        )


@pytest.mark.points(4)
@pytest.mark.part("A")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Every invalid schema must raise InvalidSchemaError, never KeyError or TypeError.",
    "Go through the README's list of what to reject, including defaults that do not fit their type "
    "and names that clash with primitives.",
)
def test_json_text_and_invalid_schemas(partial_credit):
    """Schemas as JSON text work; invalid schemas (either side) raise InvalidSchemaError, never crash."""
    readme_reader = rec("P", f("id", "string"), f("age", "int"))
    readme_writer = rec("P", f("id", "int"))
    text_cases = [
        ("JSON text primitives", '"long"', '"int"', []),
        ("JSON text array", '{"type": "array", "items": "long"}', '{"type":"array","items":"int"}', []),
        (
            "JSON text records",
            json.dumps(readme_reader),
            json.dumps(readme_writer, indent=2),
            ["/fields/0/type", "/fields/1"],
        ),
        ("JSON text union", '["null", "string"]', '"string"', []),
        ("JSON text against a dict", json.dumps(COLOR), enum("Color", "RED", "BLACK"), ["/symbols"]),
    ]
    run_cases(partial_credit, text_cases)
    partial_credit.total = len(text_cases) + 2 * len(INVALID)
    for label, bad in INVALID:
        for side in ("reader", "writer"):
            args = (bad, "int") if side == "reader" else ("int", bad)
            try:
                check(*args)
                outcome = "returned a Result"
            except InvalidSchemaError:
                outcome = None
            except Exception as exc:
                outcome = f"raised {type(exc).__name__}: {exc}"
            partial_credit.check(
                outcome is None,
                f"invalid schema as {side} ({label}: {_short(bad) if bad is not None else 'None'}) must "
                f"raise InvalidSchemaError, but check {outcome} (README Part A lists what to reject)",
            )
