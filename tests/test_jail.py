"""The read-only jail, run for real in Linux namespaces (skipped where the OS offers none).

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

from autograder.jail import EXIT_JAIL_FAILED
from autograder.sandbox import _UNSHARE_FLAGS, jail_available

pytestmark = pytest.mark.skipif(not jail_available(), reason="no unprivileged namespaces on this machine")

PROBE = r"""
import ctypes, errno, json, os, socket, sys
scratch, outside, hidden = sys.argv[1:4]
report = {}
open(os.path.join(scratch, "ok"), "w").close()
report["scratch_writable"] = True
try:
    open(outside, "w").close()
    report["outside"] = "written"
except OSError as exc:
    report["outside"] = errno.errorcode[exc.errno]
report["hidden"] = os.listdir(hidden)
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
    if os.environ.get("COVERAGE_RUN"):
        rc = tmp_path / "coveragerc"
        rc.write_text(
            f"[run]\nbranch = True\nparallel = True\npatch = execv\ndata_file = {data / '.coverage'}\n"
        )
        python = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}"]
    unshare = shutil.which("unshare") or "unshare"
    jail = [*python, "-m", "autograder.jail", "--writable", str(data), *jail_args]
    argv = [unshare, *_UNSHARE_FLAGS, "--net", *jail, "--", *command]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if os.environ.get("COVERAGE_RUN"):  # hand the jail's data to the suite's `coverage combine`
        for part in data.glob(".coverage.*"):
            shutil.copy(part, Path.cwd() / part.name)
    return done


def test_jail_leaves_only_scratch_writable_hides_originals_and_cuts_the_network(tmp_path: Path) -> None:
    scratch, hidden = tmp_path / "scratch", tmp_path / "lab"
    scratch.mkdir()
    hidden.mkdir()
    (hidden / "grader.py").write_text("SECRET = 1\n")
    outside = tmp_path / "outside.txt"
    done = run_jail(
        tmp_path,
        "--writable", str(scratch), "--hide", str(hidden), "--loopback",
        command=[sys.executable, "-c", PROBE, str(scratch), str(outside), str(hidden)],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["scratch_writable"] and (scratch / "ok").exists()
    assert report["outside"] == "EROFS" and not outside.exists()
    assert report["hidden"] == [] and (hidden / "grader.py").exists()
    assert report["remount_rw"] == "EPERM", "the jailed process must not be able to undo read-only mounts"
    assert report["loopback"] is True and report["network"] != "reachable"


def test_jail_refuses_to_run_anything_half_jailed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    done = run_jail(
        tmp_path,
        "--writable", str(tmp_path / "does-not-exist"),
        command=[sys.executable, "-c", f"open({str(marker)!r}, 'w')"],
    )  # fmt: skip
    assert done.returncode == EXIT_JAIL_FAILED and not marker.exists()
    assert len(done.stderr.strip().splitlines()) == 1 and "jail" in done.stderr
