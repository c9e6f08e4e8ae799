"""Feedback text: the exception, the grader's message and the learner's own frames, nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from autograder.child.feedback import MAX_FRAMES, describe


def raised(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except BaseException as exc:
        return exc
    raise AssertionError("nothing was raised")


def load_learner_module(root: Path, source: str) -> object:
    (root / "pkg").mkdir(parents=True)
    path = root / "pkg" / "mod.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("pkg_mod_for_feedback", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_learner_frames_are_shown_and_grader_frames_are_not(tmp_path: Path) -> None:
    module = load_learner_module(
        tmp_path, "def deep(n):\n    if n == 0:\n        raise KeyError('missing')\n    return deep(n - 1)\n"
    )
    exc = raised(lambda: module.deep(10))  # type: ignore[attr-defined]
    text = describe(exc, tmp_path)
    assert text.startswith("KeyError: 'missing'\n  in your code:\n  ...")
    assert text.count("pkg/mod.py:") == MAX_FRAMES and "raise KeyError('missing')" in text
    assert "test_feedback.py" not in text
    assert describe(exc) == "KeyError: 'missing'"


def test_messages_by_kind() -> None:
    assert describe(AssertionError("got 3, expected 4\nassert 3 == 4")) == "got 3, expected 4"
    assert describe(AssertionError("assert x == y")) == "a check failed"
    assert describe(AssertionError()) == "a check failed"
    assert describe(NotImplementedError()) == "NotImplementedError: this part is not written yet"
    assert describe(NotImplementedError("add")) == "NotImplementedError: add"
    assert describe(ZeroDivisionError()) == "ZeroDivisionError"
    long = describe(ValueError("x" * 5000))
    assert long.endswith("... (truncated)") and len(long) < 1600


@pytest.mark.parametrize("kind", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_base_exceptions_are_described(kind: type[BaseException]) -> None:
    assert describe(kind()) == kind.__name__
