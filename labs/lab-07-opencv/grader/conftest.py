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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    """A grader test that crashes part-way loses the cases it never reached.

    Partial credit is passed / max(total, checked): without a declared total, a crash after only
    passing checks would still earn every point. Record the crash itself as one failed case.
    """
    try:
        return (yield)
    except Exception as exc:
        credit = getattr(item, "funcargs", {}).get("partial_credit")
        if credit is not None:
            credit.check(
                False,
                f"the test stopped on {type(exc).__name__}: {exc} (the cases after it never ran and "
                "count as failed)",
            )
        raise
