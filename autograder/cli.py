"""`labs`: list labs, grade one, or verify labs as their author."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder import __version__
from autograder.errors import UsageError
from autograder.manifest import discover, find, scan


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'labs --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labs", description="Grade mastery-labs exercises with hidden graders.")
    parser.add_argument("--version", action="version", version=f"labs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="every lab with its title, points and last recorded result")
    commands.add_parser("badges", help="redraw the SVG badges from the recorded results")
    grade = commands.add_parser("grade", help="run a lab's hidden graders and the coverage gate")
    grade.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    grade.add_argument(
        "--target", default="workspace",
        help="workspace (your code in the lab folder, default), solution (the reference), or a folder path",
    )  # fmt: skip
    grade.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    verify = commands.add_parser("verify", help="lab author's check: reference scores 100, stub scores 0")
    verify.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    verify.add_argument(
        "--repeat", type=int, default=1, help="grade the reference N times to find flaky tests"
    )
    verify.add_argument("--random-order", action="store_true", help="shuffle test order on repeats")
    verify.add_argument("--python", default=sys.executable, help="interpreter of the lab's environment")
    return parser


def _colour() -> bool:
    return sys.stdout.isatty()


def cmd_list() -> int:
    from autograder.badges import last_result
    from autograder.grading import grades_dir

    grades = grades_dir()
    for lab in scan():
        if isinstance(lab, UsageError):
            print(f"labs: error: {lab}", file=sys.stderr)
            continue
        result = last_result(lab, grades)
        if result is None:
            last = "not graded yet"
        else:
            extra = result["extra_data"]
            assert isinstance(extra, dict)
            verdict = "passed" if extra.get("passed") else "not passed"
            last = f"{result.get('score', 0):g}/{lab.points:g}, {verdict} ({extra.get('target')})"
        print(f"{lab.id}  {lab.title:<58} {lab.points:>4g} pts   {last}")
    return 0


def cmd_badges() -> int:
    from autograder.badges import write_badges
    from autograder.grading import grades_dir

    folder = write_badges([lab for lab in scan() if not isinstance(lab, UsageError)], grades_dir())
    print(f"badges written to {_display(folder)}")
    return 0


def cmd_grade(lab_id: str, target_spec: str, python: str) -> int:
    from autograder.badges import write_badges
    from autograder.grading import expected_tests, grade, grades_dir, resolve_target
    from autograder.reports import outcome_line, terminal_summary, write_reports

    lab = find(lab_id)
    target = resolve_target(lab, target_spec)
    print(f"{lab.id} · {lab.title} · grading {target.label} ({_display(target.root)})", flush=True)
    numbers: dict[str, int] = {}

    def show(outcome: object) -> None:
        from autograder.results import TestOutcome

        assert isinstance(outcome, TestOutcome)
        print(outcome_line(numbers.get(outcome.nodeid, 0), outcome, _colour()), flush=True)

    from autograder.sandbox import Limits

    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True)
    numbers.update({test.nodeid: n for n, test in enumerate(expected_tests(lab, python, limits), 1)})
    result = grade(lab, target, python=python, on_outcome=show)
    grades = grades_dir()
    report_dir = write_reports(result, grades)
    write_badges([lab for lab in scan() if not isinstance(lab, UsageError)], grades)
    print(terminal_summary(result, _display(report_dir), _colour()))
    return 0 if result.passed else 1


def cmd_verify(lab_ids: Sequence[str], repeat: int, random_order: bool, python: str) -> int:
    from autograder.verify import verify_lab

    if repeat < 1:
        raise UsageError("--repeat must be at least 1")
    labs = [find(lab_id) for lab_id in lab_ids] if lab_ids else discover()
    if not labs:
        raise UsageError("no labs found under labs/")
    failed = 0
    for lab in labs:
        print(f"verifying {lab.id} ({lab.title})", flush=True)
        verdict = verify_lab(lab, python, repeat, random_order)
        for problem in verdict.problems:
            print(f"  PROBLEM {lab.id}: {problem}")
        print(f"  {lab.id}: {'OK' if verdict.ok else 'FAILED'}")
        failed += not verdict.ok
    print(f"verify: {len(labs) - failed} of {len(labs)} labs OK")
    return 1 if failed else 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "badges":
            return cmd_badges()
        if args.command == "grade":
            return cmd_grade(args.lab, args.target, args.python)
        return cmd_verify(args.labs, args.repeat, args.random_order, args.python)
    except UsageError as exc:
        print(f"labs: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("labs: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
