"""The parent/child protocol: every message round-trips, every malformed line is refused with one clear
error, and the layout keeps the trust boundary (the child's code imports no parent module)."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import protocol
from autograder.child import plugin
from autograder.protocol import (
    Collected,
    CollectedTest,
    CollectError,
    Done,
    Orders,
    Phase,
    ProtocolError,
    Result,
    Start,
    encode,
    encode_orders,
    parse,
    parse_orders,
)
from autograder.services import registry

AUTOGRADER = Path(protocol.__file__).parent
TOKEN = "ab" * 16
TEST = CollectedTest(
    nodeid="test_tree.py::test_split",
    points=2.5,
    doc="Splits a full node.",
    fixtures=("partial_credit", "tmp_path"),
    part="A",
    visibility="visible",
    hints=("look at the median", "which half keeps it?"),
    critical=None,
)
ONE_OF_EACH = [
    CollectError(path="test_tree.py", feedback="ModuleNotFoundError: No module named 'btree'"),
    Collected(tests=(TEST, CollectedTest("t.py::b", None, "", (), "", "hidden", (), "no data lost"))),
    Collected(tests=()),
    Start(nodeid="test_tree.py::test_split"),
    Phase(nodeid="test_tree.py::test_split", when="teardown", ok=False),
    Result(
        nodeid="test_tree.py::test_split",
        passed=False,
        score=1.25,
        feedback="AssertionError: a check failed\n  in your code: …",
        repro="def test_it():\n    pass\n",
        duration=0.5,
    ),
    Done(),
]


def line_of(record: dict[str, object]) -> bytes:
    return json.dumps({"token": TOKEN, **record}).encode()


def test_every_kind_is_declared_once_and_covered_here() -> None:
    assert set(protocol.EVENTS) == {"collect_error", "collected", "start", "phase", "result", "done"}
    assert {type(event).kind for event in ONE_OF_EACH} == set(protocol.EVENTS)
    assert all(cls.kind == kind for kind, cls in protocol.EVENTS.items())


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda event: type(event).kind)
def test_every_event_round_trips(event: protocol.Event) -> None:
    line = encode(event, TOKEN)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert line.startswith(protocol.token_prefix(TOKEN))  # the token first: checked before parsing
    assert parse(line[:-1], TOKEN) == event


def test_orders_round_trip_and_default() -> None:
    orders = Orders(TOKEN, select=("a.py::t", "b.py::u"), shuffle_seed=7, forbidden=("cv2",), package="pkg")
    assert parse_orders(encode_orders(orders)) == orders
    assert parse_orders(encode_orders(Orders(TOKEN, collect_only=True))) == Orders(TOKEN, collect_only=True)
    assert parse_orders(b'{"token": "x"}') == Orders("x")
    for bad in (b"{}", b'{"token": "x", "select": "a.py::t"}', b'{"token": "x", "colect_only": true}'):
        with pytest.raises(ProtocolError):
            parse_orders(bad)


RESULT = {
    "event": "result",
    "nodeid": "t.py::a",
    "passed": True,
    "score": 2.0,
    "feedback": "",
    "repro": "",
    "duration": 0.1,
}
MALFORMED = {
    "oversized": line_of({**RESULT, "feedback": "x" * protocol.MAX_LINE}),
    "another run's token": json.dumps({"token": "cd" * 16, **RESULT}).encode(),
    "token not first": json.dumps({**RESULT, "token": TOKEN}).encode(),
    "no token": json.dumps(RESULT).encode(),
    "not UTF-8": protocol.token_prefix(TOKEN) + b' "event": "\xff\xfe"}',
    "not JSON": protocol.token_prefix(TOKEN) + b" not json",
    "truncated": line_of(RESULT)[:-5],
    "nested too deeply": protocol.token_prefix(TOKEN) + b' "event": "done", "x": ' + b"[" * 100000,
    "nested beyond any message": line_of({"event": "done", "x": [[[[[1]]]]]}),
    "unknown kind": line_of({**RESULT, "event": "passed"}),
    "kind not a string": line_of({**RESULT, "event": 5}),
    "no kind": line_of({key: value for key, value in RESULT.items() if key != "event"}),
    "missing field": line_of({key: value for key, value in RESULT.items() if key != "duration"}),
    "extra field": line_of({**RESULT, "points": 100}),
    "string for a number": line_of({**RESULT, "score": "5"}),
    "bool for a number": line_of({**RESULT, "score": True}),
    "number for a bool": line_of({**RESULT, "passed": 1}),
    "number for a string": line_of({**RESULT, "nodeid": 5}),
    "null for a string": line_of({**RESULT, "feedback": None}),
    "NaN": line_of(RESULT).replace(b'"score": 2.0', b'"score": NaN'),
    "Infinity": line_of(RESULT).replace(b'"score": 2.0', b'"score": Infinity'),
    "duplicate key": line_of(RESULT)[:-1] + b', "passed": false}',
    "duplicate token": line_of(RESULT)[:-1] + b', "token": "' + TOKEN.encode() + b'"}',
    "unknown phase": line_of({"event": "phase", "nodeid": "t.py::a", "when": "call2", "ok": True}),
    "tests not a list": line_of({"event": "collected", "tests": {"nodeid": "t.py::a"}}),
    "test not an object": line_of({"event": "collected", "tests": ["t.py::a"]}),
    "test missing a field": line_of({"event": "collected", "tests": [{"nodeid": "t.py::a"}]}),
    "unknown visibility": line_of({"event": "collected", "tests": [{**TEST.record(), "visibility": "all"}]}),
    "hint not a string": line_of({"event": "collected", "tests": [{**TEST.record(), "hints": [1]}]}),
}


@pytest.mark.parametrize("line", MALFORMED.values(), ids=MALFORMED.keys())
def test_each_malformed_line_is_refused_with_one_line(line: bytes) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse(line, TOKEN)
    message = str(refused.value)
    assert message and "\n" not in message and len(message) < 200


def test_the_well_formed_version_of_those_lines_is_accepted() -> None:
    """The malformed lines above differ from valid ones only by what they break."""
    assert parse(line_of(RESULT), TOKEN) == Result("t.py::a", True, 2.0, "", "", 0.1)
    assert parse(line_of({**RESULT, "score": 2}), TOKEN) == Result("t.py::a", True, 2.0, "", "", 0.1)
    assert parse(line_of({"event": "collected", "tests": [TEST.record()]}), TOKEN) == Collected((TEST,))


def test_random_garbage_only_ever_raises_protocol_error() -> None:
    rng = random.Random(18)
    valid = [encode(event, TOKEN)[:-1] for event in ONE_OF_EACH]
    accepted = refused = 0
    for _ in range(3000):
        line = bytearray(rng.choice(valid))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(line))
            line[position : position + rng.randint(0, 3)] = rng.randbytes(rng.randint(0, 3))
        try:
            parse(bytes(line), TOKEN)
            accepted += 1
        except ProtocolError:
            refused += 1
    assert refused > 1000 and accepted + refused == 3000


# --------------------------------------------------------------------------------------------------
# The layout: the child's code imports only the protocol, its own modules, pytest and the stdlib
# --------------------------------------------------------------------------------------------------
def imported_modules(source: str, module: str) -> list[str]:
    """Absolute names of every module `source` (the module `module`) imports."""
    names: list[str] = []
    package = module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            names += [f"{base}.{alias.name}" for alias in node.names] if base == "autograder" else [base]
    return names


def boundary_violations(source: str, module: str) -> list[str]:
    """Imports a module of the child side may not make: any other autograder module, third-party code."""
    found = []
    for name in imported_modules(source, module):
        top = name.partition(".")[0]
        if top == "autograder":
            allowed = name in ("autograder.protocol", "autograder.child") or name.startswith(
                "autograder.child."
            )
        else:
            allowed = top in sys.stdlib_module_names or top in {"pytest", "_pytest"}
        if not allowed:
            found.append(name)
    return found


def child_modules() -> list[tuple[str, Path]]:
    folder = AUTOGRADER / "child"
    return [
        ("autograder.child." + path.stem if path.stem != "__init__" else "autograder.child.__init__", path)
        for path in sorted(folder.rglob("*.py"))
    ]


def test_the_child_side_imports_no_parent_module() -> None:
    modules = child_modules()
    assert {name for name, _ in modules} >= {"autograder.child.plugin", "autograder.child.guard"}
    for name, path in modules:
        assert boundary_violations(path.read_text(), name) == [], path


def test_the_layout_check_catches_each_kind_of_crossing() -> None:
    crossings = {
        "from autograder import grading": "autograder.grading",
        "from autograder.sandbox import NETNS_ENV": "autograder.sandbox",
        "import autograder.reports": "autograder.reports",
        "from ..cli import main": "autograder.cli",
        "from .. import runner": "autograder.runner",
        "from autograder.services import registry": "autograder.services",
        "import numpy": "numpy",
    }
    for source, module in crossings.items():
        assert boundary_violations(source, "autograder.child.plugin") == [module], source
    fine = "from autograder import protocol\nfrom . import guard\nfrom .feedback import describe\nimport os"
    assert boundary_violations(fine, "autograder.child.plugin") == []


def test_the_protocol_imports_only_the_standard_library() -> None:
    names = imported_modules((AUTOGRADER / "protocol.py").read_text(), "autograder.protocol")
    assert names and all(name.partition(".")[0] in sys.stdlib_module_names for name in names), names


def test_the_parent_never_loads_the_child_plugin_or_pytest() -> None:
    """Grading imports the protocol to parse; the pytest plugin stays on the child's side."""
    code = (
        "import sys\nimport autograder.grading, autograder.runner, autograder.gate, autograder.cli\n"
        "print(sorted(m for m in sys.modules if m == 'autograder.child.plugin' or m.split('.')[0] == 'pytest'))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


def test_the_child_loads_exactly_the_fixture_plugins_the_registry_declares() -> None:
    assert sorted(plugin.fixture_plugins()) == sorted(registry.fixture_plugins())
