"""The class report of a batch (`report.html`): one self-contained page for a teacher.

Per-test pass rates across the class (a bar chart), the score distribution (a histogram), the most
common failure messages of each test (clustered by their first line, numbers folded), the slowest
submissions, and the gradebook. Charts are drawn with matplotlib as inline SVG; every string that comes
from a submission is HTML-escaped. The numbers are computed from the same results.json files the
gradebook was made from, so they agree with the individual results.
"""

from __future__ import annotations

import html
import io
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.batch import Row
from autograder.results import format_points

_NUMBER = re.compile(r"\d+(\.\d+)?")


@dataclass
class TestStats:
    nodeid: str
    name: str
    passed: int = 0
    failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        total = self.passed + self.failed
        return 100.0 * self.passed / total if total else 0.0


def test_stats(results_dir: Path) -> list[TestStats]:
    """Pass/fail counts and clustered failure messages per grader test, over every results.json."""
    stats: dict[str, TestStats] = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for test in data.get("tests", []):
            extra = test.get("extra_data") if isinstance(test, dict) else None
            if not isinstance(extra, dict) or not extra.get("nodeid") or extra.get("not_gradable"):
                continue
            nodeid = str(extra["nodeid"])
            entry = stats.setdefault(nodeid, TestStats(nodeid, nodeid.split("::", 1)[-1]))
            if test.get("status") == "passed":
                entry.passed += 1
            else:
                entry.failed += 1
                first = next((line for line in str(test.get("output", "")).splitlines() if line.strip()), "")
                entry.failures[_NUMBER.sub("N", first.strip())[:160] or "(no message)"] += 1
    return list(stats.values())


def _svg(figure: object) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    text = buffer.getvalue()
    return text[text.find("<svg") :]


def _charts(stats: list[TestStats], scores: list[float], maximum: float) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "labs"  # deterministic ids in the SVG
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, max(2.0, 0.28 * len(stats) + 1)))
    axes.barh([s.name for s in stats][::-1], [s.rate for s in stats][::-1], color="#2b6cb0")
    axes.set_xlim(0, 100)
    axes.set_xlabel("submissions passing (%)")
    axes.set_title("pass rate per grader test")
    rates = _svg(figure)
    pyplot.close(figure)
    figure, axes = pyplot.subplots(figsize=(7, 3))
    axes.hist(scores, bins=10, range=(0, maximum or 1), color="#2f855a", edgecolor="white")
    axes.set_xlabel("score")
    axes.set_ylabel("submissions")
    axes.set_title("score distribution")
    histogram = _svg(figure)
    pyplot.close(figure)
    return rates, histogram


def render(lab_id: str, rows: list[Row], results_dir: Path) -> str:
    esc = html.escape
    stats = test_stats(results_dir)
    graded = [row for row in rows if row.status == "graded" and row.score is not None]
    scores = [row.score for row in graded if row.score is not None]
    maximum = max((row.max_score or 0.0 for row in graded), default=0.0)
    rates_svg, histogram_svg = _charts(stats, scores, maximum)
    statuses = Counter(row.status for row in rows)
    mean = format_points(statistics.fmean(scores)) if scores else "-"
    median = format_points(statistics.median(scores)) if scores else "-"
    passed = sum(row.passed for row in graded)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(lab_id)}: class report</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
        "code{white-space:pre-wrap}</style></head><body>",
        f"<h1>{esc(lab_id)}: class report</h1>",
        f"<p id='summary'>{len(rows)} submissions: "
        + ", ".join(f"{count} {esc(status)}" for status, count in sorted(statuses.items()))
        + f"; {passed} passed; mean score <span id='mean'>{mean}</span>, median {median}"
        f" (of {format_points(maximum)})</p>",
        "<h2>Pass rate per test</h2>",
        rates_svg,
        "<table id='tests'><tr><th>test</th><th>passed</th><th>failed</th><th>pass rate</th></tr>",
        *(
            f"<tr><td>{esc(s.name)}</td><td>{s.passed}</td><td>{s.failed}</td><td>{s.rate:.0f}%</td></tr>"
            for s in stats
        ),
        "</table>",
        "<h2>Score distribution</h2>",
        histogram_svg,
        "<h2>Most common failures</h2>",
    ]
    for s in sorted(stats, key=lambda s: -s.failed):
        if not s.failures:
            continue
        common = "".join(
            f"<li>{count}× <code>{esc(message)}</code></li>" for message, count in s.failures.most_common(3)
        )
        parts.append(f"<h3>{esc(s.name)}</h3><ul>{common}</ul>")
    slowest = sorted(rows, key=lambda row: -row.seconds)[:5]
    parts += [
        "<h2>Slowest submissions</h2><ol>",
        *(f"<li>{esc(row.submission)}: {row.seconds:.1f} s ({esc(row.status)})</li>" for row in slowest),
        "</ol>",
        "<h2>Gradebook</h2><table id='gradebook'><tr><th>submission</th><th>status</th><th>score</th>"
        "<th>gate</th><th>coverage</th><th>bugs caught</th><th>time</th><th>message</th></tr>",
    ]
    for row in rows:
        score = (
            f"{format_points(row.score)}/{format_points(row.max_score or 0)}"
            if row.score is not None
            else "-"
        )
        bugs = f"{row.bugs_caught}/{row.bugs_total}" if row.bugs_total is not None else "-"
        coverage = f"{row.coverage:.1f}%" if row.coverage is not None else "-"
        parts.append(
            f"<tr><td>{esc(row.submission)}</td><td>{esc(row.status)}</td><td class='score'>{score}</td>"
            f"<td>{'met' if row.gate_met else 'not met'}</td><td>{coverage}</td><td>{bugs}</td>"
            f"<td>{row.seconds:.1f} s</td><td><code>{esc(row.message)}</code></td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


def write(lab_id: str, rows: list[Row], out: Path) -> Path:
    path = out / "report.html"
    path.write_text(render(lab_id, rows, out / "results"), encoding="utf-8")
    return path
