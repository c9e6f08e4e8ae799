"""Load and validate `labs/<lab>/lab.toml` manifests.

Only the standard library is used here so that `noxfile.py` can import this module to generate one
session per lab before any environment exists.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent
LABS_DIR_ENV = "LABS_DIR"  # where labs live; the project's own tests point it at tests/labs


def labs_root() -> Path:
    return Path(os.environ.get(LABS_DIR_ENV) or REPO_ROOT / "labs")


KNOWN_SERVICES = frozenset({"postgres", "spark"})
KNOWN_INSTALLERS = frozenset({"uv", "pip"})
_ID_RE = re.compile(r"^lab-\d\d$")
_PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Lab:
    """A lab as its manifest describes it."""

    id: str
    title: str
    package: str
    points: float
    pass_threshold: float  # percent of `points` needed to pass
    coverage_gate: float  # percent line+branch coverage of the package by the learner's own tests
    test_timeout: float  # seconds per grader test
    lab_timeout: float  # seconds for the whole grading run
    memory_mb: int  # address-space limit of each grading child; 0 = no limit
    services: tuple[str, ...]
    requirements: tuple[str, ...]
    installer: str
    coverage_omit: tuple[str, ...]  # globs, relative to the target, left out of the coverage gate
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


# field name -> (python types accepted, required, default)
_FIELDS: dict[str, tuple[tuple[type, ...], bool, Any]] = {
    "id": ((str,), True, None),
    "title": ((str,), True, None),
    "package": ((str,), True, None),
    "points": ((int, float), True, None),
    "pass_threshold": ((int, float), False, 70),
    "coverage_gate": ((int, float), False, 90),
    "test_timeout": ((int, float), False, 10),
    "lab_timeout": ((int, float), False, 600),
    "memory_mb": ((int,), False, 4096),
    "services": ((list,), False, []),
    "requirements": ((list,), False, []),
    "installer": ((str,), False, "uv"),
    "coverage_omit": ((list,), False, []),
}


def _fail(path: Path, field: str, problem: str) -> UsageError:
    return UsageError(f"{path}: field '{field}' {problem}")


def load_lab(folder: Path) -> Lab:
    """Parse and validate one lab folder's `lab.toml`."""
    path = folder / "lab.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: missing; every lab folder needs a lab.toml manifest") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise _fail(path, unknown[0], f"is not a manifest field (known: {', '.join(_FIELDS)})")
    values: dict[str, Any] = {}
    for name, (types, required, default) in _FIELDS.items():
        if name not in data:
            if required:
                raise _fail(path, name, "is required")
            values[name] = default
            continue
        value = data[name]
        if not isinstance(value, types) or isinstance(value, bool):
            expected = " or ".join(t.__name__ for t in types)
            raise _fail(path, name, f"must be {expected}, got {type(value).__name__}")
        values[name] = value
    _check_values(path, folder, values)
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
        folder=folder,
    )


def _check_values(path: Path, folder: Path, v: dict[str, Any]) -> None:
    if not _ID_RE.match(v["id"]):
        raise _fail(path, "id", f"must look like 'lab-07', got {v['id']!r}")
    if not folder.name.startswith(v["id"] + "-"):
        raise _fail(path, "id", f"{v['id']!r} does not match the folder name {folder.name!r}")
    if not _PACKAGE_RE.match(v["package"]):
        raise _fail(path, "package", f"must be a Python package name, got {v['package']!r}")
    if v["points"] <= 0:
        raise _fail(path, "points", "must be positive")
    for name in ("pass_threshold", "coverage_gate"):
        if not 0 <= v[name] <= 100:
            raise _fail(path, name, f"is a percentage and must be within 0..100, got {v[name]}")
    for name in ("test_timeout", "lab_timeout"):
        if v[name] <= 0:
            raise _fail(path, name, "must be a positive number of seconds")
    if v["memory_mb"] < 0:
        raise _fail(path, "memory_mb", "must be 0 (no limit) or a positive number of MiB")
    for name in ("services", "requirements", "coverage_omit"):
        if not all(isinstance(item, str) and item for item in v[name]):
            raise _fail(path, name, "must be a list of non-empty strings")
    unknown = sorted(set(v["services"]) - KNOWN_SERVICES)
    if unknown:
        raise _fail(path, "services", f"has unknown service {unknown[0]!r} (known: {sorted(KNOWN_SERVICES)})")
    if v["installer"] not in KNOWN_INSTALLERS:
        raise _fail(path, "installer", f"must be one of {sorted(KNOWN_INSTALLERS)}, got {v['installer']!r}")


def scan(labs_dir: Path | None = None) -> list[Lab | UsageError]:
    """Every lab folder under `labs_dir` in order: its Lab, or the error its manifest raised."""
    found: list[Lab | UsageError] = []
    for folder in sorted(p for p in (labs_dir or labs_root()).glob("lab-*") if p.is_dir()):
        try:
            found.append(load_lab(folder))
        except UsageError as exc:
            found.append(exc)
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
