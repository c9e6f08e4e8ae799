"""How soon after a save does `labs watch` show its first feedback?

For one lab it starts `labs watch LAB` on a private copy of the lab whose workspace holds the reference
solution, waits for the first round to finish, then saves a file (a comment appended to the package's
`__init__.py`) and measures the time until the first grader outcome of the new round is printed. The
baseline, in the same run and on the same machine, is a bare `pytest` of one grader file's first test
against the same package (interpreter start, imports, one test): the least any re-check can cost.

    python tests/benchmarks/watch_latency.py lab-02 --repeat 5

Run it from the repository root after `nox -s lab-02 --install-only`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from autograder.manifest import find  # noqa: E402


def _read_until(process: subprocess.Popen[str], text: str, limit: float = 300) -> float:
    deadline = time.monotonic() + limit
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("labs watch ended early")
        if text in line:
            return time.monotonic()
    raise RuntimeError(f"{text!r} never appeared")


def _bare_first_test(python: Path, lab_dir: Path, package_root: Path) -> float:
    grader = sorted((lab_dir / "grader").glob("test_*.py"))[0]
    first = re.search(r"^def (test_\w+)", grader.read_text(), re.MULTILINE)
    name = first.group(1) if first else "test_"
    start = time.perf_counter()
    subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "autograder.child.plugin",
         f"{grader}::{name}"],
        cwd=lab_dir / "grader", env={**os.environ, "PYTHONPATH": f"{package_root}:{lab_dir / 'grader'}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab", nargs="?", default="lab-02")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lab = find(args.lab)
    python = ROOT / ".nox" / lab.id / "bin" / "python"
    if not python.exists():
        sys.exit(f"run `nox -s {lab.id} --install-only` first")
    with tempfile.TemporaryDirectory(prefix="labs-watch-bench-") as scratch:
        labs = Path(scratch, "labs")
        copy = labs / lab.folder.name
        shutil.copytree(lab.folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
        for name in (lab.package, "tests"):
            shutil.rmtree(copy / name)
            shutil.copytree(lab.solution_dir / name, copy / name)
        env = {**os.environ, "LABS_DIR": str(labs), "LABS_GRADES_DIR": str(Path(scratch, "grades"))}
        process = subprocess.Popen(
            [str(python), "-m", "autograder", "watch", lab.id],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip
        latencies = []
        try:
            _read_until(process, "for changes")
            for n in range(args.repeat):
                with open(copy / lab.package / "__init__.py", "a") as handle:
                    handle.write(f"# save {n}\n")
                saved = time.monotonic()
                first = _read_until(process, "PASS")
                latencies.append(first - saved)
                _read_until(process, "for changes")
        finally:
            process.terminate()
            process.wait(timeout=60)
        bare = statistics.median(_bare_first_test(python, lab.folder, copy) for _ in range(args.repeat))
    median = statistics.median(latencies)
    print(
        f"{lab.id}: first feedback after a save {median:.2f} s (median of {args.repeat}; "
        f"min {min(latencies):.2f} s, max {max(latencies):.2f} s)"
    )
    print(f"{lab.id}: bare pytest of one grader test {bare:.2f} s; ratio {median / bare:.2f}x")


if __name__ == "__main__":
    main()
