"""`labs`: list labs, grade one, or verify labs as their author."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autograder import __version__
from autograder.errors import UsageError
from autograder.manifest import Lab, discover, find, scan
from autograder.reports import record_folder, sanitize
from autograder.results import ExpectedTest, LabResult, TestOutcome, as_number, format_points


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'labs --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labs", description="Grade mastery-labs exercises with hidden graders.")
    parser.add_argument("--version", action="version", version=f"labs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    listing = commands.add_parser("list", help="every lab with its title, points and last recorded result")
    listing.add_argument("--json", action="store_true", help="only the lab ids, as a JSON list (CI matrices)")
    sandbox = commands.add_parser("sandbox", help="what isolation this machine gives grading children")
    sandbox.add_argument("--require-jail", action="store_true", help="exit 1 unless the read-only jail works")
    commands.add_parser("badges", help="redraw the SVG badges from the recorded results")
    grade = commands.add_parser("grade", help="run a lab's hidden graders and the coverage gate")
    grade.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    grade.add_argument(
        "--target", default="workspace",
        help="workspace (your code in the lab folder, default), solution (the reference), or a folder path",
    )  # fmt: skip
    grade.add_argument("--part", action="append", default=[], help="grade only this part (repeatable)")
    grade.add_argument(
        "-k", dest="keyword", default="", help="grade only tests whose name contains this text"
    )
    grade.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    grade.add_argument(
        "--allow-unjailed", action="store_true",
        help="grade a folder from outside the repository even where the jail cannot run (trusted code only)",
    )  # fmt: skip
    grade.add_argument(
        "--key-file", type=Path, default=None,
        help="the course key, to run every check of a course edition (else LABS_GRADER_KEY)",
    )  # fmt: skip
    test = commands.add_parser("test", help="run your own tests with coverage, as the gate will")
    test.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    test.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    watch = commands.add_parser("watch", help="re-run your tests and the graders on every save")
    watch.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    watch.add_argument("--part", default=None, help="only the graders of this part")
    watch.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    hint = commands.add_parser("hint", help="the next hint for your first failing test (or the one named)")
    hint.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    hint.add_argument(
        "test", nargs="?", default=None, help="a grader test's name (default: the first failing)"
    )
    hint.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    status = commands.add_parser("status", help="every lab's last grade, parts, gate and hints; what next")
    status.add_argument("lab", nargs="?", default=None, help="one lab in detail")
    sync = commands.add_parser(
        "sync", help="write the lab's given files (canonical copies) into your package"
    )
    sync.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    reset = commands.add_parser("reset", help="restore a lab's starter stub and tests (backs up yours first)")
    reset.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.add_argument("--from", dest="revision", default=None, help="git revision holding the starter")
    batch = commands.add_parser("grade-batch", help="teacher: grade every submission of a class, N at a time")
    batch.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    batch.add_argument("submissions", help="a folder of submission folders, or a file of git repository URLs")
    batch.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: cores)")
    batch.add_argument("--out", default=None, help="output folder (default: .grades/batch/<lab>)")
    batch.add_argument(
        "--allow-unjailed", action="store_true", help="grade even where the jail does not work"
    )
    batch.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    merge = commands.add_parser("merge-batches", help="teacher: one gradebook and report from batch shards")
    merge.add_argument("lab", help="lab id, e.g. lab-03 or 3")
    merge.add_argument("out", help="output folder")
    merge.add_argument("shards", nargs="+", help="the --out folders of the shards")
    verify = commands.add_parser("verify", help="lab author's check: reference scores 100, stub scores 0")
    verify.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    verify.add_argument(
        "--repeat", type=int, default=1, help="grade the reference N times to find flaky tests"
    )
    verify.add_argument("--random-order", action="store_true", help="shuffle test order on repeats")
    verify.add_argument(
        "--bugs", action="store_true", help="grade every bug of the corpus: each must lose points"
    )
    verify.add_argument(
        "--first-catch", action="store_true",
        help="with --bugs: stop grading a bug at the first test that catches it (fast; CI uses it)",
    )  # fmt: skip
    verify.add_argument(
        "--bug-sample", type=int, default=None, metavar="N",
        help="with --bugs: only N bugs spread over the corpus (CI's time budget); default: every bug",
    )  # fmt: skip
    verify.add_argument(
        "--mutants", type=_mutant_count, nargs="?", const=0, default=None, metavar="N",
        help="grade mutants of the reference (all, or a seeded sample of N): report the kill rate and survivors",
    )  # fmt: skip
    verify.add_argument("--python", default=sys.executable, help="interpreter of the lab's environment")
    from autograder.release import add_release_parser

    add_release_parser(commands)
    return parser


def _colour() -> bool:
    return sys.stdout.isatty()


def cmd_sandbox(require_jail: bool) -> int:
    from autograder.sandbox import jail_available, namespaces_available

    namespaces, jail = namespaces_available(), jail_available()
    print(f"user/PID/network namespaces: {'available' if namespaces else 'NOT available'}")
    print(f"read-only jail: {'works' if jail else 'does NOT work'}")
    if not jail:
        print(
            "  grading still runs, without the filesystem jail (docs/security.md); on Ubuntu 24.04 enable "
            "unprivileged user namespaces: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
        )
    return 1 if require_jail and not jail else 0


def cmd_list(as_json: bool = False) -> int:
    from autograder.badges import last_result
    from autograder.grading import grades_dir

    if as_json:
        print(json.dumps([lab.id for lab in discover()]))
        return 0

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
            score = as_number(result.get("score"))
            last = f"{format_points(score)}/{format_points(as_number(extra.get('max_score')))}, {verdict}"
        print(f"{lab.id}  {lab.title:<58} {format_points(lab.points):>4} pts   {last}")
    return 0


def cmd_badges() -> int:
    from autograder.badges import write_badges
    from autograder.grading import grades_dir

    folder = write_badges([lab for lab in scan() if not isinstance(lab, UsageError)], grades_dir())
    print(f"badges written to {_display(folder)}")
    return 0


def selection(
    lab: Lab, parts: Sequence[str], keyword: str
) -> tuple[Callable[[ExpectedTest], bool] | None, str]:
    """The subset of graders `--part`/`-k` ask for, and the words that describe it in every report."""
    if not parts and not keyword:
        return None, ""
    known = {part.id for part in lab.parts}
    for part in parts:
        if part not in known:
            listing = ", ".join(sorted(known)) or "none: this lab has no parts"
            raise UsageError(f"{lab.id} has no part {part!r} (parts: {listing})")
    wanted = set(parts)
    words = [f"part {', '.join(parts)}"] if parts else []
    words += [f"tests matching {keyword!r}"] if keyword else []

    def chosen(test: ExpectedTest) -> bool:
        return (not wanted or test.part in wanted) and keyword.lower() in test.nodeid.lower()

    return chosen, "only " + " and ".join(words) + " graded; your record is not updated"


def cmd_grade(
    lab_id: str, target_spec: str, python: str, parts: Sequence[str] = (), keyword: str = ""
) -> int:
    from autograder.badges import write_badges
    from autograder.grading import check_environment, expected_tests, grade, grades_dir, resolve_target
    from autograder.reports import (
        outcome_line,
        terminal_summary,
        write_reports,
    )
    from autograder.sandbox import Limits, probe_in_background

    lab = find(lab_id)
    target = resolve_target(lab, target_spec)
    probe_in_background()
    check_environment(lab, python)
    select, scope_note = selection(lab, parts, keyword)
    print(f"{lab.id} · {lab.title} · grading {target.label} ({_display(target.root)})", flush=True)
    if scope_note:
        print(f"  partial grade: {scope_note}", flush=True)
    limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True)
    expected = expected_tests(lab, python, limits)
    from autograder.graders import public_only_banner

    if banner := public_only_banner(lab, expected):
        print(f"  partial grade: {banner}", flush=True)
    numbers = {test.nodeid: n for n, test in enumerate((t for t in expected if not select or select(t)), 1)}

    def show(outcome: TestOutcome) -> None:
        print(outcome_line(numbers.get(outcome.nodeid, 0), outcome, _colour()), flush=True)

    result = grade(lab, target, python=python, on_outcome=show, select=select, scope_note=scope_note)
    grades = grades_dir()
    report_dir = write_reports(result, grades, _display(record_folder(result, grades)))
    if result.target == "workspace" and not result.scope_note:  # the learner's record: its badges too
        write_badges([lab for lab in scan() if not isinstance(lab, UsageError)], grades)
    print(terminal_summary(result, _display(report_dir), _colour()))
    if result.target != "workspace" or result.scope_note:  # a partial grade: --part, -k, public checks only
        print("  (your record and badges are unchanged: only a full grade of your workspace updates them)")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(github_annotation(result), flush=True)
    if result.passed:
        return 0
    return _not_passed_exit()


NOT_PASSED_EXIT_ENV = "LABS_NOT_PASSED_EXIT"


def _not_passed_exit() -> int:
    """The exit code of a grade that did not pass: 1, or what LABS_NOT_PASSED_EXIT says (0 in a learner's
    CI, where the grade is the summary and the badge, and a red job means grading could not run)."""
    value = os.environ.get(NOT_PASSED_EXIT_ENV, "1").strip()
    return int(value) if value in ("0", "1") else 1


def github_annotation(result: LabResult) -> str:
    """One workflow-command line of our own making (numbers and the lab's id only: no learner text)."""
    kind = "notice" if result.passed else "warning"
    verdict = "passed" if result.passed else "not passed"
    gate = "gate met" if result.gate.met else "gate not met"
    extra = "; critical test failed" if result.critical_failures else ""
    return (
        f"::{kind} title={result.lab_id}::{result.lab_id}: {format_points(result.score)}/"
        f"{format_points(result.max_score)} points, {gate}{extra}: {verdict}"
    )


def _mutant_count(text: str) -> int:
    """`--mutants N`: a sample size of at least 1 (`--mutants` alone grades every mutant)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"N must be a whole number of at least 1, got {text!r}")
    return int(text)


def cmd_verify(
    lab_ids: Sequence[str],
    repeat: int,
    random_order: bool,
    python: str,
    bugs: bool = False,
    first_catch: bool = False,
    bug_sample: int | None = None,
    mutant_sample: int | None = None,  # None: no mutants; 0: every mutant; N: a seeded sample of N
) -> int:
    from autograder.verify import verify_lab

    if repeat < 1:
        raise UsageError("--repeat must be at least 1")
    if bug_sample is not None and bug_sample < 1:
        raise UsageError("--bug-sample must be at least 1")
    labs = [find(lab_id) for lab_id in lab_ids] if lab_ids else discover()
    if not labs:
        raise UsageError("no labs found under labs/")
    failed = 0
    for lab in labs:
        print(f"verifying {lab.id} ({lab.title})", flush=True)
        verdict = verify_lab(
            lab, python, repeat, random_order, bugs=bugs, first_catch=first_catch, bug_sample=bug_sample,
            mutation=mutant_sample is not None,
            mutant_sample=mutant_sample or None,
        )  # fmt: skip
        for problem in verdict.problems:
            detail = problem.startswith("    ")
            print(f"      {problem.strip()}" if detail else f"  PROBLEM {lab.id}: {problem}")
        print(f"  {lab.id}: {'OK' if verdict.ok else 'FAILED'}")
        failed += not verdict.ok
    print(f"verify: {len(labs) - failed} of {len(labs)} labs OK")
    return 1 if failed else 0


def cmd_test(lab_id: str, python: str) -> int:
    from autograder.grading import check_environment, own_tests, resolve_target
    from autograder.reports import gate_line

    lab = find(lab_id)
    check_environment(lab, python)
    print(f"{lab.id} · running your tests in tests/ with coverage of {lab.package}/", flush=True)
    gate = own_tests(lab, resolve_target(lab, "workspace"), python=python)
    for name in gate.failing:
        print(f"  FAIL  {sanitize(name)}")
    print(f"  {gate_line(gate)}")
    if gate.problem and gate.percent is not None:
        print(f"    {sanitize(gate.problem)}")
    for filename, missed in gate.missed.items():
        print(f"    not covered in {sanitize(filename)}: {missed}")
    return 0 if gate.met else 1


def cmd_watch(lab_id: str, part: str | None, python: str) -> int:
    from autograder.grading import check_environment
    from autograder.watch import watch

    lab = find(lab_id)
    check_environment(lab, python)
    if part is not None:
        selection(lab, [part], "")  # an unknown part is a usage error, said before anything runs
    return watch(lab, python, part)


def cmd_hint(lab_id: str, test: str | None, python: str) -> int:
    from autograder.grading import expected_tests, grades_dir
    from autograder.hints import choose, failing_tests, next_hint
    from autograder.sandbox import Limits

    lab = find(lab_id)
    grades = grades_dir()
    expected = expected_tests(lab, python, Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True))
    chosen = choose(expected, failing_tests(lab, grades), test)
    hint = next_hint(lab, grades, chosen)
    name = chosen.nodeid.split("::", 1)[-1]
    print(f"{lab.id} · {name}" + (f": {chosen.doc}" if chosen.doc else ""))
    print(f"  hint {hint.number} of {len(chosen.hints)}: {hint.text}")
    if not hint.last:
        print(f"  (run `labs hint {lab.id} {name}` again for the next one)")
    return 0


def cmd_status(lab_id: str | None) -> int:
    from autograder.grading import grades_dir
    from autograder.status import detail, lab_status, overview

    grades = grades_dir()
    if lab_id is not None:
        print("\n".join(detail(lab_status(find(lab_id), grades))))
        return 0
    labs = [lab for lab in scan() if not isinstance(lab, UsageError)]
    print("\n".join(overview([lab_status(lab, grades) for lab in labs])))
    return 0


def cmd_sync(lab_id: str) -> int:
    """Copy the lab's canonical given files into the workspace (grading always uses the canonical ones)."""
    import shutil

    lab = find(lab_id)
    if not lab.given:
        print(f"{lab.id} gives no files: nothing to write")
        return 0
    for relative in lab.given:
        source, destination = lab.given_dir / relative, lab.folder / relative
        if not source.is_file():
            raise UsageError(f"{lab.id}: given file {relative} is missing from given/")
        changed = not destination.is_file() or destination.read_bytes() != source.read_bytes()
        if destination.is_symlink():
            destination.unlink()
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        print(f"  {relative}: {'written' if changed else 'already the canonical copy'}")
    return 0


def cmd_reset(lab_id: str, yes: bool, revision: str | None) -> int:
    from autograder.grading import grades_dir
    from autograder.reset import default_revision, reset

    lab = find(lab_id)
    revision = revision or default_revision(lab)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("labs reset asks for confirmation: run it in a terminal, or add --yes")
        answer = input(
            f"replace {lab.package}/ and tests/ of {lab.id} with the starter (a backup is kept)? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return 1
    saved = reset(lab, grades_dir(), revision)
    print(f"{lab.id}: starter restored from {revision}; your files are in {_display(saved)}")
    return 0


def cmd_grade_batch(
    lab_id: str, source: str, jobs: int | None, out: str | None, allow_unjailed: bool, python: str
) -> int:
    from autograder import batch, class_report
    from autograder.grading import check_environment, grades_dir
    from autograder.sandbox import jail_available

    lab = find(lab_id)
    check_environment(lab, python)
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not jail_available() and not allow_unjailed:
        raise UsageError(
            "the read-only jail does not work on this machine (`labs sandbox` says why): submissions could "
            "read each other's files; fix that, or pass --allow-unjailed if you trust every submission"
        )
    folder = Path(out) if out else grades_dir() / "batch" / lab.id
    _require_matplotlib()

    def progress(done: int, total: int, row: batch.Row) -> None:
        score = (
            f"{format_points(row.score)}/{format_points(row.max_score or 0)}"
            if row.score is not None
            else "-"
        )
        print(f"[{done}/{total}] {row.submission}: {row.status} {score} ({row.seconds:.1f} s)", flush=True)

    rows = batch.grade_batch(
        lab, Path(source), folder, python=python, jobs=jobs, progress=progress, allow_unjailed=allow_unjailed
    )
    report = class_report.write(lab.id, rows, folder)
    print(
        f"{len(rows)} submissions: gradebook {_display(folder / 'gradebook.csv')}, report {_display(report)}"
    )
    return 0


def cmd_merge_batches(lab_id: str, out: str, shards: Sequence[str]) -> int:
    from autograder import batch, class_report

    lab = find(lab_id)
    _require_matplotlib()
    rows = batch.merge(Path(out), [Path(shard) for shard in shards])
    report = class_report.write(lab.id, rows, Path(out))
    print(f"{len(rows)} submissions from {len(shards)} shards: report {_display(report)}")
    return 0


def _require_matplotlib() -> None:
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError(
            "the class report needs matplotlib: run it as `nox -s grade-batch -- LAB SUBMISSIONS`, "
            "or `pip install -c constraints.txt matplotlib` into this environment"
        )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    from autograder.sandbox import Terminated, kill_all, unwind_on_sigterm

    try:
        unwind_on_sigterm()
        args = build_parser().parse_args(argv)
        if getattr(args, "python", None) and os.sep in args.python:
            args.python = os.path.abspath(args.python)  # children start elsewhere: a relative path breaks
            if not os.access(args.python, os.X_OK) or os.path.isdir(args.python):
                raise UsageError(
                    f"--python {args.python}: no such interpreter (build the lab's environment first, "
                    "e.g. nox -s lab-01 --install-only)"
                )
        if args.command == "list":
            return cmd_list(args.json)
        if args.command == "sandbox":
            return cmd_sandbox(args.require_jail)
        if args.command == "badges":
            return cmd_badges()
        if args.command == "release":
            from autograder.release import cmd_release

            return cmd_release(args)
        if args.command == "grade":
            if args.key_file is not None:
                from autograder.graders import use_key_file

                use_key_file(args.key_file)
            from autograder.plan import refuse_unjailed

            refuse_unjailed(args.target, allowed=args.allow_unjailed)
            return cmd_grade(args.lab, args.target, args.python, args.part, args.keyword)
        if args.command == "test":
            return cmd_test(args.lab, args.python)
        if args.command == "watch":
            return cmd_watch(args.lab, args.part, args.python)
        if args.command == "hint":
            return cmd_hint(args.lab, args.test, args.python)
        if args.command == "status":
            return cmd_status(args.lab)
        if args.command == "sync":
            return cmd_sync(args.lab)
        if args.command == "reset":
            return cmd_reset(args.lab, args.yes, args.revision)
        if args.command == "grade-batch":
            return cmd_grade_batch(
                args.lab, args.submissions, args.jobs, args.out, args.allow_unjailed, args.python
            )
        if args.command == "merge-batches":
            return cmd_merge_batches(args.lab, args.out, args.shards)
        return cmd_verify(
            args.labs,
            args.repeat,
            args.random_order,
            args.python,
            args.bugs,
            args.first_catch,
            args.bug_sample,
            args.mutants,
        )
    except UsageError as exc:
        print(f"labs: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("labs: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("labs: terminated", file=sys.stderr)
        return 143
    finally:
        kill_all()  # no child outlives the autograder, however it ends


if __name__ == "__main__":
    sys.exit(main())
