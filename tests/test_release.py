"""`labs release`: the learner edition (sealed graders, no solutions), its modes, the leak check,
determinism, tamper detection and the upstream-merge path, on the toy lab."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder import release as rel
from autograder import seal
from autograder.errors import UsageError
from autograder.manifest import load_lab

TOY = Path(__file__).parent / "labs" / "lab-90-toy"
TOY_NAME = TOY.name


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _release(out: Path, lab_folder: Path, grades: Path, mode: str = "practice", key_file: Path | None = None):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABS_GRADES_DIR", str(grades))
        patch.setenv("LABS_DIR", str(lab_folder.parent))
        patch.delenv(seal.KEY_ENV, raising=False)
        return rel.release(out, [load_lab(lab_folder)], mode, key_file, sys.executable, log=lambda _: None)


def edition_python(edition: Path) -> str:
    """An interpreter whose `autograder` is the edition's own copy, as `nox -s lab-NN` gives a learner:
    a bare virtual environment that sees the edition and this environment's third-party packages."""
    venv = edition.parent / f"{edition.name}-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
        site = next((venv / "lib").glob("python3*/site-packages"))
        packages = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
        (site / "edition.pth").write_text("\n".join([str(edition), *packages]) + "\n")
    return str(python)


def _grade(
    edition: Path, grades: Path, *extra: str, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`labs grade lab-90` run inside the edition, by the edition's own copy of the autograder."""
    env = {k: v for k, v in os.environ.items() if k not in {"LABS_DIR", seal.KEY_ENV, "GITHUB_STEP_SUMMARY"}}
    env["LABS_GRADES_DIR"] = str(grades)
    env.pop("PYTHONPATH", None)
    if key is not None:
        env[seal.KEY_ENV] = key
    python = edition_python(edition)
    return subprocess.run(
        [python, "-m", "autograder", "grade", "lab-90", "--python", python, *extra],
        cwd=edition,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _solve(edition: Path) -> None:
    """Copy the instructor's reference package and model tests into the edition's lab folder."""
    lab = edition / "labs" / TOY_NAME
    shutil.copytree(TOY / "solution" / "toy", lab / "toy", dirs_exist_ok=True)
    shutil.copytree(TOY / "solution" / "tests", lab / "tests", dirs_exist_ok=True)


def _results(grades: Path) -> dict[str, object]:
    found = sorted(grades.rglob("results.json"), key=lambda p: p.stat().st_mtime)
    assert found, f"no results.json under {grades}"
    data: dict[str, object] = json.loads(found[-1].read_text())
    return data


def _all_text(root: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("latin-1")
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    )


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy lab's practice edition, released once for the module (tests copy it before editing)."""
    base = tmp_path_factory.mktemp("practice")
    report = _release(base / "edition", TOY, base / "grades")
    assert report.ok, report.leaks
    return base / "edition"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("course")
    key_file = base / "keys" / "course.key"
    report = _release(base / "edition", TOY, base / "grades", "course", key_file)
    assert report.ok, report.leaks
    return base / "edition", key_file.read_text().strip()


@pytest.fixture
def practice_copy(practice: Path, tmp_path: Path) -> Path:
    shutil.copytree(practice, tmp_path / "edition")
    return tmp_path / "edition"


@pytest.fixture
def course_copy(course: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    shutil.copytree(course[0], tmp_path / "edition")
    return tmp_path / "edition", course[1]


# --------------------------------------------------------------------------------------------------
# the seal
# --------------------------------------------------------------------------------------------------
def _two_layers() -> tuple[bytes, bytes]:
    full = seal.Layer(
        "full", {"grader/test_a.py": b"def test_a(): pass\n"}, [{"nodeid": "test_a.py::test_a"}]
    )
    shown = seal.Layer("visible", {"grader/x.py": b"x = 1\n"}, [])
    course_key = bytes(range(64))
    public_key = seal.content_key("lab-90", "visible", shown.to_bytes("lab-90"))
    return seal.seal("lab-90", "course", [(full, course_key, False), (shown, public_key, True)]), course_key


def test_a_bundle_is_deterministic_and_opens_with_the_right_key(tmp_path: Path) -> None:
    data, course_key = _two_layers()
    assert data == _two_layers()[0]
    path = tmp_path / seal.BUNDLE_NAME
    path.write_bytes(data)
    bundle = seal.read_bundle(path, "lab-90")
    assert bundle.mode == "course" and bundle.shipped_key("full") is None
    assert bundle.open("full", course_key).files == {"grader/test_a.py": b"def test_a(): pass\n"}
    public = bundle.shipped_key("visible")
    assert public is not None and bundle.open("visible", public).files == {"grader/x.py": b"x = 1\n"}
    with pytest.raises(seal.SealError, match="the grader key does not open"):
        bundle.open("full", bytes(64))
    assert b"def test_a" not in data


@pytest.mark.parametrize("where", ["header", "full", "visible", "truncated", "appended"])
def test_any_change_to_a_bundle_is_detected_even_without_the_course_key(tmp_path: Path, where: str) -> None:
    data, _key = _two_layers()
    changed = bytearray(data)
    header_end = data.index(b"\n", len(seal.MAGIC)) + 1
    full_length = json.loads(data[len(seal.MAGIC) : header_end])["layers"][0]["length"]
    if where == "header":
        changed[header_end - 5] ^= 1
    elif where == "full":
        changed[header_end + full_length // 2] ^= 1
    elif where == "visible":
        changed[-3] ^= 1
    elif where == "truncated":
        del changed[-1]
    else:
        changed += b"\0"
    path = tmp_path / seal.BUNDLE_NAME
    path.write_bytes(bytes(changed))
    with pytest.raises(seal.SealError, match="modified or damaged"):
        bundle = seal.read_bundle(path, "lab-90")
        public = bundle.shipped_key("visible")
        assert public is not None
        bundle.open("visible", public)


def test_a_bundle_refuses_unsafe_file_names() -> None:
    layer = seal.Layer("full", {"../escape.py": b"x"}, [])
    with pytest.raises(seal.SealError, match="bad file name"):
        seal.Layer.from_bytes(layer.to_bytes("lab-90"), "lab-90", "full")


def test_keys_are_checked() -> None:
    key = seal.new_key()
    assert len(seal.decode_key(key, "k")) == seal.KEY_BYTES and key != seal.new_key()
    with pytest.raises(seal.SealError, match="is not a grader key"):
        seal.decode_key("not a key", "the key file x")


def test_strip_hidden_keeps_only_the_visible_tests_and_the_helpers() -> None:
    source = (
        b"import pytest\n\n\ndef helper():\n    return 1\n\n\n"
        b"# about the hidden one\n@pytest.mark.points(1)\ndef test_hidden():\n    assert helper() == 2\n\n\n"
        b"@pytest.mark.points(1)\n@pytest.mark.visibility('visible')\ndef test_shown():\n    assert helper() == 1\n\n\n"
        b"class TestGroup:\n    def test_in_class_hidden(self):\n        pass\n\n    def test_in_class_shown(self):\n        pass\n"
    )
    files = {
        "grader/test_a.py": source,
        "grader/test_only_hidden.py": b"def test_x():\n    pass\n",
        "grader/harness.py": b"VALUE = 3\n",
    }
    kept = rel.strip_hidden(files, ["test_a.py::test_shown", "test_a.py::TestGroup::test_in_class_shown[1]"])
    assert set(kept) == {"grader/test_a.py", "grader/harness.py"}
    text = kept["grader/test_a.py"].decode()
    assert "def test_shown" in text and "def helper" in text and "test_in_class_shown" in text
    assert (
        "test_hidden" not in text
        and "about the hidden one" not in text
        and "test_in_class_hidden" not in text
    )
    compile(text, "test_a.py", "exec")


# --------------------------------------------------------------------------------------------------
# the practice edition
# --------------------------------------------------------------------------------------------------
def test_the_edition_holds_what_a_learner_needs_and_no_solution_or_grader(practice: Path) -> None:
    lab = practice / "labs" / TOY_NAME
    for needed in ("README.md", "noxfile.py", "constraints.txt", "pyproject.toml", ".gitignore",
                   "autograder/cli.py", ".github/workflows/grade.yml", rel.EDITION_MARKER):  # fmt: skip
        assert (practice / needed).is_file(), needed
    assert (lab / "lab.toml").is_file() and (lab / "toy" / "__init__.py").is_file()
    assert (lab / "tests").is_dir() and (lab / seal.BUNDLE_NAME).is_file()
    assert not (lab / "solution").exists() and not (lab / "grader").exists()
    assert not list(practice.rglob("solution")) and not list(practice.rglob("grader"))
    readme = (practice / "README.md").read_text()
    assert "nox -s lab-90" in readme and "not a lock" in readme and "git pull upstream" in readme
    assert "@" + "LABS@" not in readme and "labs/lab-90-toy/README.md" in readme


def test_no_long_line_of_a_solution_or_grader_file_appears_in_the_edition(practice: Path) -> None:
    """What `git grep` would find: every 30+ character line of solution/ and grader/, searched for."""
    everything = _all_text(practice)
    secrets = rel.secret_lines([load_lab(TOY)])
    public = rel.published_lines([load_lab(TOY)])
    assert secrets, "the toy lab has solution and grader lines to look for"
    leaked = [line for line in secrets if line in everything and line not in public]
    assert leaked == []
    assert "partial_credit.check(type(got) is int" not in everything  # a grader line, by hand


def test_the_release_is_byte_identical_for_the_same_input(tmp_path: Path) -> None:
    first_out, again = tmp_path / "first", tmp_path / "again"
    assert _release(first_out, TOY, tmp_path / "grades").ok
    assert _release(again, TOY, tmp_path / "grades2").ok  # a cold cache: the manifest is collected again
    first = {p.relative_to(first_out): p.read_bytes() for p in first_out.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys() and first == second


def test_the_release_fails_and_writes_nothing_when_graders_would_be_written_in_the_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release that forgot to encrypt (here: a bundle written as its plaintext) is caught."""
    monkeypatch.setattr(seal, "seal", lambda lab_id, mode, layers: layers[0][0].to_bytes(lab_id))
    monkeypatch.setattr(seal.Layer, "to_bytes", _plain_layer)
    out = tmp_path / "leaky"
    report = _release(out, TOY, tmp_path / "grades")
    assert not report.ok and not out.exists()
    assert any(
        f"{TOY_NAME}/{seal.BUNDLE_NAME}" in leak and "grader/test_toy_grader.py" in leak
        for leak in report.leaks
    )


def _plain_layer(self: seal.Layer, lab_id: str) -> bytes:
    return b"\n".join(self.files[name] for name in sorted(self.files))


def test_the_release_fails_when_a_solution_file_would_be_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rel, "LEFT_OUT", frozenset({"grader"}))
    report = _release(tmp_path / "out", TOY, tmp_path / "grades")
    assert not report.ok and not (tmp_path / "out").exists()
    assert any("solution/toy/__init__.py" in leak for leak in report.leaks)


def test_release_refuses_to_overwrite_a_folder_that_is_not_an_edition(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        _release(tmp_path / "mine", TOY, tmp_path / "grades")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_in_the_practice_edition_the_stub_scores_0_and_the_reference_100(
    practice_copy: Path, tmp_path: Path
) -> None:
    stub = _grade(practice_copy, tmp_path / "g1")
    assert stub.returncode == 1, stub.stdout + stub.stderr
    assert _results(tmp_path / "g1")["score"] == 0
    _solve(practice_copy)
    solved = _grade(practice_copy, tmp_path / "g2")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    results = _results(tmp_path / "g2")
    assert results["score"] == 10 and results["extra_data"]["coverage_gate_met"] is True  # type: ignore[index]
    assert not list(practice_copy.rglob("test_toy_grader.py")), "graders were decrypted into the workspace"


def test_a_tampered_bundle_or_manifest_stops_grading_with_one_line(
    practice_copy: Path, tmp_path: Path
) -> None:
    bundle = practice_copy / "labs" / TOY_NAME / seal.BUNDLE_NAME
    original = bundle.read_bytes()
    bundle.write_bytes(original[:-40] + bytes(b ^ 1 for b in original[-40:]))
    broken = _grade(practice_copy, tmp_path / "g")
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert [line for line in broken.stderr.splitlines() if line] == [
        f"labs: error: {bundle} has been modified or damaged (authentication failed); "
        "restore it from the edition (git checkout -- it)"
    ]
    bundle.write_bytes(original)
    manifest = practice_copy / "labs" / TOY_NAME / "lab.toml"
    manifest.write_text(manifest.read_text().replace("pass_threshold = 70", "pass_threshold = 1"))
    lowered = _grade(practice_copy, tmp_path / "g")
    assert lowered.returncode == 2 and "lab.toml is not the one released with the graders" in lowered.stderr


# --------------------------------------------------------------------------------------------------
# the course edition
# --------------------------------------------------------------------------------------------------
def test_without_the_course_key_only_the_public_checks_run_and_every_report_says_so(
    course_copy: tuple[Path, str], tmp_path: Path
) -> None:
    edition, _key = course_copy
    assert (
        seal.read_bundle(edition / "labs" / TOY_NAME / seal.BUNDLE_NAME, "lab-90").shipped_key("full") is None
    )
    _solve(edition)
    run = _grade(edition, tmp_path / "g")
    assert run.returncode == 1, run.stdout + run.stderr  # a public-only grade is never a pass
    note = "public checks only: 2/2 points of the visible part; hidden checks run in CI"
    lines = run.stdout.splitlines()
    assert "public checks only: the visible part (2 of 10 points) runs here" in lines[1]
    assert note in "\n".join(lines[-5:])
    assert lines[-1].strip().startswith("(your record and badges are unchanged")
    results = _results(tmp_path / "g")
    assert [test["name"].split(":")[0] for test in results["tests"] if "Coverage" not in test["name"]] == [
        "test_add"
    ]  # type: ignore[union-attr,index]
    summary = next((tmp_path / "g").rglob("summary.md")).read_text().strip().splitlines()
    assert note in "\n".join(summary[:4]) and note in "\n".join(summary[-3:])


def test_with_the_course_key_every_test_runs_and_scores_as_in_practice_mode(
    course_copy: tuple[Path, str], tmp_path: Path
) -> None:
    edition, key = course_copy
    _solve(edition)
    run = _grade(edition, tmp_path / "g", key=key)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _results(tmp_path / "g")["score"] == 10 and "public checks only" not in run.stdout
    key_file = tmp_path / "course.key"
    key_file.write_text(key + "\n")
    from_file = _grade(edition, tmp_path / "g2", "--key-file", str(key_file))
    assert from_file.returncode == 0 and _results(tmp_path / "g2")["score"] == 10


def test_a_wrong_course_key_is_one_clear_line(course_copy: tuple[Path, str], tmp_path: Path) -> None:
    edition, _key = course_copy
    run = _grade(edition, tmp_path / "g", key=seal.new_key())
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "the grader key does not open" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_the_course_key_file_is_created_once_and_then_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "k" / "course.key"
    assert _release(tmp_path / "a", TOY, tmp_path / "grades", "course", key_file).ok
    first = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _release(tmp_path / "b", TOY, tmp_path / "grades", "course", key_file).ok
    assert key_file.read_text() == first
    assert (tmp_path / "a" / "labs" / TOY_NAME / seal.BUNDLE_NAME).read_bytes() == (
        tmp_path / "b" / "labs" / TOY_NAME / seal.BUNDLE_NAME
    ).read_bytes()
    assert first.strip() not in _all_text(tmp_path / "a")


# --------------------------------------------------------------------------------------------------
# the learner workflow
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["practice", "course"])
def test_the_editions_workflow_matches_githubs_schema(
    which: str, practice: Path, course: tuple[Path, str]
) -> None:
    import yaml

    edition = practice if which == "practice" else course[0]
    workflow = edition / ".github" / "workflows" / "grade.yml"
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    if not Path(checker).exists():
        pytest.fail("check-jsonschema is not installed: run the tests through `nox -s tests`")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = yaml.safe_load(workflow.read_text())["jobs"]["grade"]["steps"]
    grade_step = next(step for step in steps if step.get("run") == "nox -s ${{ matrix.lab }}")
    if which == "course":
        assert grade_step["env"][seal.KEY_ENV] == "${{ secrets.LABS_GRADER_KEY }}"
    else:
        assert seal.KEY_ENV not in grade_step["env"] and seal.KEY_ENV not in workflow.read_text()
    assert "LABS_NOT_PASSED_EXIT" in grade_step["env"]


# --------------------------------------------------------------------------------------------------
# updates: release, learner change, grader change upstream, release again, merge, grade
# --------------------------------------------------------------------------------------------------
def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture
def git_available() -> Iterator[None]:
    if shutil.which("git") is None:
        pytest.fail("git is needed for the update test")
    yield


def test_an_updated_edition_merges_cleanly_into_a_learners_repository(
    toy_copy: Path, tmp_path: Path, git_available: None
) -> None:
    upstream = tmp_path / "upstream"
    assert _release(upstream, toy_copy, tmp_path / "grades").ok
    _git(upstream, "init", "--quiet", "--initial-branch=learner")
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "--quiet", "-m", "Edition 1")

    learner = tmp_path / "learner"
    _git(tmp_path, "clone", "--quiet", "--branch", "learner", str(upstream), str(learner))
    _git(learner, "remote", "rename", "origin", "upstream")
    _solve(learner)
    _git(learner, "add", "-A")
    _git(learner, "commit", "--quiet", "-m", "My toy lab")

    grader = toy_copy / "grader" / "test_toy_grader.py"
    grader.write_text(
        grader.read_text()
        .replace('"""add() adds two integers."""', '"""add() adds two integers, large ones too."""')
        .replace("add(2, 3)", "add(2**70, 3)").replace("result == 5,", "result == 2**70 + 3,")
    )  # fmt: skip
    assert "large ones too" in grader.read_text() and "add(2**70, 3)" in grader.read_text()
    assert _release(upstream, toy_copy, tmp_path / "grades").ok  # into the clone: .git is kept
    assert "grader.sealed" in _git(upstream, "status", "--porcelain")
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "--quiet", "-m", "Edition 2: a stronger grader")

    _git(learner, "pull", "--quiet", "--no-rebase", "--no-edit", "upstream", "learner")
    assert _git(learner, "status", "--porcelain") == ""
    assert (learner / "labs" / TOY_NAME / seal.BUNDLE_NAME).read_bytes() == (
        upstream / "labs" / TOY_NAME / seal.BUNDLE_NAME
    ).read_bytes()
    assert (learner / "labs" / TOY_NAME / "toy" / "__init__.py").read_text() == (
        TOY / "solution" / "toy" / "__init__.py"
    ).read_text()
    graded = _grade(learner, tmp_path / "g")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = _results(tmp_path / "g")
    assert results["score"] == 10
    assert "test_add: add() adds two integers, large ones too." in [test["name"] for test in results["tests"]]  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------
# the project's own workflow publishes the practice edition to the `learner` branch
# --------------------------------------------------------------------------------------------------
def _publish(step: dict[str, object], remote: Path, edition: Path, grades: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABS_") and k != seal.KEY_ENV}
    env.update(
        # the step pushes to github.com; git's insteadOf sends that URL to a local bare repository
        PUSH_TOKEN="token",
        GITHUB_REPOSITORY="owner/labs",
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.{remote}.insteadOf",
        GIT_CONFIG_VALUE_0="https://x-access-token:token@github.com/owner/labs.git",
        EDITION=str(edition),
        GITHUB_SHA="0123abc",
        LABS_GRADES_DIR=str(grades),
        LABS_DIR=os.environ["LABS_DIR"],
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", str(step["run"])],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_project_workflow_publishes_the_practice_edition_to_the_learner_branch(
    toy_copy: Path, tmp_path: Path, git_available: None
) -> None:
    import yaml

    workflow = yaml.safe_load((Path(__file__).parents[1] / ".github" / "workflows" / "grade.yml").read_text())
    job = workflow["jobs"]["learner"]
    assert job["needs"] == "grade" and "refs/heads/main" in job["if"] and "push" in job["if"]
    assert job["permissions"] == {"contents": "write"}
    upload = [
        s for s in workflow["jobs"]["grade"]["steps"] if s.get("with", {}).get("path") == ".grades/.cache/"
    ]
    assert upload and upload[0]["with"]["name"] == "manifest-${{ matrix.lab }}"
    step = job["steps"][-1]
    assert "labs release" in step["run"] and "HEAD:learner" in step["run"]
    remote = tmp_path / "remote.git"
    _git(tmp_path, "init", "--quiet", "--bare", str(remote))

    _publish(step, remote, tmp_path / "e1", tmp_path / "grades")
    log = _git(remote, "log", "--format=%s", "learner").splitlines()
    assert log == ["Learner edition for 0123abc"]
    files = _git(remote, "ls-tree", "-r", "--name-only", "learner").splitlines()
    assert f"labs/{TOY_NAME}/{seal.BUNDLE_NAME}" in files and ".github/workflows/grade.yml" in files
    assert not [name for name in files if "/solution/" in name or "/grader/" in name]

    assert "unchanged" in _publish(step, remote, tmp_path / "e2", tmp_path / "grades")  # deterministic
    assert len(_git(remote, "log", "--format=%s", "learner").splitlines()) == 1

    grader = toy_copy / "grader" / "test_toy_grader.py"
    grader.write_text(
        grader.read_text().replace('"""mul() multiplies two integers."""', '"""mul() multiplies."""')
    )
    _publish(step, remote, tmp_path / "e3", tmp_path / "grades")
    changed = _git(remote, "diff", "--name-only", "learner~1", "learner").split()
    assert changed == [f"labs/{TOY_NAME}/{seal.BUNDLE_NAME}"]


# --------------------------------------------------------------------------------------------------
# a real lab, end to end
# --------------------------------------------------------------------------------------------------
def test_lab_01_in_the_edition_stub_0_reference_100(tmp_path: Path) -> None:
    """The real lab-01 released, then graded inside the edition with its own environment's packages."""
    root = Path(__file__).resolve().parents[1]
    lab_python = root / ".nox" / "lab-01" / "bin" / "python"
    if not lab_python.exists():
        pytest.skip("needs lab-01's environment: nox -s lab-01 --install-only")
    lab = next(p for p in (root / "labs").glob("lab-01-*") if p.is_dir())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LABS_GRADES_DIR", str(tmp_path / "grades"))
        patch.delenv("LABS_DIR", raising=False)
        patch.delenv(seal.KEY_ENV, raising=False)
        report = rel.release(
            tmp_path / "edition", [load_lab(lab)], "practice", None, str(lab_python), log=lambda _: None
        )
    assert report.ok, report.leaks
    edition = tmp_path / "edition"
    venv = tmp_path / "edition-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    lab_site = next((lab_python.parent.parent / "lib").glob("python3*/site-packages"))
    (site / "edition.pth").write_text(f"{edition}\n{lab_site}\n")
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABS_") and k != "PYTHONPATH"}

    def grade(grades: str) -> tuple[int, dict[str, object]]:
        done = subprocess.run(
            [python, "-m", "autograder", "grade", "lab-01"], cwd=edition,
            env={**env, "LABS_GRADES_DIR": str(tmp_path / grades)}, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        return done.returncode, json.loads((tmp_path / grades / "lab-01" / "results.json").read_text())

    code, results = grade("stub")
    assert code == 1 and results["score"] == 0
    learner_lab = edition / "labs" / lab.name
    shutil.copytree(lab / "solution" / "micrograd", learner_lab / "micrograd", dirs_exist_ok=True)
    shutil.copytree(lab / "solution" / "tests", learner_lab / "tests", dirs_exist_ok=True)
    code, results = grade("reference")
    assert code == 0 and results["score"] == 100, results["output"]


# --------------------------------------------------------------------------------------------------
# where the graders come from (in-process)
# --------------------------------------------------------------------------------------------------
def test_graders_open_only_in_a_private_folder_that_is_removed_afterwards(
    course: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder import graders

    edition, key = course
    lab = load_lab(edition / "labs" / TOY_NAME)
    monkeypatch.delenv(seal.KEY_ENV, raising=False)
    assert graders.is_sealed(lab) and graders.scope(lab) == graders.VISIBLE
    assert [test.nodeid for test in graders.stored_tests(lab) or []] == ["test_toy_grader.py::test_add"]
    with graders.open_graders(lab) as source:
        folder = source.grader_dir
        assert source.sealed and source.scope == graders.VISIBLE
        assert oct(folder.parent.stat().st_mode & 0o777) == "0o700" and not folder.is_relative_to(edition)
        public = (folder / "test_toy_grader.py").read_text()
        assert "def test_add" in public and "def test_mul" not in public and "def test_fib" not in public
    assert not folder.parent.exists()

    monkeypatch.setenv(seal.KEY_ENV, key)
    assert graders.scope(lab) == graders.FULL and len(graders.stored_tests(lab) or []) == 3
    with graders.open_graders(lab) as source:
        assert "def test_fib" in (source.grader_dir / "test_toy_grader.py").read_text()
        assert (source.grader_dir / "bugs").is_dir()  # the bug corpus travels sealed too
    instructor = load_lab(TOY)
    assert not graders.is_sealed(instructor) and graders.stored_tests(instructor) is None
    with graders.open_graders(instructor) as source:
        assert source.grader_dir == instructor.grader_dir and not source.sealed


def test_the_gradescope_runner_grades_a_sealed_lab_in_process(
    practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder import gradescope

    monkeypatch.setenv("LABS_DIR", str(practice / "labs"))
    monkeypatch.setenv("LABS_GRADES_DIR", str(tmp_path / "grades"))
    monkeypatch.delenv(seal.KEY_ENV, raising=False)
    submission = tmp_path / "autograder" / "submission"
    shutil.copytree(TOY / "solution" / "toy", submission / "toy")
    shutil.copytree(TOY / "solution" / "tests", submission / "tests")
    assert gradescope.main(["lab-90", str(tmp_path / "autograder")]) == 0
    results = json.loads((tmp_path / "autograder" / "results" / "results.json").read_text())
    assert results["score"] == 10
    assert gradescope.main(["too-few"]) == 2


# --------------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------------
def test_labs_release_on_the_command_line(
    grades: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder.cli import main

    monkeypatch.delenv(seal.KEY_ENV, raising=False)
    python = ["--python", sys.executable]
    assert main(["release", str(tmp_path / "ed"), "lab-90", *python]) == 0
    out = capsys.readouterr().out
    assert "leak check passed" in out and (tmp_path / "ed" / "labs" / TOY_NAME / seal.BUNDLE_NAME).is_file()
    assert main(["release", *python]) == 2
    assert "needs OUT" in capsys.readouterr().err
    assert main(["release", str(tmp_path / "x"), "lab-90", "--key-file", str(tmp_path / "k")]) == 2
    assert "--key-file is for --mode course" in capsys.readouterr().err
    assert main(["release", str(tmp_path / "c"), "lab-90", "--mode", "course", *python]) == 2
    assert "needs the course key" in capsys.readouterr().err
    assert main(["release", "--gradescope", "lab-90", str(tmp_path / "toy.zip"), *python]) == 0
    assert (tmp_path / "toy.zip").is_file() and "Gradescope autograder for lab-90" in capsys.readouterr().out
    assert main(["release", str(tmp_path / "y"), "--gradescope", "lab-90", str(tmp_path / "t.zip")]) == 2
    monkeypatch.setattr(rel, "LEFT_OUT", frozenset({"grader"}))
    assert main(["release", str(tmp_path / "leaky"), "lab-90", *python]) == 1
    assert "FAILED" in capsys.readouterr().out and not (tmp_path / "leaky").exists()
