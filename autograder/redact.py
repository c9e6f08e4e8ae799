"""Keep grader source out of everything a learner sees.

The autograder (not the child) holds the graders, so it can check any text coming back from a child —
feedback messages, output tails — against them: a line of that text containing a line of grader source
is replaced, and so is a line that is itself a piece of the grader source (an output tail cut mid-line).
Short lines (`return x`) and lines the learner's own files also contain are ignored, so ordinary
feedback is left alone. This is a filter, not a wall: docs/security.md says what it cannot stop.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable
from pathlib import Path

from autograder import syntax

MIN_LINE = 24  # shorter grader lines are too common (`tree = BTree(t=3)`) to identify the source
MIN_FRAGMENT = 32  # a shown line this long that is a piece of a grader line (a cut-off tail) is hidden too
MAX_FILE_BYTES = 1 << 20
HIDDEN = "[hidden: this line contains grader source]"


def _source_lines(roots: Iterable[Path], minimum: int = MIN_LINE) -> set[str]:
    lines: set[str] = set()
    for root in roots:
        paths = [root] if root.is_file() else []
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if d not in {"__pycache__", ".pytest_cache"}]
                paths += [Path(folder, name) for name in files]
        for path in paths:
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # binary data is not source
            lines.update(stripped for line in text.splitlines() if len(stripped := line.strip()) >= minimum)
    return lines


def _string_literals(root: Path) -> list[str]:
    """Every string constant (and constant piece of an f-string) in the Python files under `root`."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")) if root.is_dir() else []:
        try:
            tree = syntax.parse(path.read_bytes()[:MAX_FILE_BYTES])
        except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
            continue
        found += [
            piece.strip()
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            for piece in node.value.splitlines()
            if piece.strip()
        ]
    return found


def _specific(line: str) -> bool:
    """Long enough, and more than punctuation, keywords and one call: grader code, not an idiom."""
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", line)
    return len(line) >= MIN_LINE and len(set(words)) >= 3


class Redactor:
    """`redactor(text)` returns `text` with every line that quotes the graders replaced by HIDDEN.

    Lines the learner already has — in the lab's README, the stub, the seeded tests (`public`) or their
    own files (`learner_root`) — are never grader secrets, and neither are short or generic lines."""

    def __init__(
        self, grader_dir: Path, learner_root: Path | None = None, public: Iterable[Path] = ()
    ) -> None:
        known = [*([learner_root] if learner_root is not None else []), *public]
        self._learner = _source_lines(known, 1)
        # longest first: the most specific match decides quickly
        secret = {line for line in _source_lines([grader_dir]) if _specific(line)}
        self._lines = sorted(secret - self._learner, key=len, reverse=True)
        self._blob = "\n".join(self._lines)
        # the graders' messages are written to be shown: a piece of one is feedback, not a leak
        self._messages = "\n".join(_string_literals(grader_dir))

    def __call__(self, text: str) -> str:
        if not text or not self._lines:
            return text
        out: list[str] = []
        for line in text.splitlines():
            if self._quotes_graders(line):
                if not out or out[-1] != HIDDEN:
                    out.append(HIDDEN)
            elif not (line.strip() == "" and out and out[-1] == HIDDEN):
                out.append(line)
        return "\n".join(out)

    def _quotes_graders(self, line: str) -> bool:
        stripped = line.strip()
        if stripped in self._learner:
            return False
        if (
            len(stripped) >= MIN_FRAGMENT
            and _specific(stripped)
            and stripped in self._blob
            and stripped not in self._messages
        ):
            return True
        return any(secret in line for secret in self._lines)
