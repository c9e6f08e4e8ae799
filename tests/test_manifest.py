"""lab.toml validation and lab discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.errors import UsageError
from autograder.manifest import discover, find, load_lab, scan

VALID = 'id = "lab-42"\ntitle = "T"\npackage = "pkg"\npoints = 10\n'


def write_lab(root: Path, body: str, name: str = "lab-42-demo") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "lab.toml").write_text(body)
    return folder


def test_defaults_are_filled_in(tmp_path: Path) -> None:
    lab = load_lab(write_lab(tmp_path, VALID))
    assert (lab.id, lab.package, lab.points) == ("lab-42", "pkg", 10.0)
    assert (lab.pass_threshold, lab.coverage_gate, lab.test_timeout, lab.memory_mb) == (
        70.0,
        90.0,
        10.0,
        4096,
    )
    assert lab.services == () and lab.installer == "uv"
    assert lab.solution_dir == lab.folder / "solution" and lab.grader_dir == lab.folder / "grader"


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("", "title", "is required"),
        ('points = "ten"\n', "points", "must be int or float, got str"),
        ("coverage_gate = 120\n", "coverage_gate", "within 0..100"),
        ("test_timeout = 0\n", "test_timeout", "positive number of seconds"),
        ("memory_mb = -1\n", "memory_mb", "0 (no limit)"),
        ('services = ["kafka"]\n', "services", "unknown service 'kafka'"),
        ("requirements = [1]\n", "requirements", "list of non-empty strings"),
        ('installer = "conda"\n', "installer", "must be one of"),
        ("colour = 1\n", "colour", "is not a manifest field"),
        ("points = true\n", "points", "got bool"),
        ("points = -3\n", "points", "must be positive"),
    ],
)
def test_bad_fields_name_file_and_field(tmp_path: Path, extra: str, field: str, words: str) -> None:
    body = VALID.replace('title = "T"\n', "") if field == "title" else VALID
    body = "\n".join(line for line in body.splitlines() if not line.startswith(field + " ")) + "\n" + extra
    with pytest.raises(UsageError) as caught:
        load_lab(write_lab(tmp_path, body))
    message = str(caught.value)
    assert "lab.toml" in message and f"'{field}'" in message and words in message


def test_identity_checks(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="look like 'lab-07'"):
        load_lab(write_lab(tmp_path, VALID.replace("lab-42", "lab42")))
    with pytest.raises(UsageError, match="does not match the folder"):
        load_lab(write_lab(tmp_path, VALID, name="lab-43-other"))
    with pytest.raises(UsageError, match="Python package name"):
        load_lab(write_lab(tmp_path, VALID.replace('"pkg"', '"my-pkg"'), name="lab-42-x"))


def test_missing_and_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "lab-01-empty").mkdir()
    with pytest.raises(UsageError, match="missing"):
        load_lab(tmp_path / "lab-01-empty")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_lab(write_lab(tmp_path, "id = \n"))


def test_find_accepts_short_ids_and_suggests(tmp_path: Path) -> None:
    write_lab(tmp_path, VALID)
    assert find("42", tmp_path).id == "lab-42"
    assert find("lab-42", tmp_path).id == find("lab-42-demo", tmp_path).id == "lab-42"
    with pytest.raises(UsageError, match="did you mean 'lab-42'"):
        find("lab-24", tmp_path)
    with pytest.raises(UsageError, match="unknown lab 'zzz'") as caught:
        find("zzz", tmp_path)
    assert "did you mean" not in str(caught.value)


def test_scan_reports_broken_labs_and_discover_raises(tmp_path: Path) -> None:
    write_lab(tmp_path, VALID)
    write_lab(tmp_path, VALID.replace("lab-42", "lab-50").replace("points = 10", "points = 0"), "lab-50-bad")
    found = scan(tmp_path)
    assert [type(entry).__name__ for entry in found] == ["Lab", "ManifestError"]
    assert getattr(found[1], "folder_name", None) == "lab-50-bad"
    with pytest.raises(UsageError, match="points"):
        discover(tmp_path)


def test_every_shipped_lab_has_a_valid_manifest() -> None:
    labs = discover()
    assert [lab.id for lab in labs] == sorted(lab.id for lab in labs)
    for lab in labs:
        assert (lab.folder / lab.package).is_dir() and (lab.solution_dir / lab.package).is_dir()
        assert (lab.folder / "README.md").is_file() and lab.grader_dir.is_dir()


def test_the_contract_documents_every_field_as_declared() -> None:
    from autograder.manifest import REPO_ROOT, field_table

    assert field_table() in (REPO_ROOT / "docs" / "lab-contract.md").read_text(), (
        "docs/lab-contract.md's field table differs from manifest.FIELDS: paste field_table() into it"
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('[[parts]]\nid = "a"\ntitle = "x"\n', "needs an id like 'A'"),
        ('[[parts]]\nid = "A"\ntitle = "x"\ndepends = ["B"]\n', "depends must list parts declared before it"),
        ('[[parts]]\nid = "A"\ntitle = "x"\napi = ["tree.py"]\n', "api must list 'file.py:Qualified.name'"),
        ('[[parts]]\nid = "A"\ntitle = "x"\n[[parts]]\nid = "A"\ntitle = "y"\n', "declares part 'A' twice"),
        ('forbidden_imports = ["cv2", "not a module"]\n', "must be a list of module names"),
        ('given = ["../escape.py"]\n', "relative to the target"),
        ("bug_gate = 101\n", "within 0..100"),
    ],
)
def test_new_fields_are_validated(tmp_path: Path, extra: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_lab(write_lab(tmp_path, VALID + extra))
    assert words in str(caught.value)


def test_parts_given_and_forbidden_imports_are_loaded(tmp_path: Path) -> None:
    body = VALID + (
        'given = ["pkg/sim.py"]\ncoverage_omit = ["pkg/x.py"]\nforbidden_imports = ["cv2"]\n'
        '[[parts]]\nid = "A"\ntitle = "First"\napi = ["pkg/a.py:f"]\n'
        '[[parts]]\nid = "B"\ntitle = "Second"\ndepends = ["A"]\n'
    )
    lab = load_lab(write_lab(tmp_path, body))
    assert lab.gate_omit == ("pkg/x.py", "pkg/sim.py") and lab.forbidden_imports == ("cv2",)
    assert [(p.id, p.api, p.depends) for p in lab.parts] == [("A", ("pkg/a.py:f",), ()), ("B", (), ("A",))]
    assert lab.part("B") is not None and lab.part("C") is None
