"""SVG badges drawn offline with anybadge: one per lab and one for overall progress."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.manifest import Lab
from autograder.results import as_number, format_points


def last_result(lab: Lab, grades: Path) -> dict[str, object] | None:
    """The learner's last recorded full workspace grade (results.json), or None when there is none."""
    try:
        data = json.loads((grades / lab.id / "results.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(extra := data.get("extra_data"), dict):
        return None
    return data if extra.get("target") == "workspace" and not extra.get("partial") else None


NOT_GRADED = "#586069"  # dark grey: white text on it has a contrast ratio above 4.5:1


def badge_value(result: dict[str, object]) -> tuple[str, str]:
    """The badge's text and colour for a recorded result: a red badge above the pass mark says why."""
    extra = result["extra_data"]
    assert isinstance(extra, dict)
    score = as_number(result.get("score"))
    maximum = as_number(extra.get("max_score"))
    value = f"{format_points(score)}/{format_points(maximum)}"
    if extra.get("passed") is True:
        return value, "green"
    reasons = []
    if score >= maximum * as_number(extra.get("pass_threshold_percent")) / 100 - 1e-9:
        if extra.get("critical_failed"):
            reasons.append("critical")
        if extra.get("coverage_gate_met") is not True:
            reasons.append("gate")
    return " · ".join([value, *reasons]), "red"


def write_badges(labs: list[Lab], grades: Path) -> Path:
    import anybadge

    folder = grades / "badges"
    folder.mkdir(parents=True, exist_ok=True)
    passed = 0
    for lab in labs:
        result = last_result(lab, grades)
        if result is None:
            value, colour = "not graded", NOT_GRADED
        else:
            value, colour = badge_value(result)
            passed += colour == "green"
        anybadge.Badge(lab.id, value, default_color=colour).write_badge(
            str(folder / f"{lab.id}.svg"), overwrite=True
        )
    colour = "green" if labs and passed == len(labs) else ("yellow" if passed else NOT_GRADED)
    anybadge.Badge("labs passed", f"{passed}/{len(labs)}", default_color=colour).write_badge(
        str(folder / "progress.svg"), overwrite=True
    )
    return folder
