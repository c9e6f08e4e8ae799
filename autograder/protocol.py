"""The wire between the autograder (the parent) and a grading child: every message, typed, declared once.

The parent writes one `Orders` object to the child's orders pipe before the child runs anything; the
child writes one JSON line per event to its results pipe:

    collect_error  a grader module failed to import        path, feedback
    collected      the grader tests, after selection       tests (each a `CollectedTest`)
    start          a test begins                           nodeid
    phase          setup / call / teardown finished        nodeid, when, ok
    result         the child's view of a test's outcome    nodeid, passed, score, feedback, repro, duration
    done           the session ended normally              (nothing)

Every line is a JSON object whose first key is the run's `token`, then `event` (the kind), then exactly
the event's fields. The child shares its process with learner code, so to the parent every line is
hostile input: `parse` checks the token on the raw bytes before any JSON is read, refuses lines over
`MAX_LINE`, non-UTF-8, malformed or deeply nested JSON, duplicate keys, non-finite numbers, unknown
kinds, missing or extra fields and wrong types, always with one `ProtocolError`. A well-formed record is
still only a claim: the parent decides what it is worth (autograder.runner).

This module is imported by both sides and imports only the standard library.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, TypeAlias

CHILD_PLUGIN = "autograder.child.plugin"  # the pytest plugin every child loads (`-p`)
# Environment variables the parent sets for a child (and the only LABS_* ones the child reads).
CHANNEL_ENV = "LABS_CHANNEL"  # "orders_fd,results_fd": the two inherited pipe ends
LEARNER_ROOT_ENV = "LABS_LEARNER_ROOT"  # the snapshot holding the learner's package
DATASETS_ENV = "LABS_DATASETS_DIR"  # the repository's datasets/ folder
NETNS_ENV = "LABS_NETNS"  # "1": the child has its own network namespace and must bring up loopback
WARM_UP_ENV = "LABS_WARM_UP"  # "module:function,..." the child calls before its first test

MAX_LINE = 1 << 20  # a results line longer than this is refused unread
PHASES = ("setup", "call", "teardown")
VISIBILITIES = ("visible", "hidden")


class ProtocolError(ValueError):
    """A line or an orders object that is not a valid message (the text says why, in one line)."""


@dataclass(frozen=True)
class Orders:
    """What the parent tells a child: its token and which tests to run, in which order, under what policy."""

    token: str
    select: tuple[str, ...] | None = None  # node ids to keep (None: all)
    shuffle_seed: int | None = None  # shuffle the kept tests with this seed
    collect_only: bool = False  # list the tests, run none
    forbidden: tuple[str, ...] = ()  # module prefixes the learner's package may not import
    package: str = ""  # the learner's package (folder name under the learner root)


@dataclass(frozen=True)
class CollectedTest:
    """One grader test as the child collected it (inside a `Collected` event)."""

    nodeid: str
    points: float | None  # None: no valid points marker
    doc: str
    fixtures: tuple[str, ...]
    part: str
    visibility: str
    hints: tuple[str, ...]
    critical: str | None

    def record(self) -> dict[str, object]:
        """The plain form the grading caches and `ExpectedTest.from_record` reads."""
        return {
            "nodeid": self.nodeid,
            "points": self.points,
            "doc": self.doc,
            "fixtures": list(self.fixtures),
            "part": self.part,
            "visibility": self.visibility,
            "hints": list(self.hints),
            "critical": self.critical,
        }


@dataclass(frozen=True)
class CollectError:
    kind: ClassVar[str] = "collect_error"
    path: str
    feedback: str


@dataclass(frozen=True)
class Collected:
    kind: ClassVar[str] = "collected"
    tests: tuple[CollectedTest, ...]


@dataclass(frozen=True)
class Start:
    kind: ClassVar[str] = "start"
    nodeid: str


@dataclass(frozen=True)
class Phase:
    kind: ClassVar[str] = "phase"
    nodeid: str
    when: str  # one of PHASES
    ok: bool


@dataclass(frozen=True)
class Result:
    kind: ClassVar[str] = "result"
    nodeid: str
    passed: bool
    score: float
    feedback: str
    repro: str
    duration: float


@dataclass(frozen=True)
class Done:
    kind: ClassVar[str] = "done"


Event: TypeAlias = CollectError | Collected | Start | Phase | Result | Done
EVENTS: dict[str, type[Event]] = {
    cls.kind: cls for cls in (CollectError, Collected, Start, Phase, Result, Done)
}
_ALLOWED: dict[str, dict[str, tuple[str, ...]]] = {  # closed sets of values for some string fields
    "Phase": {"when": PHASES},
    "CollectedTest": {"visibility": VISIBILITIES},
}
_MAX_DEPTH = 4  # the deepest valid message: record -> tests -> test -> hints


# --------------------------------------------------------------------------------------------------
# Encoding (the child, and the parent for the orders)
# --------------------------------------------------------------------------------------------------
_dumps = json.dumps  # bound once: the child's reporting path does not look json up again


def encode(event: Event, token: str) -> bytes:
    """One results line: `{"token": ..., "event": kind, <fields>}` and a newline."""
    record: dict[str, object] = {"token": token, "event": event.kind}
    for name, value in event.__dict__.items():
        if type(value) is tuple:
            value = [item.record() if type(item) is CollectedTest else item for item in value]
        record[name] = value
    return (_dumps(record) + "\n").encode("utf-8")


def encode_orders(orders: Orders) -> bytes:
    return _dumps({name: list(v) if type(v) is tuple else v for name, v in orders.__dict__.items()}).encode()


# --------------------------------------------------------------------------------------------------
# Parsing (the parent, and the child for its orders)
# --------------------------------------------------------------------------------------------------
def token_prefix(token: str) -> bytes:
    """How every line of this run starts, byte for byte."""
    return _dumps({"token": token})[:-1].encode() + b","


def parse(line: bytes, token: str) -> Event:
    """The event on one results line (without its newline), or ProtocolError saying why not."""
    if len(line) > MAX_LINE:
        raise ProtocolError(f"line of {len(line)} bytes is over the {MAX_LINE}-byte limit")
    if not line.startswith(token_prefix(token)):
        raise ProtocolError("line does not start with this run's token")
    record = _load(line)
    if record.get("token") != token:
        raise ProtocolError("wrong token")
    kind = record.get("event")
    if not isinstance(kind, str) or kind not in EVENTS:
        raise ProtocolError(f"unknown event kind {str(kind)[:40]!r}")
    cls = EVENTS[kind]
    body = {name: value for name, value in record.items() if name not in ("token", "event")}
    event: Event = _build(cls, body, kind)
    return event


def parse_orders(data: bytes) -> Orders:
    record = _load(data)
    if "token" not in record:
        raise ProtocolError("orders: missing field 'token'")
    return _build(Orders, record, "orders")


_T = typing.TypeVar("_T")


def _load(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except UnicodeDecodeError:
        raise ProtocolError("not UTF-8") from None
    except RecursionError:
        raise ProtocolError("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or a duplicate key / NaN refused below
        raise ProtocolError(f"not a JSON object: {str(exc)[:80]}") from None
    if not isinstance(value, dict):
        raise ProtocolError("not a JSON object")
    if _depth(value) > _MAX_DEPTH:
        raise ProtocolError("nested too deeply")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise ValueError("duplicate key")
    return record


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number here")


def _depth(value: object) -> int:
    """Nesting depth of containers, iteratively (a hostile value never costs recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= _MAX_DEPTH:
                stack.extend(
                    (child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
                )
    return deepest


def _build(cls: type[_T], body: dict[str, Any], where: str) -> _T:
    """An instance of the dataclass `cls` from `body`: exactly its fields, each of its declared type."""
    hints = _HINTS[cls.__name__]
    declared = [field for field in fields(cls) if field.init]  # type: ignore[arg-type]
    names = {field.name for field in declared}
    extra = sorted(set(body) - names)
    if extra:
        raise ProtocolError(f"{where}: unexpected field {extra[0][:40]!r}")
    values: dict[str, object] = {}
    for field in declared:
        if field.name not in body:
            if field.default is MISSING:
                raise ProtocolError(f"{where}: missing field {field.name!r}")
            values[field.name] = field.default
            continue
        value = _typed(body[field.name], hints[field.name], f"{where}.{field.name}")
        allowed = _ALLOWED.get(cls.__name__, {}).get(field.name)
        if allowed is not None and value not in allowed:
            raise ProtocolError(
                f"{where}.{field.name}: {str(value)[:40]!r} is not one of {', '.join(allowed)}"
            )
        values[field.name] = value
    return cls(**values)


def _typed(value: object, hint: object, where: str) -> object:
    """`value` as the type `hint` (str, bool, int, float, X | None, tuple[X, ...], CollectedTest)."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        if value is None and type(None) in arguments:
            return None
        (inner,) = [argument for argument in arguments if argument is not type(None)]
        return _typed(value, inner, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ProtocolError(f"{where}: expected a list")
        return tuple(_typed(item, arguments[0], f"{where}[]") for item in value)
    if hint is CollectedTest:
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: expected an object")
        return _build(CollectedTest, value, where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ProtocolError(f"{where}: expected a number")
        return float(value)
    if hint in (str, bool, int) and type(value) is hint:
        return value
    raise ProtocolError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {type(value).__name__}")


_HINTS: dict[str, dict[str, object]] = {
    cls.__name__: typing.get_type_hints(cls) for cls in (Orders, CollectedTest, *EVENTS.values())
}
