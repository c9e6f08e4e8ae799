"""Load and validate `labs/<lab>/lab.toml` manifests.

Every manifest field is declared once, in `FIELDS`: its name, type, default, allowed values and the
description shown in docs/lab-contract.md (`field_table()` renders that table; a test keeps the two
equal). Only the standard library is used here so that `noxfile.py` can import this module to generate
one session per lab before any environment exists.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.errors import ManifestError, UsageError
from autograder.services import registry

REPO_ROOT = Path(__file__).resolve().parent.parent
LABS_DIR_ENV = "LABS_DIR"  # where labs live; the project's own tests point it at tests/labs


def labs_root() -> Path:
    return Path(os.environ.get(LABS_DIR_ENV) or REPO_ROOT / "labs")


KNOWN_SERVICES = registry.known()
KNOWN_INSTALLERS = frozenset({"uv", "pip"})
_ID_RE = re.compile(r"^lab-\d\d$")
_PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_PART_ID_RE = re.compile(r"^[A-Z][A-Za-z0-9]{0,7}$")
_API_RE = re.compile(r"^[\w/]+\.py:[A-Za-z_][\w.]*$")
_MODULE_RE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class Part:
    """A part of a lab: graded on its own, from the functions in `api` (`file.py:Qualified.name`)."""

    id: str
    title: str
    api: tuple[str, ...]
    depends: tuple[str, ...]


@dataclass(frozen=True)
class Lab:
    """A lab as its manifest describes it."""

    id: str
    title: str
    package: str
    points: float
    pass_threshold: float  # percent of `points` needed to pass
    coverage_gate: float  # percent line+branch coverage of the package by the learner's own tests
    test_timeout: float  # CPU seconds per grader test
    lab_timeout: float  # seconds for the whole grading run
    memory_mb: int  # memory limit of each grading child; 0 = no limit
    services: tuple[str, ...]
    requirements: tuple[str, ...]
    installer: str
    coverage_omit: tuple[str, ...]  # globs, relative to the target, left out of the coverage gate
    given: tuple[str, ...]  # files the learner is given, relative to the target; canonical in given/
    forbidden_imports: tuple[str, ...]  # module prefixes the learner's package may not import
    parts: tuple[Part, ...]
    bug_gate: float  # percent of the bug corpus the learner's tests must catch (0 = report only)
    folder: Path

    @property
    def stub_dir(self) -> Path:
        """The learner's workspace: `<lab>/<package>/` and `<lab>/tests/`."""
        return self.folder

    @property
    def solution_dir(self) -> Path:
        return self.folder / "solution"

    @property
    def grader_dir(self) -> Path:
        return self.folder / "grader"

    @property
    def given_dir(self) -> Path:
        """Canonical copies of the given files (`given/<package>/...`)."""
        return self.folder / "given"

    @property
    def gate_omit(self) -> tuple[str, ...]:
        """What the coverage gate leaves out: `coverage_omit` and every given file."""
        return tuple(dict.fromkeys((*self.coverage_omit, *self.given)))

    def part(self, part_id: str) -> Part | None:
        return next((part for part in self.parts if part.id == part_id), None)


Check = Callable[[Any], str | None]  # a value's problem ("must be ...") or None


@dataclass(frozen=True)
class Field:
    """One manifest field: everything about it, declared once."""

    name: str
    types: tuple[type, ...]
    default: Any  # REQUIRED for required fields
    description: str
    check: Check | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def type_name(self) -> str:
        names = {str: "string", int: "integer", float: "number", list: "list", bool: "boolean"}
        if set(self.types) == {int, float}:
            return "number"
        return " or ".join(names.get(t, t.__name__) for t in self.types)


REQUIRED: Any = object()


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be positive"


def _percent(value: float) -> str | None:
    return None if 0 <= value <= 100 else f"is a percentage and must be within 0..100, got {value}"


def _seconds(value: float) -> str | None:
    return None if value > 0 else "must be a positive number of seconds"


def _strings(value: list[Any]) -> str | None:
    return (
        None
        if all(isinstance(item, str) and item for item in value)
        else "must be a list of non-empty strings"
    )


def _services(value: list[Any]) -> str | None:
    unknown = sorted(set(value) - KNOWN_SERVICES)
    return _strings(value) or (
        f"has unknown service {unknown[0]!r} (known: {sorted(KNOWN_SERVICES)})" if unknown else None
    )


def _relative_paths(value: list[Any]) -> str | None:
    problem = _strings(value)
    if problem:
        return problem
    for item in value:
        if item.startswith("/") or ".." in Path(item).parts:
            return f"must hold paths relative to the target, got {item!r}"
    return None


def _modules(value: list[Any]) -> str | None:
    bad = [item for item in value if not isinstance(item, str) or not _MODULE_RE.match(item)]
    return f"must be a list of module names, got {bad[0]!r}" if bad else None


def _parts(value: list[Any]) -> str | None:
    seen: list[str] = []
    for entry in value:
        if not isinstance(entry, dict):
            return "must be a list of tables ([[parts]] with id, title, api, depends)"
        unknown = sorted(set(entry) - {"id", "title", "api", "depends"})
        if unknown:
            return f"has an unknown key {unknown[0]!r} (known: id, title, api, depends)"
        part_id, title = entry.get("id"), entry.get("title")
        if not isinstance(part_id, str) or not _PART_ID_RE.match(part_id):
            return f"needs an id like 'A' or 'B2' for every part, got {part_id!r}"
        if part_id in seen:
            return f"declares part {part_id!r} twice"
        if not isinstance(title, str) or not title:
            return f"part {part_id!r} needs a title"
        api, depends = entry.get("api", []), entry.get("depends", [])
        if not isinstance(api, list) or not all(isinstance(a, str) and _API_RE.match(a) for a in api):
            return f"part {part_id!r}: api must list 'file.py:Qualified.name' strings"
        if not isinstance(depends, list) or not all(d in seen for d in depends):
            return f"part {part_id!r}: depends must list parts declared before it"
        seen.append(part_id)
    return None


FIELDS: tuple[Field, ...] = (
    Field("id", (str,), REQUIRED, "`lab-NN`, matching the folder name's prefix"),
    Field("title", (str,), REQUIRED, "shown by `labs list` and in reports"),
    Field("package", (str,), REQUIRED, "the importable package the learner writes"),
    Field(
        "points",
        (int, float),
        REQUIRED,
        "total points; must equal the sum of the graders' `points` markers",
        _positive,
    ),
    Field("pass_threshold", (int, float), 70, "percent of `points` needed to pass", _percent),
    Field(
        "coverage_gate",
        (int, float),
        90,
        "percent line + branch coverage of `<package>` by the target's own `tests/`",
        _percent,
    ),
    Field(
        "test_timeout",
        (int, float),
        10,
        "CPU seconds one grader test may use before it is stopped and marked failed (a busy machine does not count against it)",
        _seconds,
    ),
    Field(
        "lab_timeout",
        (int, float),
        600,
        "CPU seconds for the whole grading run (graders and learner tests); wall-clock is only a generous hang guard",
        _seconds,
    ),
    Field(
        "memory_mb",
        (int,),
        4096,
        "memory limit of each grading process in MiB, 0 for none (the JVM needs a high one)",
        lambda v: None if v >= 0 else "must be 0 (no limit) or a positive number of MiB",
    ),
    Field(
        "services",
        (list,),
        [],
        "; ".join(f'`"{name}"`: {service.description}' for name, service in registry.REGISTRY.items()),
        _services,
    ),
    Field(
        "requirements",
        (list,),
        [],
        "the pip requirement names the lab needs; versions come from `constraints.txt`",
        _strings,
    ),
    Field(
        "installer",
        (str,),
        "uv",
        '`"pip"` for labs whose wheels must come from pip (torch)',
        lambda v: None if v in KNOWN_INSTALLERS else f"must be one of {sorted(KNOWN_INSTALLERS)}, got {v!r}",
    ),
    Field(
        "coverage_omit",
        (list,),
        [],
        'globs relative to the target (e.g. `"vision/binarize.py"`) left out of the gate',
        _relative_paths,
    ),
    Field(
        "given",
        (list,),
        [],
        "files the learner is given, relative to the target; the one canonical copy lives in `given/`, is overlaid on every graded snapshot and left out of the gate",
        _relative_paths,
    ),
    Field(
        "forbidden_imports",
        (list,),
        [],
        "module prefixes the learner's package may not import (the graders' oracle libraries)",
        _modules,
    ),
    Field(
        "parts",
        (list,),
        [],
        "`[[parts]]` tables: `id`, `title`, `api` (`file.py:Qualified.name` of the part's functions), `depends` (earlier part ids)",
        _parts,
    ),
    Field(
        "bug_gate",
        (int, float),
        0,
        "percent of the bug corpus the learner's own tests must catch; 0 reports the figure only",
        _percent,
    ),
)
_BY_NAME = {field.name: field for field in FIELDS}


def field_table() -> str:
    """The markdown table of every manifest field, as docs/lab-contract.md shows it."""
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for field in FIELDS:
        default = "required" if field.required else f"`{_toml(field.default)}`"
        rows.append(f"| `{field.name}` | {field.type_name} | {default} | {field.description} |")
    return "\n".join(rows)


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fail(path: Path, field: str, problem: str) -> UsageError:
    return UsageError(f"{path}: field '{field}' {problem}")


def load_lab(folder: Path) -> Lab:
    """Parse and validate one lab folder's `lab.toml`."""
    path = folder / "lab.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: missing; every lab folder needs a lab.toml manifest") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
    unknown = sorted(set(data) - set(_BY_NAME))
    if unknown:
        raise _fail(path, unknown[0], f"is not a manifest field (known: {', '.join(_BY_NAME)})")
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.name not in data:
            if field.required:
                raise _fail(path, field.name, "is required")
            values[field.name] = field.default
            continue
        value = data[field.name]
        if not isinstance(value, field.types) or isinstance(value, bool):
            expected = " or ".join(t.__name__ for t in field.types)
            raise _fail(path, field.name, f"must be {expected}, got {type(value).__name__}")
        problem = field.check(value) if field.check else None
        if problem:
            raise _fail(path, field.name, problem)
        values[field.name] = value
    _check_identity(path, folder, values)
    return Lab(
        id=values["id"],
        title=values["title"],
        package=values["package"],
        points=float(values["points"]),
        pass_threshold=float(values["pass_threshold"]),
        coverage_gate=float(values["coverage_gate"]),
        test_timeout=float(values["test_timeout"]),
        lab_timeout=float(values["lab_timeout"]),
        memory_mb=int(values["memory_mb"]),
        services=tuple(values["services"]),
        requirements=tuple(values["requirements"]),
        installer=values["installer"],
        coverage_omit=tuple(values["coverage_omit"]),
        given=tuple(values["given"]),
        forbidden_imports=tuple(values["forbidden_imports"]),
        parts=tuple(
            Part(p["id"], p["title"], tuple(p.get("api", [])), tuple(p.get("depends", [])))
            for p in values["parts"]
        ),
        bug_gate=float(values["bug_gate"]),
        folder=folder,
    )


def _check_identity(path: Path, folder: Path, v: dict[str, Any]) -> None:
    if not _ID_RE.match(v["id"]):
        raise _fail(path, "id", f"must look like 'lab-07', got {v['id']!r}")
    if not folder.name.startswith(v["id"] + "-"):
        raise _fail(path, "id", f"{v['id']!r} does not match the folder name {folder.name!r}")
    if not _PACKAGE_RE.match(v["package"]):
        raise _fail(path, "package", f"must be a Python package name, got {v['package']!r}")


def scan(labs_dir: Path | None = None) -> list[Lab | ManifestError]:
    """Every lab folder under `labs_dir` in order: its Lab, or the error its manifest raised."""
    found: list[Lab | ManifestError] = []
    for folder in sorted(p for p in (labs_dir or labs_root()).glob("lab-*") if p.is_dir()):
        try:
            found.append(load_lab(folder))
        except UsageError as exc:
            found.append(ManifestError(folder.name, str(exc)))
    return found


def discover(labs_dir: Path | None = None) -> list[Lab]:
    """Every lab under `labs_dir`, ordered by id; the first broken manifest raises its UsageError."""
    labs = []
    for entry in scan(labs_dir):
        if isinstance(entry, UsageError):
            raise entry
        labs.append(entry)
    return labs


def find(lab_id: str, labs_dir: Path | None = None) -> Lab:
    """The lab named `lab_id` (`lab-03`, `03`, `3` or the folder name), or a UsageError with a suggestion."""
    wanted = lab_id.strip()
    if wanted.isdigit():
        wanted = f"lab-{int(wanted):02d}"
    folders = sorted(p for p in (labs_dir or labs_root()).glob("lab-*") if p.is_dir())
    for folder in folders:
        if wanted == folder.name or folder.name.startswith(wanted + "-"):
            return load_lab(folder)
    names = [folder.name.split("-", 2)[0] + "-" + folder.name.split("-", 2)[1] for folder in folders]
    close = difflib.get_close_matches(wanted, names + [f.name for f in folders], n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(names) or "none"
    raise UsageError(f"unknown lab '{lab_id}': {hint}(labs: {listing}; run 'labs list')")
