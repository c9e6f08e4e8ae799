"""SVG badges drawn offline with anybadge: one per lab and one for overall progress."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.manifest import Lab


def last_result(lab: Lab, grades: Path) -> dict[str, object] | None:
    """The lab's last recorded results.json, or None when it was never graded (or the file is unreadable)."""
    try:
        data = json.loads((grades / lab.id / "results.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("extra_data"), dict) else None


def write_badges(labs: list[Lab], grades: Path) -> Path:
    import anybadge

    folder = grades / "badges"
    folder.mkdir(parents=True, exist_ok=True)
    passed = 0
    for lab in labs:
        result = last_result(lab, grades)
        if result is None:
            value, colour = "not graded", "lightgrey"
        else:
            extra = result["extra_data"]
            assert isinstance(extra, dict)
            ok = extra.get("passed") is True
            passed += ok
            value = f"{result.get('score', 0):g}/{extra.get('max_score', 0):g}"
            colour = "green" if ok else "red"
        anybadge.Badge(lab.id, value, default_color=colour).write_badge(
            str(folder / f"{lab.id}.svg"), overwrite=True
        )
    colour = "green" if labs and passed == len(labs) else ("yellow" if passed else "lightgrey")
    anybadge.Badge("labs passed", f"{passed}/{len(labs)}", default_color=colour).write_badge(
        str(folder / "progress.svg"), overwrite=True
    )
    return folder
