"""`labs release --gradescope LAB OUT.zip`: the zip's run_autograder, run against a folder laid out like
Gradescope's /autograder, grades the reference to full marks and the stub to 0."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import seal
from autograder.gradescope import ROOT_ENV, build_zip
from autograder.manifest import load_lab

TOY = Path(__file__).parent / "labs" / "lab-90-toy"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gradescope")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABS_GRADES_DIR", str(base / "grades"))
        patch.setenv("LABS_DIR", str(TOY.parent))
        report = build_zip(load_lab(TOY), base / "lab-90.zip", sys.executable)
    assert report.ok, report.leaks
    return base / "lab-90.zip"


def _autograder_root(zip_path: Path, root: Path) -> Path:
    """/autograder as Gradescope lays it out after setup.sh: source/ (the unzipped autograder), a venv
    (here a bare one that sees source/ and this environment's packages, instead of setup.sh's pip
    install), submission/ and results/."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True, timeout=120
    )
    site = next((root / "venv" / "lib").glob("python3*/site-packages"))
    packages = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "autograder-source.pth").write_text("\n".join([str(root / "source"), *packages]) + "\n")
    (root / "submission").mkdir()
    return root


def _run(root: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABS_")}
    env[ROOT_ENV] = str(root)
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, object] = json.loads((root / "results" / "results.json").read_text())
    return data


def test_the_zip_holds_the_entry_points_and_sealed_graders_only(autograder_zip: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        run_script = archive.read("run_autograder").decode()
    assert {
        "setup.sh",
        "run_autograder",
        f"labs/{TOY.name}/{seal.BUNDLE_NAME}",
        "autograder/gradescope.py",
    } <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not any("/solution/" in name or "/grader/" in name for name in names)
    assert "autograder.gradescope lab-90" in run_script
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABS_GRADES_DIR", str(tmp_path / "grades"))
        again = build_zip(load_lab(TOY), tmp_path / "again.zip", sys.executable)
    assert again.ok and (tmp_path / "again.zip").read_bytes() == autograder_zip.read_bytes()


def test_run_autograder_gives_the_reference_full_marks(autograder_zip: Path, tmp_path: Path) -> None:
    root = _autograder_root(autograder_zip, tmp_path / "autograder")
    lab = root / "submission" / "labs" / TOY.name  # a whole repository uploaded
    shutil.copytree(TOY / "solution" / "toy", lab / "toy")
    shutil.copytree(TOY / "solution" / "tests", lab / "tests")
    results = _run(root)
    assert results["score"] == 10
    tests = results["tests"]
    assert isinstance(tests, list)
    shown = {test["name"].split(":")[0]: test["visibility"] for test in tests}
    assert shown["test_add"] == "visible" and shown["test_mul"] == "after_published"
    assert all(test["status"] == "passed" for test in tests)


def test_run_autograder_gives_the_stub_0(autograder_zip: Path, tmp_path: Path) -> None:
    root = _autograder_root(autograder_zip, tmp_path / "autograder")
    shutil.copytree(TOY / "toy", root / "submission" / "toy")
    shutil.copytree(TOY / "tests", root / "submission" / "tests")
    assert _run(root)["score"] == 0


def test_a_submission_that_misses_the_gate_scores_below_the_pass_mark(
    autograder_zip: Path, tmp_path: Path
) -> None:
    root = _autograder_root(autograder_zip, tmp_path / "autograder")
    shutil.copytree(TOY / "solution" / "toy", root / "submission" / "toy")
    (root / "submission" / "tests").mkdir()  # no tests of their own: the gate is not met
    results = _run(root)
    assert results["score"] == 6  # pass mark 7, less one point
    assert "score capped at 6" in str(results["output"]) and "coverage gate" in str(results["output"])


def test_an_unusable_submission_still_gets_a_results_file(autograder_zip: Path, tmp_path: Path) -> None:
    root = _autograder_root(autograder_zip, tmp_path / "autograder")
    (root / "submission" / "notes.txt").write_text("forgot the code")
    results = _run(root)
    assert results["score"] == 0 and "holds no toy/ package" in str(results["output"])
