"""The autograder's pytest plugin, loaded with `-p autograder.child.plugin` in every grading child.

For lab authors it provides the `points` marker, the `partial_credit` fixture and the shared fixtures
(`datasets_dir`, and the services' fixture plugins of `autograder.fixtures`). When the autograder starts
the child it also hands over a private channel (two inherited pipe file descriptors): the plugin reads
its `Orders` from one, and writes one line per event to the other, each carrying a per-run token, in the
format of `autograder.protocol`. Nothing is trusted from stdout, the exit code or files, so a child that
dies, hangs or lies there cannot gain points.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pkgutil
import random
import sys
import time
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import protocol
from autograder.child.feedback import describe
from autograder.child.guard import Guard
from autograder.child.network import bring_up_loopback
from autograder.protocol import (
    CHANNEL_ENV,
    DATASETS_ENV,
    LEARNER_ROOT_ENV,
    NETNS_ENV,
    VISIBILITIES,
    WARM_UP_ENV,
    Collected,
    CollectedTest,
    CollectError,
    Done,
    Event,
    Orders,
    Phase,
    ProtocolError,
    Result,
    Start,
    encode,
    parse_orders,
)

AUTOGRADER_DIR = Path(__file__).resolve().parent.parent
FIXTURES_PACKAGE = "autograder.fixtures"


def fixture_plugins() -> tuple[str, ...]:
    """The services' fixture plugins: every module of `autograder.fixtures` (each service's `fixtures`
    in autograder.services.registry names one; a test keeps the two equal)."""
    folder = AUTOGRADER_DIR / FIXTURES_PACKAGE.rpartition(".")[2]
    return tuple(
        f"{FIXTURES_PACKAGE}.{module.name}"
        for module in sorted(pkgutil.iter_modules([str(folder)]), key=lambda found: found.name)
        if not module.ispkg and not module.name.startswith("_")
    )


FIXTURE_PLUGINS = fixture_plugins()


# --------------------------------------------------------------------------------------------------
# For lab authors: points and partial credit
# --------------------------------------------------------------------------------------------------
@dataclass
class PartialCredit:
    """Per-check credit inside one grader test.

    `check(ok, feedback)` records one case; the test earns `points × passed / max(total, checked)` and
    fails (showing the first failed feedback messages) unless every case passed. A test that raises
    part-way counts the crash as one more failed case; declare `total` up front when it should cost
    every case that never ran.
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

    def cases(self, crashed: bool = False) -> int:
        """How many cases the points are shared over (a crash is one more failed case)."""
        return max(self.total or 0, self.checked + (1 if crashed else 0))

    def fraction(self, crashed: bool = False) -> float:
        denominator = self.cases(crashed)
        return self.passed / denominator if denominator else 0.0

    def summary(self, crashed: bool = False) -> str:
        shown = self.failures[:5]
        more = len(self.failures) - len(shown)
        if not shown:
            return f"{self.passed}/{self.cases(crashed)} cases passed; then the test stopped:"
        text = f"{self.passed}/{self.cases(crashed)} cases passed; failed:\n" + "\n".join(
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
    return AUTOGRADER_DIR.parent / "datasets"


def points_of(item: pytest.Item) -> float | None:
    marker = item.get_closest_marker("points")
    if marker is None or len(marker.args) != 1:
        return None
    value = marker.args[0]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


MARKERS = (
    "points(n): the number of points this grader test is worth",
    "part(id): the lab part (lab.toml [[parts]]) this grader test belongs to",
    'visibility(v): "visible" (run without the grader key in course mode) or "hidden" (the default)',
    "hints(*texts): progressive hints `labs hint` shows, gentlest first",
    "critical(property): failing this test fails the lab whatever the points",
)
MAX_REPRO_BYTES = 256 * 1024


def collected_test(item: pytest.Item) -> CollectedTest:
    """A grader test as the parent learns it: node id, points, first doc line, fixtures, and its grading
    markers: part, visibility, hints, critical (None when absent)."""
    part = item.get_closest_marker("part")
    visibility = item.get_closest_marker("visibility")
    hints = item.get_closest_marker("hints")
    critical = item.get_closest_marker("critical")
    seen = visibility.args[0] if visibility is not None and visibility.args else "hidden"
    return CollectedTest(
        nodeid=item.nodeid,
        points=points_of(item),
        doc=_first_doc_line(item),
        fixtures=tuple(sorted(getattr(item, "fixturenames", ()))),
        part=str(part.args[0]) if part is not None and part.args else "",
        visibility=seen if seen in VISIBILITIES else "hidden",
        hints=tuple(str(text) for text in hints.args) if hints is not None else (),
        critical=(str(critical.args[0]) if critical.args else "critical") if critical is not None else None,
    )


_REPRO_KEY = pytest.StashKey[list[str]]()


@pytest.fixture
def repro(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """`repro(source)`: the full text of a standalone pytest file that reproduces this test's scenario.

    When the test fails, the autograder saves it for the learner (`.grades/<lab>/repro/test_<name>.py`) and
    names it in the feedback; the last call wins. It must import only the learner's package."""
    sources: list[str] = []
    request.node.stash[_REPRO_KEY] = sources
    return sources.append


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """In the graders' child, warm up the services that asked for it (Spark's JVM) after collection and
    before the first test, so their start-up counts against the child's start-up budget, not against a
    test's. The learner's tests (the gate, the strength runs) start a service when a test first asks."""
    reporter = session.config.pluginmanager.get_plugin("autograder-reporter")
    orders = getattr(getattr(reporter, "channel", None), "orders", None)
    graders_run = isinstance(orders, Orders) and not orders.collect_only
    if graders_run and session.items and not session.config.option.collectonly:
        warm_up()


def warm_up(environ: Mapping[str, str] | None = None) -> None:
    """Start what the parent asked to have warm before the first test (`WARM_UP_ENV`: the services'
    `warm_up` functions, "module:function,...")."""
    environ = os.environ if environ is None else environ
    for spec in filter(None, environ.get(WARM_UP_ENV, "").split(",")):
        module, _, function = spec.partition(":")
        getattr(importlib.import_module(module), function)()


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    for name in FIXTURE_PLUGINS:
        if not config.pluginmanager.has_plugin(name):
            config.pluginmanager.import_plugin(name)
    if os.environ.pop(NETNS_ENV, None):
        bring_up_loopback()
    channel = _Channel.from_environment()
    if channel is not None:
        reporter = _Reporter(config, channel)
        config.pluginmanager.register(reporter, "autograder-reporter")
        prefixes, package = list(channel.orders.forbidden), channel.orders.package
        if prefixes and reporter.learner_root is not None and package:
            reporter.guard = Guard(prefixes, [str(reporter.learner_root / package)])
            reporter.guard.install()


# --------------------------------------------------------------------------------------------------
# The private channel to the autograder
# --------------------------------------------------------------------------------------------------
class _Channel:
    """Orders in, events out (autograder.protocol), over pipes inherited from the autograder."""

    def __init__(self, orders: Orders, out_fd: int) -> None:
        self.orders = orders
        self._token = orders.token
        self._out_fd = out_fd

    @classmethod
    def from_environment(cls) -> _Channel | None:
        spec = os.environ.pop(CHANNEL_ENV, None)
        if not spec:
            return None
        in_fd, out_fd = (int(part) for part in spec.split(","))
        with os.fdopen(in_fd, "rb") as orders_pipe:
            try:
                orders = parse_orders(orders_pipe.read())
            except ProtocolError as exc:
                raise pytest.UsageError(f"the autograder's orders are not valid: {exc}") from None
        os.set_inheritable(out_fd, False)
        return cls(orders, out_fd)

    def send(self, event: Event) -> None:
        # The token comes first: the autograder checks it before it parses anything else.
        data = _encode(event, self._token)
        while data:
            written = _os_write(self._out_fd, data)
            data = data[written:]


_encode = encode
_os_write = os.write


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


def _harness_fingerprint(
    config: pytest.Config, trusted_dir: str | None = None, reporter: _Reporter | None = None
) -> tuple[object, ...]:
    """Identities of everything that decides or reports an outcome: pytest's runner internals, the
    implementations of the hooks on the reporting path, the reporter's and the channel's code, the
    reporter and channel objects themselves (their attributes, the token, the descriptor) and what
    `send` calls (`os.write`, `json.dumps`). Taken at session start (before any learner code is
    imported) and checked after every test; hooks added later by the graders' own conftest files (under
    `trusted_dir`) are allowed."""
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
        for cls in (_Reporter, _Channel, PartialCredit, *_MESSAGES)
        for value in vars(cls).values()
        if callable(value) or isinstance(value, classmethod | staticmethod | property)
    )
    module = vars(sys.modules[__name__])
    plumbing = tuple(
        id(value)
        for value in (
            os.write, json.dumps, json._default_encoder, type(json._default_encoder).encode,  # type: ignore[attr-defined]
            type(json._default_encoder).iterencode, str.encode, time.perf_counter,  # type: ignore[attr-defined]
            *(module.get(name) for name in _MODULE_NAMES),
        )
    )  # fmt: skip
    wire = tuple((name, id(value)) for name, value in vars(protocol).items())  # encode and what it calls
    return internals, own, impls, plumbing, wire, _objects(config, reporter)


_MESSAGES = (CollectError, Collected, CollectedTest, Start, Phase, Result, Done)
_MODULE_NAMES = ("_Reporter", "_Channel", "PartialCredit", "_is_true", "describe", "points_of",
                 "_harness_fingerprint", "_objects", "_encode", "_os_write", "Guard", "collected_test",
                 *(cls.__name__ for cls in _MESSAGES))  # fmt: skip


def _objects(config: pytest.Config, reporter: _Reporter | None) -> tuple[object, ...]:
    """The reporter and its channel as objects: same types, same attributes, same token and descriptor."""
    if reporter is None:
        return ()
    channel = reporter.channel
    state = vars(channel)
    return (
        type(reporter) is _Reporter,
        type(channel) is _Channel,
        tuple((name, id(value)) for name, value in vars(reporter).items() if name != "fingerprint"),
        tuple(sorted(state)),
        state.get("_token"),
        state.get("_out_fd"),
        id(state.get("orders")),
        config.pluginmanager.get_plugin("autograder-reporter") is reporter,
        reporter.guard is None or reporter.guard.intact(),
    )


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
        self._repro: dict[str, str] = {}
        self.guard: Guard | None = None  # forbidden_imports, when the lab declares some
        self.helpers: dict[str, tuple[types.ModuleType | None, str]] = {}

    # -- start: nothing of the learner's has been imported yet -------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.fingerprint = _harness_fingerprint(self.config, self.trusted_dir, self)
        self.helpers.update(_import_helpers(self.trusted_dir))

    def _tampered(self) -> str:
        """'' if the harness, the grader helpers and the import policy are intact, else what changed."""
        if _harness_fingerprint(self.config, self.trusted_dir, self) != self.fingerprint:
            return "the grading harness was modified during the run (pytest internals patched)"
        for name, (module, filename) in self.helpers.items():
            loaded = sys.modules.get(name)
            if loaded is None:
                continue
            if (module is not None and loaded is not module) or _module_file(loaded) != filename:
                return f"the graders' helper module {name!r} was replaced during the run"
        if self.guard is not None:
            found = self.guard.violations or self.guard.sweep()
            if found:
                self.guard.violations = []
                return f"your code reached a library this lab does not allow: {found[0]}"
        return ""

    # -- collection ------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            # Keep only pytest's "E   ..." lines: the exception, never the grader source around it.
            lines = [line[1:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E ")]
            text = "\n".join(lines) or "the grader module could not be imported"
            self.channel.send(CollectError(path=report.nodeid, feedback=text[-3000:]))

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        wanted = self.channel.orders.select
        if wanted is not None:
            keep = set(wanted)
            items[:] = [item for item in items if item.nodeid in keep]
        seed = self.channel.orders.shuffle_seed
        if seed is not None:
            random.Random(seed).shuffle(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.channel.send(Collected(tests=tuple(collected_test(item) for item in session.items)))

    # -- running ---------------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        return True if self.channel.orders.collect_only else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        self.started[nodeid] = time.perf_counter()
        self.channel.send(Start(nodeid=nodeid))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        report = yield
        # Each phase's outcome goes to the autograder as it happens: it, not this process, decides.
        self.channel.send(Phase(nodeid=item.nodeid, when=call.when, ok=call.excinfo is None))
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
        tampered = self._tampered()
        if tampered:
            error = tampered
        elif credit is not None and credit.checked:
            crashed = error is not None  # the test raised after these checks: the rest never ran
            if credit.failures or crashed:
                error = credit.summary(crashed) + (f"\n{error}" if error else "")
            score = (item_points or 0.0) * credit.fraction(crashed)
            if error is None:
                score = item_points or 0.0
        elif error is None:
            score = item_points or 0.0
        notes = "\n".join(self._notes.pop(nodeid, []))
        self.channel.send(
            Result(
                nodeid=nodeid,
                passed=error is None,
                score=score,
                feedback="\n".join(part for part in (error, notes) if part),
                repro=self._repro.pop(nodeid, "") if error is not None else "",
                duration=time.perf_counter() - self.started.get(nodeid, time.perf_counter()),
            )
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        self._points[item.nodeid] = points_of(item)
        credit = item.stash.get(_CREDIT_KEY, None)
        if credit is not None:
            self._credit[item.nodeid] = credit
        sources = item.stash.get(_REPRO_KEY, None)
        if sources:
            self._repro[item.nodeid] = str(sources[-1])[:MAX_REPRO_BYTES]
        notes = item.stash.get(_NOTES_KEY, None)
        if notes:
            self._notes[item.nodeid] = [str(note)[:300] for note in notes[:5]]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.channel.send(Done())


def _module_file(module: object) -> str:
    filename = getattr(module, "__file__", None)
    return os.path.realpath(filename) if isinstance(filename, str) else ""


def _import_helpers(graders: str) -> dict[str, tuple[types.ModuleType | None, str]]:
    """Import the graders' helper modules (their folder's `*.py` that are neither tests nor conftest)
    from their own files, before any learner code runs: a submission cannot plant one of the same name.
    Returns name -> (module, or None if it failed to import now, real file)."""
    helpers: dict[str, tuple[types.ModuleType | None, str]] = {}
    if not os.path.isdir(graders):
        return helpers
    if graders not in sys.path:
        sys.path.insert(0, graders)
    for entry in sorted(os.listdir(graders)):
        name, dot, suffix = entry.rpartition(".")
        if (
            suffix != "py"
            or not dot
            or not name.isidentifier()
            or name.startswith("test_")
            or name == "conftest"
        ):
            continue
        filename = os.path.realpath(os.path.join(graders, entry))
        module = sys.modules.get(name)
        if module is None or _module_file(module) != filename:
            sys.modules.pop(name, None)
            try:
                spec = importlib.util.spec_from_file_location(name, filename)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            except BaseException:  # the graders report it when they import it themselves
                sys.modules.pop(name, None)
                module = None
        helpers[name] = (module, filename)
    return helpers


def _first_doc_line(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
