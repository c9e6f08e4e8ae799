"""The lab contract (docs/lab-contract.md), checked statically: each problem is one line saying what to fix.

Checked here, without running anything: the stub keeps every public name and signature of the reference;
given files exist once, canonically, and no copy has drifted; `coverage_omit` and `given` name files that
exist; `api` entries of parts name real functions; the lab folder holds nothing unexpected; the README has
the sections every assignment has. Grading-based checks (reference 100, stub 0, bugs, parts) are in
autograder.verify.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

from autograder import syntax
from autograder.errors import UsageError
from autograder.manifest import Lab
from autograder.variants import find_function, load_bugs

LAB_ENTRIES = {"README.md", "lab.toml", "tests", "grader", "solution", "given", "benchmark.py", "images"}
SOLUTION_ENTRIES = {"tests"}
README_SECTIONS = ("objectives", "background", "rubric", "hints", "working on this lab", "grader strength")
_IGNORED = {"__pycache__", ".pytest_cache", ".hypothesis", ".coverage"}


def check(lab: Lab) -> list[str]:
    """Every contract problem of `lab`, as one line each (empty when the lab keeps the contract)."""
    problems: list[str] = []
    problems += _layout(lab)
    problems += _api_parity(lab)
    problems += _given(lab)
    problems += _omit(lab)
    problems += _parts_api(lab)
    problems += _readme(lab)
    try:
        load_bugs(lab)
    except UsageError as exc:  # names the file and the bug
        problems.append(str(exc))
    return problems


def _entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name not in _IGNORED and not p.name.startswith(".")}


def _layout(lab: Lab) -> list[str]:
    problems = []
    unexpected = sorted(_entries(lab.folder) - LAB_ENTRIES - {lab.package})
    if unexpected:
        problems.append(
            f"unexpected file or folder in the lab: {', '.join(unexpected)} "
            f"(a lab holds {', '.join(sorted(LAB_ENTRIES | {lab.package}))})"
        )
    for needed in ("README.md", lab.package, "tests", "grader", "solution"):
        if not (lab.folder / needed).exists():
            problems.append(f"the lab has no {needed}")
    if lab.solution_dir.is_dir():
        extra = sorted(_entries(lab.solution_dir) - SOLUTION_ENTRIES - {lab.package})
        if extra:
            problems.append(
                f"unexpected entry in solution/: {', '.join(extra)} (it holds the package and tests/)"
            )
    return problems


def _python_files(root: Path) -> dict[str, Path]:
    return {
        str(path.relative_to(root)): path
        for path in sorted(root.rglob("*.py"))
        if not set(path.relative_to(root).parts) & _IGNORED
    }


def public_api(source: str) -> dict[str, str]:
    """Public top-level functions, classes and their public methods, each with its signature text."""
    found: dict[str, str] = {}
    tree = syntax.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            found[node.name] = ast.unparse(node.args)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found[node.name] = "class " + ", ".join(ast.unparse(base) for base in node.bases)
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    not item.name.startswith("_") or (item.name.startswith("__") and item.name.endswith("__"))
                ):
                    found[f"{node.name}.{item.name}"] = ast.unparse(item.args)
    return found


def _api_parity(lab: Lab) -> list[str]:
    reference, stub = lab.solution_dir / lab.package, lab.folder / lab.package
    if not reference.is_dir() or not stub.is_dir():
        return []
    problems = []
    given = set(lab.given)
    stub_files = _python_files(stub)
    for relative, path in _python_files(reference).items():
        name = f"{lab.package}/{relative}"
        if name in given:
            continue
        if relative not in stub_files:
            problems.append(f"stub is missing {name}, which the reference has")
            continue
        try:
            wanted = public_api(path.read_text(encoding="utf-8"))
            have = public_api(stub_files[relative].read_text(encoding="utf-8"))
        except SyntaxError as exc:
            problems.append(f"{name}: does not parse ({exc.msg}, line {exc.lineno})")
            continue
        for symbol, signature in wanted.items():
            if symbol not in have:
                problems.append(f"stub {name} lacks {symbol}, which the reference defines")
            elif have[symbol] != signature:
                problems.append(
                    f"stub {name}: {symbol} has signature ({have[symbol]}), the reference ({signature})"
                )
    return problems


def _given(lab: Lab) -> list[str]:
    problems = []
    for relative in lab.given:
        canonical = lab.given_dir / relative
        if not canonical.is_file():
            problems.append(f"given file {relative} has no canonical copy at given/{relative}")
            continue
        for where, root in (("the stub", lab.folder), ("solution/", lab.solution_dir)):
            copy = root / relative
            if copy.is_file() and copy.read_bytes() != canonical.read_bytes():
                problems.append(
                    f"given file {relative}: the copy in {where} has drifted from given/{relative}"
                )
            elif copy.is_file():
                problems.append(
                    f"given file {relative}: remove the copy in {where} (grading overlays given/{relative})"
                )
    return problems


def _omit(lab: Lab) -> list[str]:
    files = [str(p.relative_to(lab.solution_dir)) for p in lab.solution_dir.rglob("*") if p.is_file()]
    files += list(lab.given)
    return [
        f"coverage_omit entry {pattern!r} matches no file of the reference"
        for pattern in lab.coverage_omit
        if not any(fnmatch.fnmatch(name, pattern) for name in files)
    ]


def _parts_api(lab: Lab) -> list[str]:
    problems = []
    for part in lab.parts:
        for entry in part.api:
            file, _, qualname = entry.partition(":")
            path = lab.solution_dir / file
            if not path.is_file():
                problems.append(f"part {part.id}: api file {file} does not exist in the reference")
                continue
            if find_function(syntax.parse(path.read_text(encoding="utf-8")), qualname) is None:
                problems.append(f"part {part.id}: api {entry} is not a function of the reference")
    return problems


def _readme(lab: Lab) -> list[str]:
    path = lab.folder / "README.md"
    if not path.is_file():
        return []
    headings = [
        re.sub(r"^[#\s\d.]+", "", line).strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    return [
        f"README.md has no '{section}' section (every lab README has: {', '.join(README_SECTIONS)})"
        for section in README_SECTIONS
        if not any(heading.startswith(section) for heading in headings)
    ]
