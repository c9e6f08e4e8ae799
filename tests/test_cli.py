"""The `labs` command in-process: list, badges, argument errors and interruption."""

from __future__ import annotations

from pathlib import Path

import pytest

import autograder.cli as cli
from autograder.cli import main


def test_badges_are_grey_before_any_grade(grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["badges"]) == 0
    assert "badges written to" in capsys.readouterr().out
    badge = (grades / "badges" / "lab-90.svg").read_text()
    assert "not graded" in badge
    assert ">0/2<" in (grades / "badges" / "progress.svg").read_text()


def test_list_reports_a_broken_manifest_and_goes_on(
    toy_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = toy_copy.parent / "lab-95-broken"
    broken.mkdir()
    (broken / "lab.toml").write_text('id = "lab-95"\n')
    assert main(["list"]) == 0
    captured = capsys.readouterr()
    assert "lab-90" in captured.out and "not graded yet" in captured.out
    assert "lab-95-broken/lab.toml: field 'title' is required" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "lab-90", "--repeat", "0"], "--repeat must be at least 1"),
        (["grade"], "the following arguments are required: lab"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    grades: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("labs: error: ") and message in err and err.count("\n") == 1


def test_verify_with_no_labs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LABS_DIR", str(tmp_path))
    assert main(["verify"]) == 2
    assert "no labs found" in capsys.readouterr().err


def test_ctrl_c_is_a_clean_exit(
    grades: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_list", interrupted)
    assert main(["list"]) == 130
    assert capsys.readouterr().err == "labs: interrupted\n"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out.startswith("labs 0.1.0")


def test_sandbox_says_what_isolation_this_machine_gives(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder import sandbox

    assert main(["sandbox"]) == 0
    out = capsys.readouterr().out
    assert "user/PID/network namespaces:" in out and "read-only jail:" in out
    monkeypatch.setattr(sandbox, "jail_available", lambda: False)
    assert main(["sandbox", "--require-jail"]) == 1
    assert "kernel.apparmor_restrict_unprivileged_userns=0" in capsys.readouterr().out
    assert main(["sandbox"]) == 0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["verify", "lab-90", "--repeat", "0"], "--repeat must be at least 1"),
        (["verify", "lab-90", "--bugs", "--bug-sample", "0"], "--bug-sample must be at least 1"),
        (["grade-batch", "lab-90", ".", "--jobs", "0", "--allow-unjailed"], "--jobs must be at least 1"),
        (["merge-batches", "lab-90", "out", "no-such-shard"], "has no gradebook.csv"),
        (["hint", "lab-90", "test_nothing_like_it"], "no grader test is named like"),
        (["status", "lab-99"], "unknown lab"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    grades: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    argv: list[str], words: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_sync_says_when_a_lab_gives_nothing(grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "lab-90"]) == 0
    assert "gives no files" in capsys.readouterr().out
