"""Run hidden graders in sandboxed pytest children and collect trustworthy outcomes.

The autograder process never imports learner code. It learns the expected tests and their points by
collecting the graders against the reference solution, then runs them against the target in a child
that reports over a private pipe in the format of `autograder.protocol`. A test counts as passed only when
the child sends well-formed records with the run's token for the test it announced (its three phases
clean, then a passing result); anything else (a crash, a hang, a silent exit) fails that test alone, and
the remaining tests go on in a fresh child. Every line the child writes is untrusted input.

Time budgets are CPU seconds of the child's whole process tree (a busy machine slows a test down but
cannot fail it); wall-clock time is only a generous hang guard (`autograder.plan`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder import forbidden
from autograder.plan import WALL_FACTOR, RunPlan, default_plan
from autograder.protocol import (
    CHANNEL_ENV,
    CHILD_PLUGIN,
    LEARNER_ROOT_ENV,
    MAX_LINE,
    PHASES,
    Collected,
    CollectError,
    Done,
    Event,
    Orders,
    Phase,
    ProtocolError,
    Result,
    Start,
    encode_orders,
    parse,
)
from autograder.redact import Redactor
from autograder.results import ExpectedTest, TestOutcome
from autograder.sandbox import Child, Limits, scrubbed_environment
from autograder.snapshot import copy_read_only, remove_tree

STARTUP_GRACE = 60.0  # CPU seconds allowed for interpreter start + imports + collection
MAX_BUFFER = 1 << 22
POLL = 0.25  # seconds between budget checks while a child is silent
MAX_RECORDS_PER_STEP = 500  # a test sends a handful of records; a flood is an attack on the parent's time


@dataclass(frozen=True)
class GraderRun:
    """Everything a child needs: where graders and the target are, and the limits."""

    grader_dir: Path  # pristine graders (copied afresh for each child)
    target_root: Path  # read-only snapshot holding <package>/ (put first on sys.path)
    python: str
    env: Mapping[str, str]
    limits: Limits
    test_timeout: float  # CPU seconds per test
    shuffle_seed: int | None = None
    plan: RunPlan | None = None  # the grading's run plan; a default one is derived when missing
    forbidden_imports: tuple[str, ...] = ()  # module prefixes the learner's package may not use
    package: str = ""
    public_sources: tuple[Path, ...] = ()  # what the learner already has (README, stub, seeded tests)

    def run_plan(self) -> RunPlan:
        if self.plan is not None:
            return self.plan
        return default_plan(self.python, self.env, self.limits, self.test_timeout)


class _Session:
    """One pytest child and its channel."""

    def __init__(
        self,
        run: GraderRun,
        workdir: Path,
        *,
        select: tuple[str, ...] | None = None,
        shuffle_seed: int | None = None,
        collect_only: bool = False,
    ) -> None:
        self.token = secrets.token_hex(16)
        plan = run.run_plan()
        orders = Orders(
            token=self.token,
            select=select,
            shuffle_seed=shuffle_seed,
            collect_only=collect_only,
            forbidden=tuple(run.forbidden_imports),
            package=run.package,
        )
        graders_root = copy_read_only([run.grader_dir], workdir / "graders")
        graders = graders_root / run.grader_dir.name
        home = workdir / "home"
        home.mkdir()
        orders_read, orders_write = os.pipe()
        results_read, results_write = os.pipe()
        env = scrubbed_environment(
            {
                **plan.env,
                "PYTHONPATH": str(run.target_root),
                CHANNEL_ENV: f"{orders_read},{results_write}",
                LEARNER_ROOT_ENV: str(run.target_root),
            },
            home,
        )
        argv = [
            plan.python, "-m", "pytest", "-p", CHILD_PLUGIN, "-p", "no:cacheprovider",
            "--assert=plain", "-s", "-q", "--no-header", "--continue-on-collection-errors",
            "--rootdir", str(graders), "--confcutdir", str(graders), "-c", os.devnull, str(graders),
        ]  # fmt: skip
        view = plan.view(read_only=[run.target_root, graders_root], scratch=[home])
        try:
            self.child = Child(
                argv,
                cwd=home,
                env=env,
                limits=plan.limits,
                pass_fds=(orders_read, results_write),
                view=view,
            )
        finally:
            os.close(orders_read)
            os.close(results_write)
        with os.fdopen(orders_write, "wb") as pipe:
            pipe.write(encode_orders(orders))
        self._reader = os.fdopen(results_read, "rb", buffering=0)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._reader, selectors.EVENT_READ)
        self._buffer = b""
        self._skipping = False  # inside an over-long line: drop bytes up to its end
        self._closed = False

    def next_event(self, wait: float) -> Event | None:
        """The next valid record of this run, or None at EOF or after `wait` seconds of silence (check
        `closed`). A line that is not one (another token, over-long, malformed) is dropped unread."""
        until = time.monotonic() + max(0.0, wait)
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line, self._buffer = self._buffer[:newline], self._buffer[newline + 1 :]
                if self._skipping:
                    self._skipping = False
                    continue
                with contextlib.suppress(ProtocolError):
                    return parse(line, self.token)
                continue
            if len(self._buffer) > MAX_LINE:  # an over-long record: never parsed, never kept
                self._buffer, self._skipping = b"", True
            if self._closed:
                return None
            remaining = until - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                return None
            chunk = self._reader.read(1 << 16)
            if not chunk:
                self._closed = True
            elif len(self._buffer) < MAX_BUFFER:
                self._buffer += chunk

    @property
    def closed(self) -> bool:
        return self._closed and b"\n" not in self._buffer

    def stop(self) -> None:
        self.child.kill()
        self._selector.close()
        self._reader.close()


class _Budget:
    """CPU seconds of one child's process tree, with a wall-clock hang guard, for one step of a run."""

    def __init__(self, session: _Session, plan: RunPlan, lab_cpu_left: float) -> None:
        self.session, self.plan = session, plan
        self.lab_cpu_left = lab_cpu_left
        self.restart(plan.startup_cpu_seconds)

    def restart(self, cpu_seconds: float) -> None:
        self.cpu_budget = cpu_seconds
        self.cpu_mark = self.session.child.cpu_seconds()
        self.wall_end = min(self.plan.wall_deadline, time.monotonic() + WALL_FACTOR * cpu_seconds + 20.0)

    def used(self) -> float:
        return self.session.child.cpu_seconds()

    def exceeded(self) -> str:
        """'' while within budget, else which budget ran out: 'cpu', 'wall', 'lab'."""
        now = time.monotonic()
        used = self.used()
        if now >= self.plan.wall_deadline or used >= self.lab_cpu_left:
            return "lab"
        if used - self.cpu_mark >= self.cpu_budget:
            return "cpu"
        return "wall" if now >= self.wall_end else ""

    def wait(self) -> float:
        return max(0.0, min(POLL, self.wall_end - time.monotonic()))


def collect(run: GraderRun, timeout: float) -> tuple[list[dict[str, object]], list[str], str]:
    """Collect the graders against `run.target_root` (the reference): (tests, collection errors, output)."""
    with tempfile.TemporaryDirectory(prefix="labs-collect-") as scratch:
        session = _Session(run, Path(scratch), collect_only=True)
        tests: list[dict[str, object]] = []
        errors: list[str] = []
        budget = _Budget(session, run.run_plan(), float("inf"))
        budget.cpu_budget = max(budget.cpu_budget, timeout)
        try:
            while True:
                event = session.next_event(budget.wait())
                if event is None:
                    if session.closed or budget.exceeded():
                        break
                    continue
                if isinstance(event, Collected):
                    tests = [test.record() for test in event.tests]
                elif isinstance(event, CollectError):
                    errors.append(f"{event.path}: {event.feedback}")
                elif isinstance(event, Done):
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
    """Run every expected test against the target; every test gets exactly one outcome, in `expected` order.

    `deadline` is kept for callers without a plan; with a plan, the plan's budgets apply."""
    by_id = {test.nodeid: test for test in expected}
    outcomes: dict[str, TestOutcome] = {}
    redact = Redactor(run.grader_dir, run.target_root, run.public_sources)
    plan = run.run_plan()
    if run.plan is None:
        plan = default_plan(run.python, run.env, run.limits, run.test_timeout, deadline)

    def settle(
        nodeid: str, passed: bool, score: float, feedback: str, duration: float = 0.0, repro: str = ""
    ) -> None:
        if nodeid in outcomes or nodeid not in by_id:
            return
        feedback = redact(feedback)
        test = by_id[nodeid]
        score = min(max(score, 0.0), test.points) if passed or score > 0 else 0.0
        outcome = TestOutcome(
            nodeid, test.doc, test.points, round(score, 4), passed, feedback, duration,
            part=test.part, critical=test.critical, repro="" if passed else repro, visibility=test.visibility,
        )  # fmt: skip
        outcomes[nodeid] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    if run.forbidden_imports and run.package:
        found = forbidden.scan(run.target_root / run.package, run.forbidden_imports, run.target_root)
        if found:
            message = forbidden.describe(found, run.forbidden_imports)
            for test in expected:
                settle(test.nodeid, False, 0.0, message)
            return [outcomes[t.nodeid] for t in expected]

    cpu_spent = 0.0
    with tempfile.TemporaryDirectory(prefix="labs-grade-") as scratch:
        round_number = 0
        while (remaining := [t.nodeid for t in expected if t.nodeid not in outcomes]) and (
            time.monotonic() < plan.wall_deadline and cpu_spent < plan.lab_cpu_seconds
        ):
            round_number += 1
            workdir = Path(scratch, f"child-{round_number}")
            workdir.mkdir()
            session = _Session(run, workdir, select=tuple(remaining), shuffle_seed=run.shuffle_seed)
            settled_before = len(outcomes)
            try:
                _drive(session, plan, remaining, plan.lab_cpu_seconds - cpu_spent, settle)
            finally:
                cpu_spent += session.child.cpu_seconds()
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


def _drive(
    session: _Session,
    plan: RunPlan,
    remaining: list[str],
    lab_cpu_left: float,
    settle: Callable[..., None],
) -> None:
    """Feed one child's events into `settle` until it finishes, dies or overruns.

    A test passes only if the child reported, as they happened, its setup, call and teardown phases as
    clean *and* then a passing result; a test that started but never sent its result (KeyboardInterrupt,
    pytest.exit, os._exit, a hang) fails alone, and the caller resumes the rest in a fresh child. Only a
    `start` or a `result` record moves the budget on: nothing else a child sends buys it time.
    """
    current: str | None = None
    phases: dict[str, bool] = {}
    collected = False
    collect_errors: list[str] = []
    budget = _Budget(session, plan, lab_cpu_left)
    checked = time.monotonic()
    records = 0
    while True:
        event = session.next_event(budget.wait())
        if event is None:
            if session.closed:
                _overran_or_died(session, plan, remaining, current, collected, collect_errors, "", settle)
                return
            if over := budget.exceeded():
                _overran_or_died(session, plan, remaining, current, collected, collect_errors, over, settle)
                return
            checked = time.monotonic()
            continue
        if time.monotonic() - checked > POLL:  # a chatty child is checked as often as a silent one
            checked = time.monotonic()
            if over := budget.exceeded():
                _overran_or_died(session, plan, remaining, current, collected, collect_errors, over, settle)
                return
        records += 1
        if records > MAX_RECORDS_PER_STEP and current is not None:
            session.child.kill()
            settle(current, False, 0.0, "this test flooded the autograder's result channel; it was stopped")
            return
        if isinstance(event, CollectError):
            collect_errors.append(event.feedback[:4000])
        elif isinstance(event, Collected) and not collected:
            collected = True
            present = {test.nodeid for test in event.tests}
            reason = "\n".join(collect_errors) or "this test could not be collected"
            for nodeid in remaining:
                if nodeid not in present:
                    settle(nodeid, False, 0.0, f"could not load the graders for this test:\n{reason}")
        elif isinstance(event, Start) and collected and current is None:
            current = event.nodeid
            phases = {}
            records = 0
            budget.restart(plan.test_cpu_seconds)
        elif isinstance(event, Phase) and current is not None and event.nodeid == current:
            if event.when not in phases:  # the first report of a phase stands
                phases[event.when] = event.ok
        elif isinstance(event, Result) and current is not None and event.nodeid == current:
            score, feedback = event.score, event.feedback
            clean = all(phases.get(when) is True for when in PHASES)
            claimed = event.passed
            if claimed and not clean:
                feedback = "the test did not complete cleanly (an exception was swallowed or a phase went unreported)"
                score = 0.0
            settle(current, claimed and clean, score, feedback, event.duration, event.repro)
            current = None
            records = 0
            budget.restart(plan.test_cpu_seconds)  # until the next test starts
        elif isinstance(event, Done):
            break
    # The child said it was done: a test it started but never finished stopped the whole session.
    with contextlib.suppress(subprocess.TimeoutExpired):
        session.child.wait(timeout=30)
    if current is not None:
        settle(
            current, False, 0.0, "this test stopped the test run (KeyboardInterrupt, pytest.exit or similar)"
        )


def _overran_or_died(
    session: _Session,
    plan: RunPlan,
    remaining: list[str],
    current: str | None,
    collected: bool,
    collect_errors: list[str],
    over: str,
    settle: Callable[..., None],
) -> None:
    """`over`: '' (the child died), 'cpu', 'wall' or 'lab' (which budget ran out)."""
    session.child.kill()
    if current is not None:
        if over == "lab":
            reason = "stopped: the lab's time budget (lab_timeout) ran out during this test"
        elif over == "cpu":
            reason = (
                f"timed out after {plan.test_cpu_seconds:g} s of CPU time (an infinite loop, or far too slow)"
            )
        elif over == "wall":
            reason = (
                f"hung: still running after {plan.test_wall_seconds:g} s without using its CPU budget "
                "(a deadlock, a sleep, or waiting for input that never comes)"
            )
        else:
            reason = f"the test process died during this test ({session.child.describe_exit()})"
            tail = session.child.output_tail(600).strip()
            reason += f"; its last output:\n{tail}" if tail else ""
        settle(current, False, 0.0, reason)
    elif not collected:
        why = (
            "timed out while loading" if over else f"stopped while loading ({session.child.describe_exit()})"
        )
        detail = "\n".join(collect_errors) or session.child.output_tail(1500).strip()
        message = f"the graders could not run: the test process {why}" + (f":\n{detail}" if detail else "")
        for nodeid in remaining:
            settle(nodeid, False, 0.0, message)
