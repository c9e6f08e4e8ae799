"""The autograder's pytest plugin, loaded with `-p autograder.plugin` in every grading child.

For lab authors it provides the `points` marker, the `partial_credit` fixture and the shared fixtures
(`datasets_dir`, PostgreSQL, Spark). When the autograder starts the child it also hands over a private
channel (two inherited pipe file descriptors): the plugin reads its orders from one, and writes one JSON
record per test outcome to the other, each carrying a per-run token. Nothing is trusted from stdout, the
exit code or files, so a child that dies, hangs or lies there cannot gain points.
"""

from __future__ import annotations

import json
import os
import random
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder.feedback import describe
from autograder.sandbox import NETNS_ENV, bring_up_loopback

CHANNEL_ENV = "LABS_CHANNEL"
LEARNER_ROOT_ENV = "LABS_LEARNER_ROOT"
DATASETS_ENV = "LABS_DATASETS_DIR"
FIXTURE_PLUGINS = ("autograder.fixtures.postgres", "autograder.fixtures.spark")


# --------------------------------------------------------------------------------------------------
# For lab authors: points and partial credit
# --------------------------------------------------------------------------------------------------
@dataclass
class PartialCredit:
    """Per-check credit inside one grader test.

    `check(ok, feedback)` records one case; the test earns `points × passed / max(total, checked)` and
    fails (showing the first failed feedback messages) unless every case passed. Declare `total` up
    front when a crash part-way should still cost the cases that never ran.
    """

    total: int | None = None
    passed: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: object, feedback: str) -> bool:
        if _is_true(ok):
            self.passed += 1
            return True
        self.failures.append(feedback)
        return False

    @property
    def checked(self) -> int:
        return self.passed + len(self.failures)

    def fraction(self) -> float:
        denominator = max(self.total or 0, self.checked)
        return self.passed / denominator if denominator else 0.0

    def summary(self) -> str:
        shown = self.failures[:5]
        more = len(self.failures) - len(shown)
        text = f"{self.passed}/{max(self.total or 0, self.checked)} cases passed; failed:\n" + "\n".join(
            f"  - {line}" for line in shown
        )
        return text + (f"\n  ... and {more} more" if more else "")


def _is_true(ok: object) -> bool:
    """Only a real `True` (or NumPy's) counts: an object whose `__bool__`/`__eq__` lies earns nothing."""
    if ok is True:
        return True
    kind = type(ok)
    return kind.__module__ == "numpy" and kind.__name__ in {"bool", "bool_"} and bool(ok)


_CREDIT_KEY = pytest.StashKey[PartialCredit]()


@pytest.fixture
def partial_credit(request: pytest.FixtureRequest) -> PartialCredit:
    """Award a share of the test's points per passing case (see PartialCredit)."""
    credit = PartialCredit()
    request.node.stash[_CREDIT_KEY] = credit
    return credit


_NOTES_KEY = pytest.StashKey[list[str]]()


@pytest.fixture
def grader_note(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """`grader_note(text)` adds a line the learner sees whatever the outcome (e.g. a measured speed)."""
    notes: list[str] = []
    request.node.stash[_NOTES_KEY] = notes
    return notes.append


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The repository's `datasets/` folder (read-only by convention)."""
    configured = os.environ.get(DATASETS_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "datasets"


def points_of(item: pytest.Item) -> float | None:
    marker = item.get_closest_marker("points")
    if marker is None or len(marker.args) != 1:
        return None
    value = marker.args[0]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): the number of points this grader test is worth")
    for name in FIXTURE_PLUGINS:
        if not config.pluginmanager.has_plugin(name):
            config.pluginmanager.import_plugin(name)
    if os.environ.pop(NETNS_ENV, None):
        bring_up_loopback()
    channel = _Channel.from_environment()
    if channel is not None:
        config.pluginmanager.register(_Reporter(config, channel), "autograder-reporter")


# --------------------------------------------------------------------------------------------------
# The private channel to the autograder
# --------------------------------------------------------------------------------------------------
class _Channel:
    """Orders in, JSON records out, over pipes inherited from the autograder."""

    def __init__(self, orders: dict[str, Any], out_fd: int) -> None:
        self.orders = orders
        self._token = str(orders["token"])
        self._out_fd = out_fd

    @classmethod
    def from_environment(cls) -> _Channel | None:
        spec = os.environ.pop(CHANNEL_ENV, None)
        if not spec:
            return None
        in_fd, out_fd = (int(part) for part in spec.split(","))
        with os.fdopen(in_fd, "rb") as orders_pipe:
            orders = json.loads(orders_pipe.read().decode("utf-8"))
        os.set_inheritable(out_fd, False)
        return cls(orders, out_fd)

    def send(self, **record: Any) -> None:
        record["token"] = self._token
        data = (json.dumps(record) + "\n").encode("utf-8")
        while data:
            written = os.write(self._out_fd, data)
            data = data[written:]


_WATCHED_HOOKS = (
    "pytest_runtestloop",
    "pytest_runtest_protocol",
    "pytest_runtest_logstart",
    "pytest_runtest_setup",
    "pytest_runtest_call",
    "pytest_runtest_teardown",
    "pytest_runtest_makereport",
    "pytest_runtest_logreport",
    "pytest_runtest_logfinish",
    "pytest_sessionfinish",
)


def _harness_fingerprint(config: pytest.Config, trusted_dir: str | None = None) -> tuple[object, ...]:
    """Identities of everything that decides or reports an outcome: pytest's runner internals, the
    implementations of the hooks on the reporting path and the reporter's own code. Taken at session
    start (before any learner code is imported) and checked after every test; hooks added later by the
    graders' own conftest files (under `trusted_dir`) are allowed."""
    from _pytest import python, reports, runner

    hooks = config.hook
    impls = tuple(
        (name, impl.function)
        for name in _WATCHED_HOOKS
        for impl in getattr(hooks, name).get_hookimpls()
        if not _is_trusted_conftest(config, impl.plugin, trusted_dir)
    )
    internals = (
        python.Function.runtest,
        python.Function.setup,
        runner.CallInfo.from_call,
        runner.call_and_report,
        runner.runtestprotocol,
        reports.TestReport.from_item_and_call,
        describe,
        _is_true,
    )
    own = tuple(
        value
        for cls in (_Reporter, _Channel, PartialCredit)
        for value in vars(cls).values()
        if callable(value) or isinstance(value, classmethod | staticmethod | property)
    )
    return internals, own, impls


def _is_trusted_conftest(config: pytest.Config, plugin: object, trusted_dir: str | None) -> bool:
    """A conftest module of the graders, registered by pytest under its own (existing) file name."""
    if not trusted_dir or not isinstance(plugin, types.ModuleType):
        return False
    filename = getattr(plugin, "__file__", None)
    return (
        isinstance(filename, str)
        and filename.startswith(trusted_dir + os.sep)
        and os.path.basename(filename) == "conftest.py"
        and config.pluginmanager.get_name(plugin) == filename
        and os.path.isfile(filename)
    )


class _Reporter:
    """Runs inside the grading child: filters/orders the tests and reports each outcome."""

    def __init__(self, config: pytest.Config, channel: _Channel) -> None:
        self.config = config
        self.channel = channel
        self.learner_root = Path(os.environ[LEARNER_ROOT_ENV]) if os.environ.get(LEARNER_ROOT_ENV) else None
        self.fingerprint: tuple[object, ...] | None = None
        self.trusted_dir = str(config.rootpath)  # the graders' folder (--rootdir): their conftest files
        self.errors: dict[str, str] = {}
        self.started: dict[str, float] = {}
        self._points: dict[str, float | None] = {}
        self._credit: dict[str, PartialCredit] = {}
        self._notes: dict[str, list[str]] = {}

    # -- start: nothing of the learner's has been imported yet -------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.fingerprint = _harness_fingerprint(self.config, self.trusted_dir)

    # -- collection ------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            # Keep only pytest's "E   ..." lines: the exception, never the grader source around it.
            lines = [line[1:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E ")]
            text = "\n".join(lines) or "the grader module could not be imported"
            self.channel.send(event="collect_error", path=report.nodeid, feedback=text[-3000:])

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        wanted = self.channel.orders.get("select")
        if wanted is not None:
            keep = set(wanted)
            items[:] = [item for item in items if item.nodeid in keep]
        seed = self.channel.orders.get("shuffle_seed")
        if seed is not None:
            random.Random(seed).shuffle(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tests = [
            {"nodeid": item.nodeid, "points": points_of(item), "doc": _first_doc_line(item)}
            for item in session.items
        ]
        self.channel.send(event="collected", tests=tests)

    # -- running ---------------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        return True if self.channel.orders.get("collect_only") else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        self.started[nodeid] = time.perf_counter()
        self.channel.send(event="start", nodeid=nodeid)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        report = yield
        # Each phase's outcome goes to the autograder as it happens: it, not this process, decides.
        self.channel.send(event="phase", nodeid=item.nodeid, when=call.when, ok=call.excinfo is None)
        if call.excinfo is not None and item.nodeid not in self.errors:
            exc = call.excinfo.value
            if call.excinfo.errisinstance(pytest.skip.Exception):
                self.errors[item.nodeid] = f"skipped ({exc}); a skipped grader test earns no points"
            else:
                prefix = "" if call.when == "call" else f"(during test {call.when}) "
                self.errors[item.nodeid] = prefix + describe(exc, self.learner_root)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        item_points = self._points.get(nodeid)
        error = self.errors.get(nodeid)
        credit = self._credit.get(nodeid)
        score = 0.0
        if _harness_fingerprint(self.config, self.trusted_dir) != self.fingerprint:
            error = "the grading harness was modified during the run (pytest internals patched)"
        elif credit is not None and credit.checked:
            if credit.failures:
                error = credit.summary() + (f"\n{error}" if error else "")
            score = (item_points or 0.0) * credit.fraction()
            if error is None:
                score = item_points or 0.0
        elif error is None:
            score = item_points or 0.0
        notes = "\n".join(self._notes.pop(nodeid, []))
        self.channel.send(
            event="result",
            nodeid=nodeid,
            passed=error is None,
            score=score,
            feedback="\n".join(part for part in (error, notes) if part),
            duration=time.perf_counter() - self.started.get(nodeid, time.perf_counter()),
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        self._points[item.nodeid] = points_of(item)
        credit = item.stash.get(_CREDIT_KEY, None)
        if credit is not None:
            self._credit[item.nodeid] = credit
        notes = item.stash.get(_NOTES_KEY, None)
        if notes:
            self._notes[item.nodeid] = [str(note)[:300] for note in notes[:5]]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.channel.send(event="done")


def _first_doc_line(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
