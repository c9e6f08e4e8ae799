"""Keep grader source out of everything a learner sees.

The autograder (not the child) holds the graders, so it can check any text coming back from a child —
feedback messages, output tails — against them: a line of that text containing a line of grader source
is replaced, and so is a line that is itself a piece of the grader source (an output tail cut mid-line).
Short lines (`return x`) and lines the learner's own files also contain are ignored, so ordinary
feedback is left alone. This is a filter, not a wall: docs/security.md says what it cannot stop.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

MIN_LINE = 16  # shorter grader lines are too common to identify the source
MIN_FRAGMENT = 12  # a shown line this long that is a piece of a grader line (a cut-off tail) is hidden too
MAX_FILE_BYTES = 1 << 20
HIDDEN = "[hidden: this line contains grader source]"


def _source_lines(roots: Iterable[Path], minimum: int = MIN_LINE) -> set[str]:
    lines: set[str] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in {"__pycache__", ".pytest_cache"}]
            for name in files:
                path = Path(folder, name)
                try:
                    if path.stat().st_size > MAX_FILE_BYTES:
                        continue
                    text = path.read_text("utf-8")
                except (OSError, UnicodeDecodeError):
                    continue  # binary data is not source
                lines.update(
                    stripped for line in text.splitlines() if len(stripped := line.strip()) >= minimum
                )
    return lines


class Redactor:
    """`redactor(text)` returns `text` with every line that quotes the graders replaced by HIDDEN."""

    def __init__(self, grader_dir: Path, learner_root: Path | None = None) -> None:
        self._learner = _source_lines([learner_root], 1) if learner_root is not None else set()
        # longest first: the most specific match decides quickly
        self._lines = sorted(_source_lines([grader_dir]) - self._learner, key=len, reverse=True)
        self._blob = "\n".join(self._lines)

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
        if len(stripped) >= MIN_FRAGMENT and stripped not in self._learner and stripped in self._blob:
            return True
        return any(secret in line for secret in self._lines)
