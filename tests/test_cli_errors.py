"""Bad input from a human: one clear line on stderr, exit code 2, never a traceback.

Each case runs the real `labs` command (`python -m autograder`) in its own process against a throwaway
copy of the toy lab, so that what is checked is exactly what a person at a terminal would see. None of
these cases gets as far as starting a grading child.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_command import labs_command

TOY = Path(__file__).resolve().parent / "labs" / "lab-90-toy"


def _lab_copy(labs: Path, folder: str, lab_id: str) -> Path:
    lab = labs / folder
    shutil.copytree(TOY, lab)
    manifest = lab / "lab.toml"
    manifest.write_text(manifest.read_text().replace('id = "lab-90"', f'id = "{lab_id}"', 1))
    return lab


@pytest.fixture
def labs(tmp_path: Path) -> Path:
    folder = tmp_path / "labs"
    shutil.copytree(TOY, folder / TOY.name)
    return folder


def _labs(labs: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("LABS_")},
        "LABS_DIR": str(labs),
        "LABS_GRADES_DIR": str(tmp_path / "grades"),
    }
    return subprocess.run(
        [*labs_command(), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("labs: error: ")
    return lines[0]


def test_unknown_lab_suggests_the_closest(labs: Path, tmp_path: Path) -> None:
    line = _one_clear_line(_labs(labs, tmp_path, "grade", "lab-09"))
    assert "unknown lab 'lab-09'" in line
    assert "did you mean 'lab-90'?" in line


def test_unknown_lab_with_nothing_close(labs: Path, tmp_path: Path) -> None:
    line = _one_clear_line(_labs(labs, tmp_path, "grade", "xyzzy"))
    assert "unknown lab 'xyzzy'" in line and "lab-90" in line  # the listing of what exists


def test_malformed_lab_toml_names_file_and_field(labs: Path, tmp_path: Path) -> None:
    lab = _lab_copy(labs, "lab-92-broken", "lab-92")
    manifest = lab / "lab.toml"
    text = manifest.read_text()
    manifest.write_text(
        "\n".join('points = "ten"' if ln.startswith("points =") else ln for ln in text.splitlines())
    )
    line = _one_clear_line(_labs(labs, tmp_path, "grade", "lab-92"))
    assert str(manifest) in line
    assert "'points'" in line


def test_lab_toml_that_is_not_toml_names_the_file(labs: Path, tmp_path: Path) -> None:
    lab = _lab_copy(labs, "lab-92-broken", "lab-92")
    manifest = lab / "lab.toml"
    manifest.write_text(manifest.read_text() + "\nthis is = = not toml\n")
    line = _one_clear_line(_labs(labs, tmp_path, "grade", "lab-92"))
    assert str(manifest) in line


def test_missing_package_folder(labs: Path, tmp_path: Path) -> None:
    lab = _lab_copy(labs, "lab-93-nopackage", "lab-93")
    shutil.rmtree(lab / "toy")
    line = _one_clear_line(_labs(labs, tmp_path, "grade", "lab-93"))
    assert "'toy/'" in line


def test_target_path_that_does_not_exist(labs: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    line = _one_clear_line(_labs(labs, tmp_path, "grade", "lab-90", "--target", str(missing)))
    assert str(missing) in line and "does not exist" in line


@pytest.mark.parametrize("interpreter", ["no-such-env/bin/python", "."])
def test_an_interpreter_that_is_not_there_is_named(labs: Path, tmp_path: Path, interpreter: str) -> None:
    # A lab's environment not built yet: before, the children failed inside the jail with an import error.
    path = str(tmp_path / interpreter)
    line = _one_clear_line(_labs(labs, tmp_path, "verify", "lab-90", "--python", path))
    assert f"--python {os.path.abspath(path)}: no such interpreter" in line
    assert "nox -s" in line
