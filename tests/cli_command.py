"""How the tests start the real `labs` command as a separate process."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def labs_command() -> list[str]:
    """The real `labs` CLI as a separate process; measured too when the suite runs under coverage."""
    if not os.environ.get("COVERAGE_RUN"):
        return [sys.executable, "-m", "autograder"]
    rcfile = Path(__file__).resolve().parents[1] / "pyproject.toml"
    return [
        sys.executable, "-m", "coverage", "run", "--parallel-mode", f"--rcfile={rcfile}",
        f"--data-file={Path.cwd() / '.coverage'}", "-m", "autograder",
    ]  # fmt: skip
