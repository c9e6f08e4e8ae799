"""How much does grading through the autograder cost over running the same tests bare?

For one lab and target it times, in the same run and on the same machine:
  bare     `pytest <grader>` with the target on PYTHONPATH, then
           `coverage run --branch -m pytest tests` in the target (the learner's tests under coverage)
  labs     `labs grade LAB --target T` (sandboxed children, channel, reports, badges)
  nox      `nox -s LAB -- --target T` with its environment reused (warm re-run)
  cold     `nox -s LAB -- --target T` after deleting the environment (only with --cold)
and prints each as a ratio to `bare` (median of --repeat runs), in wall-clock time and in CPU time (user +
system of every process it waited for). CPU time is what a busy machine does not distort much, so its
ratio is the overhead figure to trust when other work shares the cores:

    python tests/benchmarks/grading_overhead.py lab-01 --target workspace --repeat 5 [--cold]

Run it from the repository root with nox installed; `nox -s lab-01 --install-only` first creates the env.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of the command and every descendant it waited for)."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, _children_cpu() - cpu


def _plus(first: tuple[float, float], second: tuple[float, float]) -> tuple[float, float]:
    return first[0] + second[0], first[1] + second[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab", nargs="?", default="lab-01")
    parser.add_argument("--target", default="workspace", choices=["workspace", "solution"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="also time a first run with a fresh environment")
    args = parser.parse_args()

    lab = find(args.lab)
    env_dir = ROOT / ".nox" / lab.id
    python = env_dir / "bin" / "python"
    if not python.exists():
        sys.exit(f"no environment at {env_dir}: run `nox -s {lab.id} --install-only` first")
    target = lab.folder if args.target == "workspace" else lab.solution_dir
    scratch = Path(tempfile.mkdtemp(prefix="labs-bench-"))
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONDONTWRITEBYTECODE": "1"}
    grades = {**os.environ, "LABS_GRADES_DIR": str(scratch / "grades")}
    bare_graders = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "autograder.child.plugin",
                    str(lab.grader_dir)]  # fmt: skip
    bare_tests = [str(python), "-m", "coverage", "run", f"--data-file={scratch / 'cov'}", "--branch",
                  f"--source={target / lab.package}", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]  # fmt: skip
    labs_cmd = [str(env_dir / "bin" / "labs"), "grade", lab.id, "--target", args.target]
    nox_cmd = [sys.executable, "-m", "nox", "-s", lab.id, "--", "--target", args.target]

    subprocess.run(labs_cmd, cwd=ROOT, env=grades, stdout=subprocess.DEVNULL, check=False)  # warm caches
    rows: dict[str, list[tuple[float, float]]] = {"bare": [], "labs": [], "nox": []}
    for _ in range(args.repeat):
        rows["bare"].append(_plus(timed(bare_graders, scratch, env), timed(bare_tests, target, env)))
        rows["labs"].append(timed(labs_cmd, ROOT, grades))
        rows["nox"].append(timed(nox_cmd, ROOT, grades))
    if args.cold:
        shutil.rmtree(env_dir)
        rows["cold"] = [timed(nox_cmd, ROOT, grades)]
    shutil.rmtree(scratch, ignore_errors=True)

    base_wall = statistics.median(wall for wall, _ in rows["bare"])
    base_cpu = statistics.median(cpu for _, cpu in rows["bare"])
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    print(f"{lab.id} --target {args.target}, median of {args.repeat} runs ({cores} cores, load {load:.1f})")
    for name, values in rows.items():
        wall = statistics.median(value[0] for value in values)
        cpu = statistics.median(value[1] for value in values)
        print(
            f"  {name:<5} wall {wall:7.2f} s {wall / base_wall:5.2f}x bare   cpu {cpu:7.2f} s {cpu / base_cpu:5.2f}x bare"
        )


if __name__ == "__main__":
    main()
