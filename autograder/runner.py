"""Run hidden graders in sandboxed pytest children and collect trustworthy outcomes.

The autograder process never imports learner code. It learns the expected tests and their points by
collecting the graders against the reference solution, then runs them against the target in a child
that reports over a private pipe. A test counts as passed only when the child sends a well-formed record
with the run's token for the test it announced; anything else (a crash, a hang, a silent exit) fails that
test alone, and the remaining tests go on in a fresh child.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.plugin import CHANNEL_ENV, LEARNER_ROOT_ENV
from autograder.redact import Redactor
from autograder.results import ExpectedTest, TestOutcome
from autograder.sandbox import Child, Limits, scrubbed_environment
from autograder.snapshot import copy_read_only, remove_tree

STARTUP_GRACE = 60.0  # seconds allowed for interpreter start + imports + collection


@dataclass(frozen=True)
class GraderRun:
    """Everything a child needs: where graders and the target are, and the limits."""

    grader_dir: Path  # pristine graders (copied afresh for each child)
    target_root: Path  # read-only snapshot holding <package>/ (put first on sys.path)
    python: str
    env: Mapping[str, str]
    limits: Limits
    test_timeout: float
    shuffle_seed: int | None = None


class _Session:
    """One pytest child and its channel."""

    def __init__(self, run: GraderRun, orders: Mapping[str, object], workdir: Path) -> None:
        self.token = secrets.token_hex(16)
        orders = {**orders, "token": self.token}
        graders = copy_read_only([run.grader_dir], workdir / "graders") / run.grader_dir.name
        home = workdir / "home"
        home.mkdir()
        orders_read, orders_write = os.pipe()
        results_read, results_write = os.pipe()
        env = scrubbed_environment(
            {
                **run.env,
                "PYTHONPATH": str(run.target_root),
                CHANNEL_ENV: f"{orders_read},{results_write}",
                LEARNER_ROOT_ENV: str(run.target_root),
            },
            home,
        )
        argv = [
            run.python, "-m", "pytest", "-p", "autograder.plugin", "-p", "no:cacheprovider",
            "--assert=plain", "-s", "-q", "--no-header", "--continue-on-collection-errors",
            "--rootdir", str(graders), "--confcutdir", str(graders), "-c", os.devnull, str(graders),
        ]  # fmt: skip
        lab_folder = run.grader_dir.resolve().parent  # originals: graders and the reference solution
        needed = (run.target_root.resolve(), workdir.resolve())
        hidden = [] if any(path.is_relative_to(lab_folder) for path in needed) else [lab_folder]
        try:
            self.child = Child(
                argv,
                cwd=home,
                env=env,
                limits=run.limits,
                pass_fds=(orders_read, results_write),
                writable=[home],
                hidden=hidden,
            )
        finally:
            os.close(orders_read)
            os.close(results_write)
        with os.fdopen(orders_write, "wb") as pipe:
            pipe.write(json.dumps(orders).encode())
        self._reader = os.fdopen(results_read, "rb", buffering=0)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._reader, selectors.EVENT_READ)
        self._buffer = b""
        self._closed = False

    def next_event(self, deadline: float) -> dict[str, object] | None:
        """The next authentic record, or None at EOF or when `deadline` passes (check `closed`)."""
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line, self._buffer = self._buffer[:newline], self._buffer[newline + 1 :]
                event = _parse(line, self.token)
                if event is not None:
                    return event
                continue
            if self._closed:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                return None
            chunk = self._reader.read(1 << 16)
            if not chunk:
                self._closed = True
            elif len(self._buffer) < 1 << 22:  # a forged flood on the channel cannot exhaust memory
                self._buffer += chunk

    @property
    def closed(self) -> bool:
        return self._closed and b"\n" not in self._buffer

    def stop(self) -> None:
        self.child.kill()
        self._selector.close()
        self._reader.close()


def _parse(line: bytes, token: str) -> dict[str, object] | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("token") != token or not isinstance(event.get("event"), str):
        return None
    return event


def collect(run: GraderRun, timeout: float) -> tuple[list[dict[str, object]], list[str], str]:
    """Collect the graders against `run.target_root` (the reference): (tests, collection errors, output)."""
    with tempfile.TemporaryDirectory(prefix="labs-collect-") as scratch:
        session = _Session(run, {"collect_only": True}, Path(scratch))
        tests: list[dict[str, object]] = []
        errors: list[str] = []
        deadline = time.monotonic() + timeout
        try:
            while (event := session.next_event(deadline)) is not None:
                if event["event"] == "collected":
                    listed = event.get("tests")
                    tests = [t for t in listed if isinstance(t, dict)] if isinstance(listed, list) else []
                elif event["event"] == "collect_error":
                    errors.append(f"{event.get('path')}: {event.get('feedback')}")
                elif event["event"] == "done":
                    break
        finally:
            session.stop()
            output = session.child.output_tail()
            remove_tree(Path(scratch))
        return tests, errors, output


def run_graders(
    run: GraderRun,
    expected: list[ExpectedTest],
    deadline: float,
    on_outcome: Callable[[TestOutcome], None] | None = None,
) -> list[TestOutcome]:
    """Run every expected test against the target; every test gets exactly one outcome, in `expected` order."""
    by_id = {test.nodeid: test for test in expected}
    outcomes: dict[str, TestOutcome] = {}
    redact = Redactor(run.grader_dir, run.target_root)

    def settle(nodeid: str, passed: bool, score: float, feedback: str, duration: float = 0.0) -> None:
        if nodeid in outcomes or nodeid not in by_id:
            return
        feedback = redact(feedback)
        test = by_id[nodeid]
        score = min(max(score, 0.0), test.points) if passed or score > 0 else 0.0
        outcome = TestOutcome(nodeid, test.doc, test.points, round(score, 4), passed, feedback, duration)
        outcomes[nodeid] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    with tempfile.TemporaryDirectory(prefix="labs-grade-") as scratch:
        round_number = 0
        while (
            remaining := [t.nodeid for t in expected if t.nodeid not in outcomes]
        ) and time.monotonic() < deadline:
            round_number += 1
            workdir = Path(scratch, f"child-{round_number}")
            workdir.mkdir()
            orders = {"select": remaining, "shuffle_seed": run.shuffle_seed}
            session = _Session(run, orders, workdir)
            settled_before = len(outcomes)
            try:
                _drive(session, run, remaining, deadline, settle)
            finally:
                session.stop()
            remove_tree(workdir)
            if len(outcomes) == settled_before:  # no progress: never retry forever
                for nodeid in remaining:
                    why = "the test process ended without reporting this test"
                    settle(nodeid, False, 0.0, f"{why} ({session.child.describe_exit()})")
    for nodeid in (t.nodeid for t in expected if t.nodeid not in outcomes):
        settle(
            nodeid,
            False,
            0.0,
            "not run: the lab's time budget (lab_timeout) ran out before this test started",
        )
    return [outcomes[t.nodeid] for t in expected]


_PHASES = ("setup", "call", "teardown")


def _drive(
    session: _Session,
    run: GraderRun,
    remaining: list[str],
    deadline: float,
    settle: Callable[..., None],
) -> None:
    """Feed one child's events into `settle` until it finishes, dies or overruns.

    A test passes only if the child reported, as they happened, its setup, call and teardown phases as
    clean *and* then a passing result; a test that started but never sent its result (KeyboardInterrupt,
    pytest.exit, os._exit, a hang) fails alone, and the caller resumes the rest in a fresh child.
    """
    current: str | None = None
    phases: dict[str, bool] = {}
    collected = False
    collect_errors: list[str] = []
    step_deadline = min(deadline, time.monotonic() + STARTUP_GRACE + run.test_timeout)
    while (event := session.next_event(step_deadline)) is not None:
        kind = event["event"]
        if kind == "collect_error":
            collect_errors.append(str(event.get("feedback", "")))
        elif kind == "collected" and not collected:
            collected = True
            tests = event.get("tests")
            present = (
                {t.get("nodeid") for t in tests if isinstance(t, dict)} if isinstance(tests, list) else set()
            )
            reason = "\n".join(collect_errors) or "this test could not be collected"
            for nodeid in remaining:
                if nodeid not in present:
                    settle(nodeid, False, 0.0, f"could not load the graders for this test:\n{reason}")
        elif kind == "start" and collected and current is None:
            current = str(event.get("nodeid"))
            phases = {}
            step_deadline = min(deadline, time.monotonic() + run.test_timeout)
            continue
        elif kind == "phase" and current is not None and event.get("nodeid") == current:
            when = event.get("when")
            if when in _PHASES and when not in phases:
                phases[str(when)] = event.get("ok") is True
            continue  # a phase does not extend the test's time
        elif kind == "result" and current is not None and event.get("nodeid") == current:
            score, duration = event.get("score"), event.get("duration")
            clean = all(phases.get(when) is True for when in _PHASES)
            claimed = event.get("passed") is True
            feedback = str(event.get("feedback", ""))
            if claimed and not clean:
                feedback = "the test did not complete cleanly (an exception was swallowed or a phase went unreported)"
                score = 0.0
            settle(
                current,
                claimed and clean,
                float(score) if isinstance(score, int | float) else 0.0,
                feedback,
                float(duration) if isinstance(duration, int | float) else 0.0,
            )
            current = None
        elif kind == "done":
            break
        step_deadline = min(
            deadline, time.monotonic() + (run.test_timeout if collected else STARTUP_GRACE) + 5
        )
    else:
        _overran_or_died(session, run, remaining, current, collected, collect_errors, deadline, settle)
        return
    # The child said it was done: a test it started but never finished stopped the whole session.
    with contextlib.suppress(subprocess.TimeoutExpired):
        session.child.wait(timeout=30)
    if current is not None:
        settle(
            current, False, 0.0, "this test stopped the test run (KeyboardInterrupt, pytest.exit or similar)"
        )


def _overran_or_died(
    session: _Session,
    run: GraderRun,
    remaining: list[str],
    current: str | None,
    collected: bool,
    collect_errors: list[str],
    deadline: float,
    settle: Callable[..., None],
) -> None:
    timed_out = not session.closed
    session.child.kill()
    if current is not None:
        if timed_out and time.monotonic() >= deadline:
            reason = "stopped: the lab's time budget (lab_timeout) ran out during this test"
        elif timed_out:
            reason = f"timed out after {run.test_timeout:g} s (an infinite loop, a deadlock, or far too slow)"
        else:
            reason = f"the test process died during this test ({session.child.describe_exit()})"
            tail = session.child.output_tail(600).strip()
            reason += f"; its last output:\n{tail}" if tail else ""
        settle(current, False, 0.0, reason)
    elif not collected:
        why = (
            "timed out while loading"
            if timed_out
            else f"stopped while loading ({session.child.describe_exit()})"
        )
        detail = "\n".join(collect_errors) or session.child.output_tail(1500).strip()
        message = f"the graders could not run: the test process {why}" + (f":\n{detail}" if detail else "")
        for nodeid in remaining:
            settle(nodeid, False, 0.0, message)
