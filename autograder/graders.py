"""Where a lab's graders come from: the one place that decides.

- The instructor edition: the plain `grader/` folder, and the expected tests collected against the
  reference solution (`grading.expected_tests`, cached).
- The learner edition (a lab folder holding `grader.sealed`, written by `labs release`): the bundle is
  opened with the course key (`LABS_GRADER_KEY`, or `labs grade --key-file`), or else with the key it
  carries (practice mode), or else — course mode without the key — only its visible layer is opened and
  only the visible tests run. The expected tests come from the bundle: grading never needs `solution/`.

Decrypted graders are written only into a fresh private temporary folder (mode 0700) of the grading
process, from which each grading child's private read-only copy is made; the folder is removed when
grading ends, whatever happens. Nothing decrypted is ever written into the workspace.

The sealed `lab.toml` and given files must equal the lab folder's: a learner cannot lower the pass mark
or the coverage gate, or change the given code, and still be graded.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.manifest import Lab
from autograder.results import ExpectedTest, TestOutcome, format_points
from autograder.seal import (
    BUNDLE_NAME,
    KEY_ENV,
    Layer,
    SealError,
    key_from_environment,
    read_bundle,
    read_key_file,
    write_files,
)
from autograder.snapshot import remove_tree

FULL, VISIBLE = "full", "visible"


@dataclass(frozen=True)
class GraderSource:
    """The graders of one grading run."""

    grader_dir: Path  # pristine graders: each child gets its own read-only copy of this folder
    scope: str  # FULL: every test; VISIBLE: course mode without the key, public checks only
    sealed: bool


def use_key_file(path: Path) -> None:
    """`labs grade --key-file FILE`: the course key for this process (never passed to children)."""
    os.environ[KEY_ENV] = read_key_file(path)


def bundle_path(lab: Lab) -> Path:
    return lab.folder / BUNDLE_NAME


def is_sealed(lab: Lab) -> bool:
    """A lab of the learner edition. A bundle always wins over a `grader/` folder beside it."""
    return bundle_path(lab).is_file()


def _open_layer(lab: Lab) -> Layer:
    bundle = read_bundle(bundle_path(lab), lab.id)
    course_key = key_from_environment()
    if course_key is not None:  # never fall back to a key the folder itself carries when one is given
        layer = bundle.open(FULL, course_key)
    else:
        shipped = bundle.shipped_key(FULL) if bundle.has(FULL) else None
        if shipped is not None:
            layer = bundle.open(FULL, shipped)
        elif bundle.has(VISIBLE) and (public := bundle.shipped_key(VISIBLE)) is not None:
            layer = bundle.open(VISIBLE, public)
        else:
            raise SealError(f"{bundle.origin} holds no layer this autograder can open without {KEY_ENV}")
    _check_public_files(lab, layer)
    return layer


def _check_public_files(lab: Lab, layer: Layer) -> None:
    """The lab folder's lab.toml and given files must be the ones sealed with the graders."""
    for name, data in sorted(layer.files.items()):
        if name != "lab.toml" and not name.startswith("given/"):
            continue
        path = lab.folder / name
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if not same:
            raise SealError(
                f"{lab.id}: {name} is not the one released with the graders (it was changed or removed); "
                f"restore it (git checkout -- {name}) and grade again"
            )


def stored_tests(lab: Lab) -> list[ExpectedTest] | None:
    """The expected tests sealed in the learner edition (visible ones only without the course key);
    None in the instructor edition, where they are collected against the reference."""
    if not is_sealed(lab):
        return None
    layer = _open_layer(lab)
    try:
        return [ExpectedTest.from_record(record) for record in layer.tests]
    except (ValueError, TypeError, KeyError) as exc:
        raise SealError(f"{lab.id}: the sealed test manifest is damaged ({exc})") from None


def scope(lab: Lab) -> str:
    """FULL or VISIBLE: which tests a grading of this lab runs here."""
    return _open_layer(lab).scope if is_sealed(lab) else FULL


@contextlib.contextmanager
def open_graders(lab: Lab) -> Iterator[GraderSource]:
    """The graders for one grading run; decrypted ones are removed when the block ends."""
    if not is_sealed(lab):
        yield GraderSource(lab.grader_dir, FULL, sealed=False)
        return
    layer = _open_layer(lab)
    private = Path(tempfile.mkdtemp(prefix="labs-graders-"))  # mode 0700: this process only
    try:
        grader_dir = write_files(layer.files, "grader", private)
        yield GraderSource(grader_dir, layer.scope, sealed=True)
    finally:
        remove_tree(private)


def scope_note(source: GraderSource, outcomes: Sequence[TestOutcome]) -> str:
    """The line every report carries when only the public checks ran ('' otherwise)."""
    if source.scope != VISIBLE:
        return ""
    graded = [outcome for outcome in outcomes if not outcome.ungradable]
    score = format_points(sum(outcome.score for outcome in graded))
    most = format_points(sum(outcome.max_score for outcome in graded))
    return f"public checks only: {score}/{most} points of the visible part; hidden checks run in CI"


def public_only_banner(lab: Lab, expected: Sequence[ExpectedTest]) -> str:
    """The line a report starts with when only the public checks will run ('' otherwise)."""
    if scope(lab) != VISIBLE:
        return ""
    most = format_points(sum(test.points for test in expected))
    return (
        f"public checks only: the visible part ({most} of {format_points(lab.points)} points) runs here; "
        f"hidden checks run in CI (with {KEY_ENV})"
    )
