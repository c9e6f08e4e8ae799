"""Variants of the reference solution: the lab's corpus of known learner bugs, and parts stubbed out.

A bug lives in `grader/bugs/*.toml` as a small edit of the reference:

    [[bug]]
    id = "split-keeps-median"
    description = "Splitting a full child copies the median key into both halves"
    part = "A"                      # optional
    [[bug.edit]]
    file = "btree/tree.py"          # relative to the target
    find = "right.keys = child.keys[t:]"      # must occur exactly once
    replace = "right.keys = child.keys[t - 1:]"

`labs verify` grades every bug (each must lose points) and every part stubbed out (the other, independent
parts must keep their points); the coverage gate runs the learner's tests against them to say how many
known bugs those tests catch.
"""

from __future__ import annotations

import ast
import contextlib
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder import syntax
from autograder.errors import UsageError
from autograder.manifest import Lab, Part

_BUG_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Edit:
    file: str
    find: str
    replace: str


@dataclass(frozen=True)
class Bug:
    id: str
    description: str
    part: str
    edits: tuple[Edit, ...]


def bugs_dir(lab: Lab, grader_dir: Path | None = None) -> Path:
    return (grader_dir or lab.grader_dir) / "bugs"


def load_bugs(lab: Lab, grader_dir: Path | None = None) -> list[Bug]:
    """Every bug of the lab's corpus, in file and declaration order; a malformed entry is a UsageError."""
    bugs: list[Bug] = []
    seen: set[str] = set()
    folder = bugs_dir(lab, grader_dir)
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        where = f"{lab.id}: {path.name}"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{where}: not valid TOML ({exc})") from None
        entries = data.get("bug", [])
        if not isinstance(entries, list) or set(data) - {"bug"}:
            raise UsageError(f"{where}: a bug file holds only [[bug]] tables")
        for number, entry in enumerate(entries, 1):
            bug = _bug(entry, f"{where} bug #{number}", lab)
            if bug.id in seen:
                raise UsageError(f"{where}: bug id {bug.id!r} is used twice in {lab.id}'s corpus")
            seen.add(bug.id)
            bugs.append(bug)
    return bugs


def _bug(entry: object, where: str, lab: Lab) -> Bug:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: must be a table")
    unknown = sorted(set(entry) - {"id", "description", "part", "edit"})
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} (known: id, description, part, edit)")
    bug_id, description, part = entry.get("id"), entry.get("description"), entry.get("part", "")
    if not isinstance(bug_id, str) or not _BUG_ID.match(bug_id):
        raise UsageError(f"{where}: id must be kebab-case (a-z, 0-9, -), got {bug_id!r}")
    if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
        raise UsageError(f"{where} ({bug_id}): description must be one line saying what the mistake is")
    if not isinstance(part, str) or (part and lab.parts and lab.part(part) is None):
        raise UsageError(f"{where} ({bug_id}): part {part!r} is not one of the lab's parts")
    edits = entry.get("edit")
    if not isinstance(edits, list) or not edits:
        raise UsageError(f"{where} ({bug_id}): needs at least one [[bug.edit]] with file, find, replace")
    parsed = []
    for edit in edits:
        if not isinstance(edit, dict) or set(edit) != {"file", "find", "replace"}:
            raise UsageError(f"{where} ({bug_id}): each edit has exactly file, find and replace")
        if not all(isinstance(edit[key], str) for key in ("file", "find", "replace")) or not edit["find"]:
            raise UsageError(f"{where} ({bug_id}): file, find and replace are strings, find non-empty")
        if edit["file"].startswith("/") or ".." in Path(edit["file"]).parts:
            raise UsageError(f"{where} ({bug_id}): file must be relative to the target: {edit['file']!r}")
        parsed.append(Edit(edit["file"], edit["find"], edit["replace"]))
    return Bug(bug_id, description.strip(), part, tuple(parsed))


def apply_edits(root: Path, edits: Sequence[Edit], label: str) -> None:
    """Apply `edits` to the files under `root`; each `find` must occur exactly once."""
    for edit in edits:
        path = root / edit.file
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise UsageError(f"{label}: {edit.file} does not exist in the reference") from None
        count = text.count(edit.find)
        if count != 1:
            where = "does not occur" if count == 0 else f"occurs {count} times"
            raise UsageError(f"{label}: the text to find in {edit.file} {where} (it must occur exactly once)")
        path.write_text(text.replace(edit.find, edit.replace), encoding="utf-8")


@contextlib.contextmanager
def reference_variant(lab: Lab, edit: Callable[[Path], None]) -> Iterator[Path]:
    """A private, writable copy of the reference (package and model tests) changed by `edit(root)`."""
    with tempfile.TemporaryDirectory(prefix="labs-variant-") as scratch:
        root = Path(scratch, "target")
        root.mkdir()
        for name in (lab.package, "tests"):
            source = lab.solution_dir / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for relative in lab.given:
            destination = root / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lab.given_dir / relative, destination)
        edit(root)
        yield root


def bug_variant(lab: Lab, bug: Bug) -> contextlib.AbstractContextManager[Path]:
    return reference_variant(lab, lambda root: apply_edits(root, bug.edits, f"{lab.id} bug {bug.id}"))


def part_stubbed(lab: Lab, part: Part) -> contextlib.AbstractContextManager[Path]:
    """The reference with every function of `part.api` replaced by `raise NotImplementedError`."""
    return reference_variant(lab, lambda root: stub_functions(root, part.api, f"{lab.id} part {part.id}"))


def stub_functions(root: Path, api: Sequence[str], label: str) -> None:
    """Replace the bodies of `file.py:Qualified.name` functions under `root` with `raise NotImplementedError`."""
    by_file: dict[str, list[str]] = {}
    for entry in api:
        file, _, qualname = entry.partition(":")
        by_file.setdefault(file, []).append(qualname)
    for file, names in by_file.items():
        path = root / file
        try:
            source = path.read_text(encoding="utf-8")
        except OSError:
            raise UsageError(f"{label}: api file {file} does not exist in the reference") from None
        lines = source.splitlines(keepends=True)
        spans = []
        for qualname in names:
            node = find_function(syntax.parse(source), qualname)
            if node is None:
                raise UsageError(f"{label}: api {file}:{qualname} is not a function of the reference")
            first, last = node.body[0], node.body[-1]
            indent = " " * first.col_offset
            spans.append((first.lineno - 1, last.end_lineno or last.lineno, indent, qualname))
        for start, end, indent, qualname in sorted(spans, reverse=True):
            lines[start:end] = [f"{indent}raise NotImplementedError({qualname!r} + ' (stubbed by verify)')\n"]
        path.write_text("".join(lines), encoding="utf-8")


def find_function(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function or method `qualname` (`name` or `Class.method`) defined in `tree`."""
    scope: list[ast.stmt] = tree.body
    *outer, name = qualname.split(".")
    for class_name in outer:
        found = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name), None)
        if found is None:
            return None
        scope = found.body
    return next(
        (n for n in scope if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name), None
    )


def depends_on(lab: Lab, part_id: str, other: str) -> bool:
    """Whether part `part_id` builds (directly or transitively) on part `other`."""
    stack, seen = [part_id], set()
    while stack:
        current = lab.part(stack.pop())
        if current is None or current.id in seen:
            continue
        seen.add(current.id)
        if other in current.depends:
            return True
        stack.extend(current.depends)
    return False
