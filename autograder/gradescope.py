"""A Gradescope autograder for one lab: `labs release --gradescope LAB OUT.zip`, and what it runs.

The zip is a one-lab practice edition (the same sealed bundle, so grading needs no reference) plus
Gradescope's two entry points: `setup.sh` (builds the environment once) and `run_autograder` (grades
`/autograder/submission` and writes `/autograder/results/results.json`). `LABS_AUTOGRADER_ROOT`
moves `/autograder` elsewhere, which is how the project's tests run it.

Scoring policy on Gradescope (Gradescope only knows a number): the score is the graders' points, and a
submission that is not passed for another reason — the coverage gate of the learner's own tests is
not met, or a critical test failed — scores at most one point below the pass mark. So a Gradescope
score at or above the pass mark means exactly what our verdict "passed" means. The gate and the reason
for any cap are shown at the top of the submission's output. Test visibility: `visible` tests are
shown at once, hidden ones `after_published`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

from autograder.errors import UsageError
from autograder.manifest import Lab
from autograder.release import ReleaseReport, release, template

ROOT_ENV = "LABS_AUTOGRADER_ROOT"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no real time: the same input, the same zip
_EXECUTABLE = frozenset({"setup.sh", "run_autograder"})
VISIBILITY = {"visible": "visible", "hidden": "after_published"}


# --------------------------------------------------------------------------------------------------
# Building the zip
# --------------------------------------------------------------------------------------------------
def build_zip(lab: Lab, zip_path: Path, python: str | None = None) -> ReleaseReport:
    with tempfile.TemporaryDirectory(prefix="labs-gradescope-") as scratch:
        source = Path(scratch, "source")
        report = release(source, [lab], "practice", None, python, log=lambda _line: None)
        if not report.ok:
            return report
        requirements = " ".join(lab.requirements)
        (source / "setup.sh").write_text(
            template("gradescope-setup.sh").replace("@REQUIREMENTS@", requirements)
        )
        (source / "run_autograder").write_text(template("gradescope-run_autograder").replace("@LAB@", lab.id))
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        partial = zip_path.with_name(zip_path.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                name = path.relative_to(source).as_posix()
                info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                executable = name in _EXECUTABLE or os.access(path, os.X_OK)
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                archive.writestr(info, path.read_bytes())
        partial.replace(zip_path)
    return report


# --------------------------------------------------------------------------------------------------
# Running on Gradescope
# --------------------------------------------------------------------------------------------------
def find_target(submission: Path, lab: Lab) -> Path:
    """The folder of the submission that holds `<package>/`: the submission itself, its copy of the
    lab folder (a whole repository was uploaded), or the shallowest folder holding the package."""
    for candidate in (submission, submission / "labs" / lab.folder.name):
        if (candidate / lab.package / "__init__.py").is_file():
            return candidate
    found = sorted(
        (p.parent for p in submission.rglob(f"{lab.package}/__init__.py") if not p.is_symlink()),
        key=lambda p: (len(p.parts), str(p)),
    )
    if not found or len(found[0].relative_to(submission).parts) > 4:
        raise UsageError(
            f"the submission holds no {lab.package}/ package: upload your {lab.package}/ folder and your "
            "tests/ folder (or your whole repository)"
        )
    return found[0]


def gradescope_results(result: object) -> dict[str, object]:
    """Our results.json, with the documented score policy and Gradescope's visibilities."""
    from autograder.reports import results_json
    from autograder.results import LabResult, format_points

    assert isinstance(result, LabResult)
    data = results_json(result)
    tests = data["tests"]
    assert isinstance(tests, list)
    for entry in tests:
        entry["visibility"] = VISIBILITY.get(str(entry.get("visibility")), "after_published")
    reasons = []
    if not result.gate.met:
        reasons.append("the coverage gate of your own tests is not met")
    if result.critical_failures:
        reasons.append("a critical test failed")
    score = result.score
    pass_mark = result.max_score * result.pass_threshold / 100
    if reasons and score >= pass_mark - 1e-9:
        score = max(0.0, round(pass_mark - 1, 4))
        note = (
            f"score capped at {format_points(score)} (one point below the pass mark of {format_points(pass_mark)}): "
            + " and ".join(reasons)
        )
        data["output"] = f"**{note}**\n\n{data['output']}"
    data["score"] = score
    return data


def _failure(message: str, started: float) -> dict[str, object]:
    return {
        "score": 0.0,
        "execution_time": round(time.monotonic() - started, 2),
        "output": message,
        "visibility": "visible",
        "tests": [],
    }


def run(lab_id: str, root: Path) -> int:
    """Grade `root/submission`, write `root/results/results.json`; always writes it, returns 0."""
    from autograder.grading import Target, grade
    from autograder.manifest import find

    started = time.monotonic()
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LABS_GRADES_DIR", str(results_dir / "grades"))
    try:
        lab = find(lab_id)
        target = find_target(root / "submission", lab)
        print(f"grading {lab.id} in {target}", flush=True)
        result = grade(lab, Target("submission", target), python=sys.executable)
        data = gradescope_results(result)
    except UsageError as exc:
        data = _failure(f"Grading could not start: {exc}", started)
    except Exception:  # an autograder fault must still give Gradescope a result, and the staff a trace
        traceback.print_exc()
        data = _failure("The autograder failed on this submission; your instructor can see why.", started)
    (results_dir / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"score {data['score']}", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m autograder.gradescope LAB ROOT", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        return run(argv[0], Path(argv[1]))
    return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
