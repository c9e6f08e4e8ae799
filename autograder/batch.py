"""`labs grade-batch LAB SUBMISSIONS [--jobs N] [--out DIR]`: grade a class.

SUBMISSIONS is a folder of submission folders (each holding the lab's package and tests/), or a text file
of git repository URLs, one a line (cloned shallow into a temporary folder). Every submission is graded
by its own `labs grade --target` process, with the full sandbox, N at a time: a submission that crashes,
hangs or is refused costs only itself. The batch is resumable: a submission whose files have not changed
since it was graded (with the same graders) is not graded again.

Writes into DIR: `results/<name>.json` (each submission's results.json), `gradebook.csv` and
`report.html` (autograder.class_report); `state.json` remembers what was graded.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.manifest import Lab
from autograder.results import as_number
from autograder.snapshot import fingerprint

STATE_VERSION = "1"
GRADEBOOK_FIELDS = (
    "submission", "status", "score", "max_score", "passed", "gate_met", "coverage", "bugs_caught",
    "bugs_total", "seconds", "message",
)  # fmt: skip
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Row:
    submission: str
    status: str  # graded | refused | crashed | timed out
    score: float | None = None
    max_score: float | None = None
    passed: bool = False
    gate_met: bool = False
    coverage: float | None = None
    bugs_caught: int | None = None
    bugs_total: int | None = None
    seconds: float = 0.0
    message: str = ""


def safe_name(raw: str) -> str:
    name = _NAME.sub("-", raw).strip("-.")[:80]
    return name or "submission"


@contextmanager
def submissions(source: Path) -> Iterator[dict[str, Path]]:
    """`{name: folder}` of every submission: the sub-folders of `source`, or clones of the URLs it lists."""
    if source.is_dir():
        found = {
            safe_name(p.name): p
            for p in sorted(source.iterdir())
            if p.is_dir() and not p.name.startswith(".")
        }
        if not found:
            raise UsageError(f"{source} holds no submission folders")
        yield found
        return
    if not source.is_file():
        raise UsageError(f"{source} is neither a folder of submissions nor a file of repository URLs")
    urls = [
        line.strip() for line in source.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    if not urls:
        raise UsageError(f"{source} lists no repository URLs")
    with tempfile.TemporaryDirectory(prefix="labs-batch-clones-") as scratch:
        found = {}
        for url in urls:
            name = safe_name(url.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1])
            while name in found:
                name += "-2"
            folder = Path(scratch, name)
            clone = subprocess.run(
                ["git", "clone", "--quiet", "--depth", "1", "--", url, str(folder)],
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            if clone.returncode != 0:
                folder.mkdir()
                (folder / ".clone-failed").write_text(clone.stderr.strip()[-500:])
            found[name] = folder
        yield found


def _digest(lab: Lab, folder: Path) -> str:
    """What a submission's grade depends on: its files (walked without following any link), the graders
    and the manifest. A hostile tree (links, devices) is described, never followed or read."""
    digest = hashlib.sha256(STATE_VERSION.encode())
    digest.update((lab.folder / "lab.toml").read_bytes())
    digest.update(fingerprint([lab.grader_dir]).encode())
    for root in (folder / lab.package, folder / "tests"):
        for current, dirs, files in os.walk(root, followlinks=False):
            dirs.sort()
            for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(current, d))]:
                path = os.path.join(current, name)
                info = os.lstat(path)
                digest.update(os.fsencode(os.path.relpath(path, folder)))
                digest.update(f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}".encode())
                if stat.S_ISLNK(info.st_mode):
                    digest.update(os.fsencode(os.readlink(path)))
    return digest.hexdigest()


def grade_one(
    lab: Lab, name: str, folder: Path, python: str, out: Path, timeout: float, allow_unjailed: bool = False
) -> Row:
    """Grade one submission in its own `labs grade` process; whatever it does costs only itself."""
    clone_failure = folder / ".clone-failed"
    if clone_failure.is_file():
        return Row(name, "refused", message=f"could not clone: {clone_failure.read_text()[:300]}")
    grades = out / "work" / name
    shutil.rmtree(grades, ignore_errors=True)
    grades.mkdir(parents=True)
    started = time.monotonic()
    env = {**os.environ, "LABS_GRADES_DIR": str(grades), "LABS_NOT_PASSED_EXIT": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("GITHUB_ACTIONS", None)
    command = [python, "-m", "autograder", "grade", lab.id, "--target", str(folder)]
    command += ["--allow-unjailed"] if allow_unjailed else []
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return Row(name, "timed out", seconds=round(time.monotonic() - started, 1), message="grading hung")
    seconds = round(time.monotonic() - started, 1)
    reports = list(grades.glob("other/*/results.json"))
    if done.returncode == 2 or not reports:
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        status = "refused" if done.returncode == 2 else "crashed"
        return Row(name, status, seconds=seconds, message=last[:300])
    results = out / "results" / f"{name}.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(reports[0], results)
    return row_from_results(name, json.loads(results.read_text()), seconds)


def row_from_results(name: str, data: dict[str, object], seconds: float) -> Row:
    extra = data.get("extra_data") if isinstance(data.get("extra_data"), dict) else {}
    assert isinstance(extra, dict)
    strength = (
        extra.get("learner_tests_catch") if isinstance(extra.get("learner_tests_catch"), dict) else None
    )
    caught = total = None
    if isinstance(strength, dict):
        caught = len(strength.get("caught") or {})
        total = caught + len(strength.get("missed") or []) + int(strength.get("unchecked") or 0)
    coverage = extra.get("coverage_percent")
    return Row(
        name,
        "graded",
        score=as_number(data.get("score")),
        max_score=as_number(extra.get("max_score")),
        passed=extra.get("passed") is True,
        gate_met=extra.get("coverage_gate_met") is True,
        coverage=float(coverage) if isinstance(coverage, int | float) else None,
        bugs_caught=caught,
        bugs_total=total,
        seconds=seconds,
    )


def _load_state(out: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads((out / "state.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(out: Path, state: dict[str, dict[str, object]]) -> None:
    tmp = out / ".state.json.tmp"
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, out / "state.json")


def grade_batch(
    lab: Lab,
    source: Path,
    out: Path,
    *,
    python: str = sys.executable,
    jobs: int | None = None,
    progress: Callable[[int, int, Row], None] | None = None,
    allow_unjailed: bool = False,
) -> list[Row]:
    """Grade every submission (see the module docstring); returns the gradebook rows, by name."""
    out.mkdir(parents=True, exist_ok=True)
    state = _load_state(out)
    timeout = 6 * lab.lab_timeout + 120
    rows: dict[str, Row] = {}
    with submissions(source) as found:
        todo: dict[str, tuple[Path, str]] = {}
        for name, folder in found.items():
            digest = _digest(lab, folder)
            previous = state.get(name)
            if previous and previous.get("digest") == digest and isinstance(previous.get("row"), dict):
                rows[name] = Row(**previous["row"])  # type: ignore[arg-type]
            else:
                todo[name] = (folder, digest)
        done = len(rows)
        pool = ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1))
        futures = {
            pool.submit(grade_one, lab, name, folder, python, out, timeout, allow_unjailed): (name, digest)
            for name, (folder, digest) in todo.items()
        }
        try:
            for future in as_completed(futures):
                name, digest = futures[future]
                row = future.result()
                rows[name] = row
                state[name] = {"digest": digest, "row": asdict(row)}
                _save_state(out, state)  # after every submission: an interrupted batch resumes here
                done += 1
                if progress is not None:
                    progress(done, len(found), row)
        except BaseException:  # Ctrl-C: start nothing new; what is running finishes, then stop
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    ordered = [rows[name] for name in sorted(rows)]
    write_gradebook(ordered, out / "gradebook.csv")
    shutil.rmtree(out / "work", ignore_errors=True)
    return ordered


def write_gradebook(rows: list[Row], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=GRADEBOOK_FIELDS)
        writer.writeheader()
        for row in rows:
            record = asdict(row)
            record["message"] = _csv_safe(str(record["message"]))
            writer.writerow(record)


def _csv_safe(text: str) -> str:
    """No spreadsheet formula injection from a learner's message."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def read_gradebook(path: Path) -> list[Row]:
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            rows.append(
                Row(
                    record["submission"],
                    record["status"],
                    _float(record["score"]),
                    _float(record["max_score"]),
                    record["passed"] == "True",
                    record["gate_met"] == "True",
                    _float(record["coverage"]),
                    _int(record["bugs_caught"]),
                    _int(record["bugs_total"]),
                    _float(record["seconds"]) or 0.0,
                    record["message"],
                )
            )
    return rows


def _float(text: str) -> float | None:
    return float(text) if text not in ("", "None") else None


def _int(text: str) -> int | None:
    return int(text) if text not in ("", "None") else None


def merge(out: Path, shards: list[Path]) -> list[Row]:
    """One gradebook and results folder from the shards of a batch graded on several machines."""
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, Row] = {}
    for shard in shards:
        gradebook = shard / "gradebook.csv"
        if not gradebook.is_file():
            raise UsageError(f"{shard} has no gradebook.csv: is it the --out folder of a grade-batch run?")
        for row in read_gradebook(gradebook):
            if row.submission in rows:
                raise UsageError(f"submission {row.submission!r} is in two shards (the second: {shard})")
            rows[row.submission] = row
            results = shard / "results" / f"{row.submission}.json"
            if results.is_file():
                (out / "results").mkdir(exist_ok=True)
                shutil.copyfile(results, out / "results" / results.name)
    ordered = [rows[name] for name in sorted(rows)]
    write_gradebook(ordered, out / "gradebook.csv")
    return ordered
