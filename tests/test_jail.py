"""The allow-list jail, run for real in Linux namespaces (skipped where the OS offers none).

The jail runs under coverage when the suite does (coverage's `execv` patch saves its data just before
the jail hands over to the jailed command), so its lines count towards the project's coverage.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import jail
from autograder.jail import EXIT_JAIL_FAILED, JailError, Spec
from autograder.manifest import REPO_ROOT
from autograder.plan import interpreter_paths
from autograder.sandbox import _UNSHARE_FLAGS, jail_available

needs_jail = pytest.mark.skipif(not jail_available(), reason="no unprivileged namespaces on this machine")

PROBE = r"""
import ctypes, errno, json, os, socket, sys
out, scratch, visible, secret, sibling, repo = sys.argv[1:7]
report = {}
open(os.path.join(out, "ok"), "w").close()
open(os.path.join(scratch, "private"), "w").close()
report["scratch_is_private"] = True
try:
    open(os.path.join(visible, "new"), "w").close()
    report["read_only"] = "written"
except OSError as exc:
    report["read_only"] = errno.errorcode[exc.errno]
report["visible"] = open(os.path.join(visible, "data.txt")).read()
report["secret_exists"] = os.path.exists(secret)
report["sibling_exists"] = os.path.exists(sibling)
report["repository"] = sorted(os.listdir(repo))
report["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
report["tmp"] = sorted(os.listdir("/tmp"))
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 0x20, 0x1000
result = libc.mount(None, b"/", None, ctypes.c_ulong(MS_REMOUNT | MS_BIND), None)
report["remount_rw"] = "allowed" if result == 0 else errno.errorcode[ctypes.get_errno()]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
socket.create_connection(server.getsockname(), timeout=2).close()
report["loopback"] = True
try:
    socket.create_connection(("192.0.2.1", 9), timeout=2)
    report["network"] = "reachable"
except OSError as exc:
    report["network"] = errno.errorcode.get(exc.errno or 0, "timeout")
print(json.dumps(report))
"""


def run_jail(tmp_path: Path, *jail_args: str, command: list[str]) -> subprocess.CompletedProcess[str]:
    """`unshare ... python -m autograder.jail ARGS -- COMMAND`, under coverage when the suite is."""
    data = tmp_path / "coverage-data"
    data.mkdir(exist_ok=True)
    python = [sys.executable]
    visible = [arg for path in interpreter_paths(sys.executable) for arg in ("--ro", str(path))]
    if os.environ.get("COVERAGE_RUN"):
        rc = tmp_path / "coveragerc"
        rc.write_text(
            f"[run]\nbranch = True\nparallel = True\npatch = execv\ndata_file = {data / '.coverage'}\n"
        )
        python = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}"]
        visible += ["--ro", str(rc)]
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    unshare = shutil.which("unshare") or "unshare"
    args = [*python, "-m", "autograder.jail", "--root", str(root), "--rw", str(data), *visible, *jail_args]
    argv = [unshare, *_UNSHARE_FLAGS, "--net", *args, "--", *command]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if os.environ.get("COVERAGE_RUN"):  # hand the jail's data to the suite's `coverage combine`
        for part in data.glob(".coverage.*"):
            shutil.copy(part, Path.cwd() / part.name)
    return done


@needs_jail
def test_jail_shows_only_the_allow_list_and_cuts_the_network(tmp_path: Path) -> None:
    out, scratch, visible = tmp_path / "out", tmp_path / "home", tmp_path / "visible"
    for folder in (out, scratch, visible):
        folder.mkdir()
    (visible / "data.txt").write_text("shown")
    secret = tmp_path / "solution.py"
    secret.write_text("ANSWER = 42\n")
    sibling = tmp_path.parent / "another-grading"
    sibling.mkdir(exist_ok=True)
    done = run_jail(
        tmp_path,
        "--rw", str(out), "--ro", str(visible), "--scratch", str(scratch), "--tmp-size", "16", "--loopback",
        command=[sys.executable, "-c", PROBE, str(out), str(scratch), str(visible), str(secret), str(sibling),
                 str(REPO_ROOT)],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (out / "ok").exists(), "a --rw folder is the host's"
    assert report["scratch_is_private"] and not (scratch / "private").exists(), "scratch is a private tmpfs"
    assert report["read_only"] == "EROFS" and not (visible / "new").exists()
    assert report["visible"] == "shown"
    assert report["secret_exists"] is False and report["sibling_exists"] is False
    assert ".git" not in report["repository"] and "labs" not in report["repository"]
    assert set(report["repository"]) <= {".nox", "autograder", "datasets"}
    assert report["pids"][0] == 1 and len(report["pids"]) < 5, "only the child's own processes are visible"
    assert report["remount_rw"] == "EPERM", "the jailed process must not be able to undo read-only mounts"
    assert report["loopback"] is True and report["network"] != "reachable"


@needs_jail
def test_jail_tmp_is_size_limited(tmp_path: Path) -> None:
    fill = "import os\ntry:\n    open('/tmp/big', 'wb').write(os.urandom(8 << 20))\nexcept OSError as e:\n    print(e.errno)"
    done = run_jail(tmp_path, "--tmp-size", "2", command=[sys.executable, "-c", fill])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "28", "ENOSPC: /tmp holds no more than its size"


@needs_jail
def test_jail_refuses_to_run_anything_half_jailed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    done = run_jail(
        tmp_path, "--rw", str(tmp_path / "does-not-exist"),
        command=[sys.executable, "-c", f"open({str(marker)!r}, 'w')"],
    )  # fmt: skip
    assert done.returncode == EXIT_JAIL_FAILED and not marker.exists()
    assert len(done.stderr.strip().splitlines()) == 1 and "jail" in done.stderr


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--root", "/x"], "usage"),
        (["--root", "/x", "--"], "no command"),
        (["--bogus", "1", "--", "true"], "unknown jail option"),
        (["--ro", "--", "true"], "needs a value"),
        (["--root", "--", "true"], "needs a value"),
        (["--ro", "/x", "--", "true"], "no --root"),
    ],
)
def test_jail_arguments_are_checked(argv: list[str], problem: str) -> None:
    with pytest.raises(JailError, match=problem):
        jail.parse(argv)


def test_jail_arguments_are_parsed() -> None:
    spec, command = jail.parse(
        ["--root", "/r", "--ro", "/a", "--rw", "/b", "--scratch", "/c", "--tmp-size", "8", "--loopback",
         "--", "python", "-V"]
    )  # fmt: skip
    assert spec == Spec("/r", ["/a"], ["/b"], ["/c"], 8, True) and command == ["python", "-V"]


def test_jail_main_reports_one_line_and_exit_125(capsys: pytest.CaptureFixture[str]) -> None:
    assert jail.main(["--nope"]) == EXIT_JAIL_FAILED
    assert capsys.readouterr().err.count("\n") == 1


def test_mountinfo_escapes_are_decoded() -> None:
    assert jail._unescape("/a\\040b\\011c\\012d\\134e") == "/a b\tc\nd\\e"
