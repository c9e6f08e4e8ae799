"""The run plan, the snapshot's refusals and safe reads and the forbidden-imports policy, in-process (the
adversarial corpus checks the same defences end to end; the channel's parser: tests/test_protocol.py)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from autograder import forbidden, plan
from autograder.child.guard import ForbiddenImport, Guard
from autograder.errors import UsageError
from autograder.manifest import REPO_ROOT, find
from autograder.sandbox import Limits, View
from autograder.snapshot import HostileTarget, check_target, display, fingerprint, read_regular, remove_tree

LAB91 = Path(__file__).parent / "labs" / "lab-91-hostile"


def test_the_plan_shows_the_interpreter_and_nothing_else_of_the_repository() -> None:
    lab = find("lab-91", LAB91.parent)
    built = plan.build(lab, sys.executable, started=time.monotonic(), env={}, service_paths=[Path("/")])
    inside = [path for path in built.visible if path.is_relative_to(REPO_ROOT)]
    assert inside, "the environment and the autograder live in the repository"
    for path in inside:
        assert (
            path.is_relative_to(REPO_ROOT / ".nox")
            or path.is_relative_to(REPO_ROOT / "autograder")
            or (path == REPO_ROOT / "datasets")
        ), path
    assert Path(sys.base_prefix).resolve() in built.visible
    assert built.test_cpu_seconds == lab.test_timeout and built.lab_cpu_seconds == lab.lab_timeout
    assert built.test_wall_seconds == plan.WALL_FACTOR * lab.test_timeout + plan.HANG_MARGIN
    assert built.idle_seconds == min(built.test_wall_seconds, plan.IDLE_LIMIT)
    view = built.view(read_only=[Path("/snap")], writable=[Path("/out")], scratch=[Path("/home")])
    assert view.read_only[-1] == Path("/snap") and view.writable == (Path("/out"),)
    arguments = view.jail_arguments(Path("/root-folder"))
    assert arguments[:4] == ["--root", "/root-folder", "--tmp-size", str(built.limits.tmp_mb)]
    assert arguments[-2:] == ["--scratch", "/home"]


def test_the_plan_sees_a_database_socket_folder(tmp_path: Path) -> None:
    env = {"LABS_DATABASE_URL": f"postgresql+psycopg://learner@/db?host={tmp_path}&port=5432"}
    made = plan.default_plan(sys.executable, env, Limits(512, 60, True), 2.0, time.monotonic() + 30)
    assert tmp_path in made.visible and made.lab_cpu_seconds <= 30


def test_another_interpreter_is_probed(tmp_path: Path) -> None:
    link = tmp_path / "python"
    link.symlink_to(sys.executable)
    found = plan.interpreter_paths(str(link))
    assert Path(sys.base_prefix).resolve() in found
    assert plan.interpreter_paths(str(tmp_path / "missing")) == (tmp_path.resolve(),)  # its folder only


def test_outside_targets_need_the_jail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(plan, "jail_available", lambda: False)
    with pytest.raises(UsageError, match="--allow-unjailed"):
        plan.refuse_unjailed(str(tmp_path), allowed=False)
    plan.refuse_unjailed(str(tmp_path), allowed=True)
    plan.refuse_unjailed("solution", allowed=False)
    plan.refuse_unjailed(str(REPO_ROOT / "labs"), allowed=False)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: (p / "link").symlink_to("/etc"), "a symlink"),
        (lambda p: os.mkfifo(p / "fifo"), "a FIFO"),
        (lambda p: open(os.fsencode(p) + b"/\xff", "wb").close(), "not UTF-8"),
        (lambda p: (p / "a\tb").write_text(""), "control character"),
    ],
)
def test_hostile_entries_are_refused(tmp_path: Path, make: object, message: str) -> None:
    package = tmp_path / "toy"
    package.mkdir()
    make(package)  # type: ignore[operator]
    with pytest.raises(HostileTarget, match=message):
        check_target([package])
    with pytest.raises(HostileTarget):
        fingerprint([package])


def test_display_escapes_what_a_terminal_would_interpret() -> None:
    assert display(b"a\x1b[2J\n\xff") == "a\\x1b[2J\\x0a\\xff"
    assert display("x\u202ey") == "x\\u202ey"


def test_read_regular_never_follows_blocks_or_overreads(tmp_path: Path) -> None:
    (tmp_path / "ok").write_bytes(b"data")
    (tmp_path / "link").symlink_to(tmp_path / "ok")
    os.mkfifo(tmp_path / "fifo")
    with open(tmp_path / "big", "wb") as handle:
        handle.truncate(1 << 20)
    assert read_regular(tmp_path / "ok", 10) == b"data"
    assert read_regular(tmp_path / "link", 10) is None
    assert read_regular(tmp_path / "fifo", 10) is None
    assert read_regular(tmp_path / "big", 1000) is None
    assert read_regular(tmp_path / "missing", 10) is None


def test_remove_tree_never_follows_a_link(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious").write_text("x")
    keep.chmod(0o755)
    doomed = tmp_path / "doomed"
    (doomed / "sub").mkdir(parents=True)
    (doomed / "sub" / "link").symlink_to(keep)
    (doomed / "file-link").symlink_to(keep / "precious")
    (doomed / "sub").chmod(0o500)
    remove_tree(doomed)
    assert not doomed.exists() and (keep / "precious").read_text() == "x"
    assert keep.stat().st_mode & 0o777 == 0o755
    (tmp_path / "single").symlink_to(keep)
    remove_tree(tmp_path / "single")
    assert keep.exists()


def test_the_static_scan_names_file_and_line(tmp_path: Path) -> None:
    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import os\nimport cv2.ximgproc\nNAME = 'cv2.png'\nX = __import__('torch.nn')\n"
        "from . import helper\nNOTE = 'cv2'\n"
    )
    (package / "broken.py").write_text("def (:\n")
    found = forbidden.scan(package, ["cv2", "torch"], tmp_path)
    assert [(f.file, f.line, f.module) for f in found] == [
        ("toy/__init__.py", 2, "cv2.ximgproc"),
        ("toy/__init__.py", 4, "torch.nn"),
        ("toy/__init__.py", 6, "cv2"),
    ]
    text = forbidden.describe(found, ["cv2", "torch"])
    assert "toy/__init__.py:2" in text and "(and 2 more)" in text
    assert forbidden.scan(package, [], tmp_path) == []


def test_the_run_time_guard_refuses_learner_imports_and_finds_held_oracles(tmp_path: Path) -> None:
    learner = tmp_path / "mine"
    learner.mkdir()
    (learner / "__init__.py").write_text(
        "import functools, importlib\n"
        "def load():\n    return importlib.import_module('fractions')\n"
        "def load_builtin():\n    return __import__('fractions')\n"
    )
    (learner / "holder.py").write_text("import functools\nHELD = None\nclass C:\n    ref = None\n")
    sys.path.insert(0, str(tmp_path))
    guard = Guard(["fractions"], [str(learner)])
    try:
        import fractions

        import mine  # type: ignore[import-not-found]
        import mine.holder  # type: ignore[import-not-found]

        guard.install()
        assert guard.intact()
        with pytest.raises(ForbiddenImport):
            mine.load()
        with pytest.raises(ForbiddenImport):
            mine.load_builtin()
        assert len(guard.violations) == 2 and "mine/__init__.py" in guard.violations[0]
        assert importlib_ok()  # imports from outside learner code still work
        assert guard.sweep() == []
        mine.holder.C.ref = staticmethod(fractions.Fraction)
        assert guard.sweep() == ["mine.holder holds `fractions`"]
        mine.holder.C.ref = None
        import functools

        mine.holder.HELD = functools.partial(fractions.Fraction)
        assert guard.sweep() == ["mine.holder holds `fractions`"]
    finally:
        import builtins
        import importlib

        builtins.__import__, importlib.import_module = guard._import, guard._import_module
        importlib.__import__ = guard._bootstrap_import
        sys.path.remove(str(tmp_path))
        for name in ("mine", "mine.holder"):
            sys.modules.pop(name, None)


def importlib_ok() -> bool:
    import importlib

    return importlib.import_module("fractions").__name__ == "fractions"


def test_a_view_lists_every_path_once_per_option() -> None:
    view = View(read_only=(Path("/a"),), writable=(Path("/b"),), scratch=(Path("/c"),), tmp_mb=8)
    assert view.jail_arguments(Path("/r")) == [
        "--root", "/r", "--tmp-size", "8", "--ro", "/a", "--rw", "/b", "--scratch", "/c",
    ]  # fmt: skip


def test_a_child_gets_the_services_it_is_handed_and_no_other_labs_variable(tmp_path: Path) -> None:
    from autograder.protocol import WARM_UP_ENV
    from autograder.sandbox import scrubbed_environment

    handed = {
        WARM_UP_ENV: "autograder.fixtures.spark:warm_up",
        "LABS_DATABASE_URL": "postgresql://learner@/db",
        "LABS_GRADER_KEY": "secret",
        "LABS_DIR": "/elsewhere",
        "ANSWER": "42",
    }
    env = scrubbed_environment(handed, tmp_path)
    assert env[WARM_UP_ENV] == "autograder.fixtures.spark:warm_up"
    assert env["LABS_DATABASE_URL"] == "postgresql://learner@/db" and env["ANSWER"] == "42"
    assert "LABS_GRADER_KEY" not in env and "LABS_DIR" not in env
    assert env["HOME"] == str(tmp_path) and env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_the_jail_is_probed_once_even_when_the_probe_starts_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograder import sandbox

    calls: list[int] = []

    def slow_probe() -> bool:
        calls.append(1)
        time.sleep(0.2)
        return True

    monkeypatch.setattr(sandbox, "_probe_jail", slow_probe)
    monkeypatch.setattr(sandbox, "_probed", {})
    sandbox.probe_in_background()
    time.sleep(0.05)
    assert sandbox.jail_available() is True and sandbox.jail_available() is True
    assert calls == [1]


def test_a_silent_learner_test_is_hung_after_two_minutes_whatever_a_grader_test_may_take() -> None:
    import dataclasses

    lab = dataclasses.replace(find("lab-91", LAB91.parent), test_timeout=180.0)  # lab-05's
    built = plan.build(lab, sys.executable, started=time.monotonic(), env={})
    assert built.test_wall_seconds == 6 * 180 + 20, "a grader test may wait that long (a JVM, a restart)"
    assert built.idle_seconds == plan.IDLE_LIMIT == 120, "a test that uses no CPU at all is stopped sooner"
