"""Services a lab can ask for in its manifest (`services = [...]`), started once per grading run."""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

T = TypeVar("T")
HIDDEN_SECRET = "***"


@dataclass(frozen=True)
class ServiceAccess:
    """What a grading hands its children so they can reach the services it started.

    `env`: variables every child gets; `paths`: folders every child must be able to reach (sockets);
    `secrets`: strings that must never appear in anything a learner sees (`scrub` removes them)."""

    env: dict[str, str] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def scrub(self, value: T) -> T:
        """`value` (a string, or dataclasses/lists/tuples/dicts holding strings) with every secret hidden."""
        return _scrub(value, [secret for secret in self.secrets if secret])


def hide_secrets(text: str, secrets: list[str]) -> str:
    """`text` with every secret (raw and URL-quoted) replaced by `***`."""
    for secret in secrets:
        for form in sorted({secret, quote(secret, safe=""), quote(secret)}, key=len, reverse=True):
            if form:
                text = text.replace(form, HIDDEN_SECRET)
    return text


def _scrub(value: T, secrets: list[str]) -> T:
    if not secrets:
        return value
    if isinstance(value, str):
        return hide_secrets(value, secrets)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            item.name: _scrub(getattr(value, item.name), secrets)
            for item in dataclasses.fields(value)
            if item.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_scrub(item, secrets) for item in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}  # type: ignore[return-value]
    return value


def stop_server(server: subprocess.Popen[bytes], first_signal: signal.Signals, timeout: float) -> None:
    """Stop a service's server process: `first_signal`, then SIGKILL if it lingers past `timeout` seconds."""
    with contextlib.suppress(ProcessLookupError):
        server.send_signal(first_signal)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def last_line(log_path: Path) -> str:
    """The last non-blank line of a server's log, for a one-line error ("no output" without one)."""
    with contextlib.suppress(OSError):
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"


# Runs in its own session: waits until the owner's pipe closes (the owner exited or died), then stops
# the server the owner reported (unless told "done") and deletes the service's directory.
_WATCHDOG = r"""
import os, shutil, signal, sys, time
root = sys.argv[1]
pid = None
for line in sys.stdin.buffer.read().decode().split():
    pid = None if line == "done" else int(line)

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

if pid is not None and os.path.isdir(root) and alive(pid):
    try:
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
shutil.rmtree(root, ignore_errors=True)
"""


class Watchdog:
    """A process, in a session of its own, that outlives its owner to clean up a service: told the
    server's pid (`watch`), it stops that server and deletes `root` when the owner's pipe closes, even
    after a SIGKILL of the owner; `release` tells it the owner cleaned up itself."""

    def __init__(self, root: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self._process.stdin is not None
        self._pipe = self._process.stdin

    def watch(self, pid: int) -> None:
        self._pipe.write(f"{pid}\n".encode())
        self._pipe.flush()

    def release(self, timeout: float) -> None:
        with contextlib.suppress(OSError):
            self._pipe.write(b"done\n")
            self._pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=timeout)
