"""Turn an exception raised while grading into feedback a learner can act on.

A learner sees the exception type, the grader's message and the frames of *their own* code that were
on the stack, never a line of grader source.
"""

from __future__ import annotations

import linecache
import traceback
from pathlib import Path

MAX_MESSAGE = 1500
MAX_FRAMES = 6


def _learner_frames(exc: BaseException, learner_root: Path | None) -> list[str]:
    if learner_root is None:
        return []
    root = str(learner_root.resolve())
    lines: list[str] = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if not frame.filename.startswith(root + "/"):
            continue
        rel = frame.filename[len(root) + 1 :]
        source = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
        lines.append(f"  {rel}:{frame.lineno} in {frame.name}" + (f"\n      {source}" if source else ""))
    if len(lines) > MAX_FRAMES:
        lines = ["  ...", *lines[-MAX_FRAMES:]]
    return lines


def describe(exc: BaseException, learner_root: Path | None = None) -> str:
    """One readable paragraph: `Type: message` and the learner's frames (most recent last)."""
    message = str(exc).strip()
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " ... (truncated)"
    kind = type(exc).__name__
    if isinstance(exc, AssertionError):
        # pytest's assertion rewriting appends "\nassert <grader expression>": grader source, never shown
        head = message.split("\nassert ", 1)[0].strip() if not message.startswith("assert ") else ""
        head = head or "a check failed"
    elif isinstance(exc, NotImplementedError):
        head = (
            f"NotImplementedError: {message}"
            if message
            else "NotImplementedError: this part is not written yet"
        )
    else:
        head = f"{kind}: {message}" if message else kind
    frames = _learner_frames(exc, learner_root)
    if frames:
        return head + "\n  in your code:\n" + "\n".join(frames)
    return head
