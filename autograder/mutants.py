"""Mutants of the reference solution: which files are mutated, the lab's equivalent mutants, the sample.

The mutated files are the learner's own files of the reference package (`solution/<package>/**/*.py`),
not the given files and not those in `coverage_omit`. Each mutant (autograder.mutators) changes one
expression or statement of one file; `labs verify LAB --mutants` grades each one like a bug of the corpus.

Mutants that no test can kill because they do not change behaviour are listed in the optional
`grader/mutants.toml`, each with a one-line reason, and left out of the kill rate:

    [[equivalent]]
    id = "btree/tree.py:BTree._split:number:3"     # as `labs verify --mutants` prints it
    reason = "the loop bound is clamped by min() on the next line"
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.manifest import Lab
from autograder.mutators import Mutant, mutants_of
from autograder.variants import reference_variant

MUTANT_SEED = 17  # the sample of `--mutants N` is the same on every run and every machine
KILL_TARGET = 90.0  # percent of the non-equivalent mutants the graders must kill


@dataclass(frozen=True)
class Equivalent:
    id: str
    reason: str


def mutated_files(lab: Lab) -> list[str]:
    """The reference's files the learner writes, relative to the target (`btree/tree.py`), sorted."""
    package = lab.solution_dir / lab.package
    files = []
    for path in sorted(package.rglob("*.py")) if package.is_dir() else []:
        relative = path.relative_to(lab.solution_dir).as_posix()
        if "__pycache__" in relative or any(fnmatch.fnmatch(relative, glob) for glob in lab.gate_omit):
            continue
        files.append(relative)
    return files


def generate(lab: Lab) -> list[Mutant]:
    """Every mutant of the lab's reference, file by file in source order (deterministic)."""
    mutants: list[Mutant] = []
    for relative in mutated_files(lab):
        source = (lab.solution_dir / relative).read_text(encoding="utf-8")
        mutants += _mutants_of(relative, source)
    return mutants


@functools.lru_cache(maxsize=64)
def _mutants_of(relative: str, source: str) -> tuple[Mutant, ...]:
    """Memoised: verify validates mutants.toml and then grades the same mutants."""
    return tuple(mutants_of(relative, source))


def mutants_file(lab: Lab, grader_dir: Path | None = None) -> Path:
    return (grader_dir or lab.grader_dir) / "mutants.toml"


def load_equivalents(lab: Lab, known: set[str], grader_dir: Path | None = None) -> list[Equivalent]:
    """The lab's equivalent mutants (none without grader/mutants.toml); each must name a mutant in `known`.

    A malformed file, entry, or an id that names no mutant of the reference is a UsageError of one line."""
    path = mutants_file(lab, grader_dir)
    if not path.is_file():
        return []
    where = f"{lab.id}: grader/mutants.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where}: not valid TOML ({exc})") from None
    entries = data.get("equivalent", [])
    if not isinstance(entries, list) or set(data) - {"equivalent"}:
        raise UsageError(f"{where}: the file holds only [[equivalent]] tables")
    equivalents: list[Equivalent] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        here = f"{where} equivalent #{number}"
        if not isinstance(entry, dict) or set(entry) != {"id", "reason"}:
            raise UsageError(f"{here}: each [[equivalent]] has exactly id and reason")
        mutant_id, reason = entry["id"], entry["reason"]
        if not isinstance(mutant_id, str) or not isinstance(reason, str):
            raise UsageError(f"{here}: id and reason are strings")
        if not reason.strip() or "\n" in reason.strip():
            raise UsageError(f"{here} ({mutant_id}): reason must be one line saying why no test can kill it")
        if mutant_id in seen:
            raise UsageError(f"{here}: {mutant_id} is listed twice")
        if mutant_id not in known:
            raise UsageError(
                f"{here}: {mutant_id} is not a mutant of the reference (stale? "
                "`labs verify LAB --mutants` prints the current ids)"
            )
        seen.add(mutant_id)
        equivalents.append(Equivalent(mutant_id, reason.strip()))
    return equivalents


def problems(lab: Lab) -> list[str]:
    """The mutants file's problem, as one line (empty without a file or when it is well-formed)."""
    if not mutants_file(lab).is_file():
        return []
    try:
        load_equivalents(lab, {mutant.id for mutant in generate(lab)})
    except UsageError as exc:
        return [str(exc)]
    return []


def sample(mutants: list[Mutant], size: int | None, seed: int = MUTANT_SEED) -> list[Mutant]:
    """`size` mutants drawn with a fixed seed, kept in source order; all of them without `size`."""
    if size is None or size >= len(mutants):
        return list(mutants)
    chosen = set(random.Random(seed).sample(range(len(mutants)), size))
    return [mutant for number, mutant in enumerate(mutants) if number in chosen]


def part_of(lab: Lab, mutant: Mutant) -> str:
    """The part whose api holds the function the mutant changes ("" when none does)."""
    for part in lab.parts:
        for entry in part.api:
            file, _, qualname = entry.partition(":")
            if file == mutant.file and (mutant.scope == qualname or mutant.scope.startswith(qualname + ".")):
                return part.id
    return ""


def mutant_variant(lab: Lab, mutant: Mutant) -> contextlib.AbstractContextManager[Path]:
    """A private copy of the reference with `mutant` applied to its file."""

    def edit(root: Path) -> None:
        path = root / mutant.file
        path.write_text(mutant.apply(path.read_text(encoding="utf-8")), encoding="utf-8")

    return reference_variant(lab, edit)
