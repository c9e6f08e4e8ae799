"""Fixtures of the lab-07 graders. Importing lab07_support installs the "no OpenCV shortcuts" guard
before any grader module imports the learner's package."""

from __future__ import annotations

from pathlib import Path

import lab07_support as support
import numpy as np
import pytest


@pytest.fixture(scope="session")
def bundled(datasets_dir: Path) -> list[tuple[str, np.ndarray]]:
    """The real photographs (grey)."""
    return support.bundled_gray(datasets_dir)
