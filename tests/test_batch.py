"""Batch grading for teachers: a class of generated submissions graded in parallel, resumed after an
interruption, a gradebook and a class report whose numbers equal the individual results."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import batch, class_report
from autograder.cli import main
from autograder.manifest import find

TOY = Path(__file__).parent / "labs" / "lab-90-toy"
pytest.importorskip("matplotlib", reason="the class report draws its charts with matplotlib")


def _submission(root: Path, name: str, source: str, tests: str | None = None) -> None:
    (root / name / "toy").mkdir(parents=True)
    (root / name / "toy" / "__init__.py").write_text(source)
    (root / name / "tests").mkdir()
    (root / name / "tests" / "test_toy.py").write_text(
        tests or (TOY / "solution" / "tests" / "test_toy.py").read_text()
    )


def make_class(root: Path) -> dict[str, str]:
    """20 submissions: what each should come out as."""
    reference = (TOY / "solution" / "toy" / "__init__.py").read_text()
    stub = (TOY / "toy" / "__init__.py").read_text()
    expected: dict[str, str] = {}
    for n in range(6):
        _submission(root, f"ref-{n}", reference)
        expected[f"ref-{n}"] = "graded"
    for n in range(5):
        _submission(root, f"stub-{n}", stub, (TOY / "tests" / "test_toy.py").read_text())
        expected[f"stub-{n}"] = "graded"
    for n, (find_text, replace) in enumerate(
        [("a, b = 0, 1", "a, b = 1, 1"), ("return a * b", "return a + b"), ("return a + b", "return a - b")]
        * 2
    ):
        _submission(root, f"bug-{n}", reference.replace(find_text, replace, 1))
        expected[f"bug-{n}"] = "graded"
    _submission(
        root,
        "hang",
        reference.replace(
            "def add(a: int, b: int) -> int:\n",
            "def add(a: int, b: int) -> int:\n    while True:\n        pass\n",
        ),
        "def test_nothing() -> None:\n    pass\n",  # only the graders hang: they are what is tested here
    )
    expected["hang"] = "graded"
    _submission(root, "syntax", "def add(:\n")
    expected["syntax"] = "graded"
    _submission(root, "symlinked", reference)
    (root / "symlinked" / "toy" / "secret.py").symlink_to("/etc/passwd")
    expected["symlinked"] = "refused"
    (root / "no-package").mkdir()
    expected["no-package"] = "refused"
    return expected


def test_a_class_is_graded_resumed_and_reported(
    tmp_path: Path, grades: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    expected = make_class(subs)
    assert len(expected) >= 20
    lab = find("lab-90")
    graded: list[str] = []

    def interrupt_after_five(done: int, total: int, row: batch.Row) -> None:
        graded.append(row.submission)
        if len(graded) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.grade_batch(lab, subs, out, jobs=2, progress=interrupt_after_five, allow_unjailed=True)
    state = json.loads((out / "state.json").read_text())
    assert len(state) >= 5
    second: list[str] = []
    rows = batch.grade_batch(
        lab, subs, out, jobs=2, progress=lambda d, t, r: second.append(r.submission), allow_unjailed=True
    )
    assert not set(second) & set(state), "finished submissions are not graded again"
    assert {row.submission: row.status for row in rows} == expected
    by_name = {row.submission: row for row in rows}
    assert all(by_name[f"ref-{n}"].score == 10 and by_name[f"ref-{n}"].passed for n in range(6))
    assert all(by_name[f"stub-{n}"].score == 0 for n in range(5))
    assert all(0 < (by_name[f"bug-{n}"].score or 0) < 10 for n in range(6))
    assert by_name["hang"].score is not None and by_name["hang"].score < 10
    assert "symlink" in by_name["symlinked"].message
    # the gradebook equals each submission's own results.json
    with open(out / "gradebook.csv", newline="") as handle:
        book = {r["submission"]: r for r in csv.DictReader(handle)}
    for name, row in by_name.items():
        if row.status != "graded":
            continue
        results = json.loads((out / "results" / f"{name}.json").read_text())
        assert float(book[name]["score"]) == results["score"] == row.score
    # the report's numbers are those of the results
    page = class_report.write(lab.id, rows, out).read_text()
    stats = {s.name: s for s in class_report.test_stats(out / "results")}
    assert stats["test_add"].passed == sum(
        any(
            t["status"] == "passed" and t["extra_data"]["nodeid"].endswith("::test_add")
            for t in json.loads(p.read_text())["tests"]
        )
        for p in (out / "results").glob("*.json")
    )
    assert "<svg" in page and f"{len(rows)} submissions" in page and "&lt;" not in page.split("<body>")[0]
    assert "2× <code>add(N, N) returned -N, expected N</code>" in page, (
        "failures are clustered by their first line"
    )
    # nothing changed since: a third run grades nothing
    third: list[str] = []
    batch.grade_batch(
        lab, subs, out, jobs=2, progress=lambda d, t, r: third.append(r.submission), allow_unjailed=True
    )
    assert third == []
    _renders_in_chromium(out / "report.html", tmp_path)


def _renders_in_chromium(page: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip(
            "Chromium is not installed (apt-get install chromium): the report's rendering is not checked"
        )
    shot = tmp_path / "report.png"
    args = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert "class report" in dom.stdout and "<svg" in dom.stdout and 'id="gradebook"' in dom.stdout
    subprocess.run(
        [*args, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, "a blank page would be a few kB"


def test_shards_merge_into_one_gradebook(
    tmp_path: Path, grades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = find("lab-90")
    reference = (TOY / "solution" / "toy" / "__init__.py").read_text()
    for shard, names in (("a", ["one", "two"]), ("b", ["three"])):
        for name in names:
            _submission(tmp_path / f"subs-{shard}", name, reference)
        batch.grade_batch(
            lab, tmp_path / f"subs-{shard}", tmp_path / f"shard-{shard}", jobs=2, allow_unjailed=True
        )
    assert (
        main(
            [
                "merge-batches",
                "lab-90",
                str(tmp_path / "all"),
                str(tmp_path / "shard-a"),
                str(tmp_path / "shard-b"),
            ]
        )
        == 0
    )
    rows = batch.read_gradebook(tmp_path / "all" / "gradebook.csv")
    assert [row.submission for row in rows] == ["one", "three", "two"] and all(
        row.score == 10 for row in rows
    )
    assert sorted(p.name for p in (tmp_path / "all" / "results").iterdir()) == [
        "one.json",
        "three.json",
        "two.json",
    ]
    assert (tmp_path / "all" / "report.html").is_file()
    assert (
        main(
            [
                "merge-batches",
                "lab-90",
                str(tmp_path / "again"),
                str(tmp_path / "shard-a"),
                str(tmp_path / "shard-a"),
            ]
        )
        == 2
    )
    assert "is in two shards" in capsys.readouterr().err


def test_batch_usage_errors(tmp_path: Path, grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade-batch", "lab-90", str(tmp_path / "nothing"), "--allow-unjailed"]) == 2
    assert "neither a folder of submissions nor a file" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["grade-batch", "lab-90", str(tmp_path / "empty"), "--allow-unjailed"]) == 2
    assert "holds no submission folders" in capsys.readouterr().err
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# a class\n{tmp_path / 'no-such-repo'}\n")
    assert main(["grade-batch", "lab-90", str(urls), "--out", str(tmp_path / "o"), "--allow-unjailed"]) == 0
    rows = batch.read_gradebook(tmp_path / "o" / "gradebook.csv")
    assert [(row.submission, row.status) for row in rows] == [("no-such-repo", "refused")]
    assert rows[0].message.startswith("could not clone")


def test_a_repository_list_is_cloned_and_graded(tmp_path: Path, grades: Path) -> None:
    repo = tmp_path / "learner-repo"
    _submission(tmp_path, "learner-repo", (TOY / "solution" / "toy" / "__init__.py").read_text())
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e.invalid",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "work"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{repo.as_uri()}\n")
    rows = batch.grade_batch(find("lab-90"), urls, tmp_path / "o", jobs=1, allow_unjailed=True)
    assert [(row.submission, row.status, row.score) for row in rows] == [("learner-repo", "graded", 10.0)]
    assert sys.executable
