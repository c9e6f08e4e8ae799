"""Shared fixtures for the autograder's own tests: the toy labs under tests/labs and a private .grades."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TEST_LABS = Path(__file__).parent / "labs"


@pytest.fixture
def grades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the autograder at the test labs and a throwaway reports folder."""
    folder = tmp_path / "grades"
    monkeypatch.setenv("LABS_DIR", str(TEST_LABS))
    monkeypatch.setenv("LABS_GRADES_DIR", str(folder))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return folder


@pytest.fixture
def toy_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grades: Path) -> Path:
    """A private, writable copy of the toy lab (as the only lab), for tests that edit it."""
    labs = tmp_path / "labs"
    shutil.copytree(TEST_LABS / "lab-90-toy", labs / "lab-90-toy")
    monkeypatch.setenv("LABS_DIR", str(labs))
    return labs / "lab-90-toy"
