"""`labs watch LAB [--part P]`: on every save of the package or tests, re-run the learner's tests and the
graders (of one part, or all), and redraw a compact view: points per part, the first failure in full, the
gate. Nothing is recorded: the record changes only with `labs grade`.

On a terminal the view is redrawn in place (rich); otherwise each outcome is printed as it arrives and
each round ends with the view as plain text, so a log or a test can follow along. Ctrl-C stops it, and the
grading children with it.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from autograder.grading import Target, grade, own_tests
from autograder.manifest import Lab
from autograder.reports import gate_line, outcome_line, sanitize
from autograder.results import ExpectedTest, GateResult, TestOutcome, format_points

if TYPE_CHECKING:
    from rich.live import Live
    from rich.text import Text

WATCHED_SUFFIXES = (".py", ".toml", ".json", ".csv", ".txt")


class View:
    """What one round found so far, as text."""

    def __init__(self, lab: Lab, round_number: int, part: str | None) -> None:
        self.lab, self.round, self.part = lab, round_number, part
        self.outcomes: list[TestOutcome] = []
        self.gate: GateResult | None = None
        self.started = time.monotonic()
        self.done = False

    def lines(self) -> list[str]:
        scope = f"part {self.part}" if self.part else "all parts"
        state = f"done in {time.monotonic() - self.started:.1f} s" if self.done else "running"
        lines = [f"{self.lab.id} · watching ({scope}) · round {self.round} · {state}"]
        parts: dict[str, list[float]] = {}
        for outcome in self.outcomes:
            entry = parts.setdefault(outcome.part or "-", [0.0, 0.0])
            entry[0] += outcome.score
            entry[1] += outcome.max_score
        lines.append(
            "  "
            + "   ".join(
                f"part {name}: {format_points(score)}/{format_points(top)}"
                for name, (score, top) in sorted(parts.items())
            )
        )
        failed = next((o for o in self.outcomes if not o.passed and not o.ungradable), None)
        if failed is not None:
            lines.append(f"  first failure: {sanitize(failed.nodeid.split('::', 1)[-1])}")
            lines += [f"    {line}" for line in sanitize(failed.feedback).splitlines()]
        elif self.outcomes:
            lines.append("  every graded test so far passes")
        lines.append(
            "  " + (gate_line(self.gate) if self.gate is not None else "coverage gate: running your tests")
        )
        return lines


def _changes(paths: list[Path], stop: threading.Event, changed: queue.Queue[set[str]]) -> None:
    import watchfiles

    for batch in watchfiles.watch(*paths, stop_event=stop, debounce=200, step=50, raise_interrupt=False):
        names = {name for _kind, name in batch if name.endswith(WATCHED_SUFFIXES)}
        if names:
            changed.put(names)


def run_round(
    lab: Lab,
    python: str,
    view: View,
    select: Callable[[ExpectedTest], bool] | None,
    on_change: Callable[[TestOutcome | None], None],
) -> None:
    """Learner tests (in a thread) and graders side by side, telling `on_change` after each outcome."""
    target = Target("watch", lab.stub_dir)

    def gate() -> None:
        view.gate = own_tests(lab, target, python=python)
        on_change(None)

    thread = threading.Thread(target=gate, daemon=True)
    thread.start()

    def arrived(outcome: TestOutcome) -> None:
        view.outcomes.append(outcome)
        on_change(outcome)

    grade(
        lab, target, python=python, on_outcome=arrived, measure_gate=False, select=select, scope_note="watch"
    )
    thread.join()
    view.done = True
    on_change(None)


def watch(
    lab: Lab,
    python: str,
    part: str | None = None,
    *,
    out: TextIO = sys.stdout,
    rounds: int | None = None,
) -> int:
    """Watch until Ctrl-C (or `rounds` rounds, for tests); returns the exit code."""
    select = (lambda test: test.part == part) if part else None
    paths = [path for path in (lab.folder / lab.package, lab.folder / "tests") if path.is_dir()]
    stop = threading.Event()
    changed: queue.Queue[set[str]] = queue.Queue()
    watcher = threading.Thread(target=_changes, args=(paths, stop, changed), daemon=True)
    watcher.start()
    live = _live(out)
    round_number = 0
    try:
        while rounds is None or round_number < rounds:
            round_number += 1
            view = View(lab, round_number, part)
            if live is None:
                print(f"--- round {round_number} ---", file=out, flush=True)

                def plain(outcome: TestOutcome | None, view: View = view) -> None:
                    if outcome is not None:
                        print(outcome_line(0, outcome, colour=False), file=out, flush=True)
                    elif view.done:
                        print("\n".join(view.lines()), file=out, flush=True)

                run_round(lab, python, view, select, plain)
            else:

                def redraw(_outcome: TestOutcome | None, view: View = view, shown: Live = live) -> None:
                    shown.update(_render(view), refresh=True)

                run_round(lab, python, view, select, redraw)
            if rounds is not None and round_number >= rounds:
                break
            print(
                f"watching {', '.join(str(p) for p in paths)} for changes (Ctrl-C to stop)",
                file=out,
                flush=True,
            )
            names = changed.get()
            while not changed.empty():
                names |= changed.get_nowait()
            print(f"changed: {', '.join(sorted(Path(name).name for name in names))}", file=out, flush=True)
    except KeyboardInterrupt:
        print("stopped watching", file=out, flush=True)
    finally:
        stop.set()
        if live is not None:
            live.stop()
    return 0


def _render(view: View) -> Text:
    from rich.text import Text

    return Text("\n".join(view.lines()))


def _live(out: TextIO) -> Live | None:
    """A rich Live display on a terminal, None elsewhere."""
    if not out.isatty():
        return None
    from rich.console import Console
    from rich.live import Live

    live = Live(console=Console(file=out), auto_refresh=False, transient=False)
    live.start()
    return live
