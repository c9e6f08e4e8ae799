"""The CI files: the workflow is valid against GitHub's schema and grades every lab; .ci/run runs the tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from autograder.manifest import discover

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "grade.yml"


def test_workflow_matches_githubs_schema() -> None:
    checker = shutil.which("check-jsonschema")
    if checker is None:
        pytest.fail("check-jsonschema is not installed: run the tests through `nox -s tests`")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_grades_every_lab_and_publishes_reports_and_badges() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    grade = workflow["jobs"]["grade"]
    assert grade["strategy"]["matrix"]["lab"] == [lab.id for lab in discover()]
    runs = [step.get("run", "") for step in grade["steps"]]
    assert "nox -s ${{ matrix.lab }}" in runs
    upload = next(
        step for step in grade["steps"] if step.get("uses", "").startswith("actions/upload-artifact")
    )
    assert upload["if"] == "always()" and upload["with"]["path"].startswith(".grades/")
    badges = workflow["jobs"]["badges"]
    assert badges["permissions"] == {"contents": "write"} and "labs badges" in str(badges["steps"])
    assert "badges" in badges["steps"][-1]["run"].split()[-1]


def test_ci_script_installs_its_tools_and_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "pip install" in script and "nox uv" in script
    assert "nox -s tests" in script and "nox -s tests" in readme
