"""`labs release`: build the learner edition from this (instructor) repository.

The edition is a folder ready to push as a repository learners start from: the autograder, nox, the
pins, the datasets, a README and a workflow written for learners, and per lab everything learner-facing
(README, lab.toml, the starter package with its given code, the seeded tests, benchmark, data) plus one
sealed grader bundle (autograder.seal). It holds no `solution/` and no `grader/`; before anything is
written to OUT the release checks that no line of 30 or more characters of any solution or grader file
appears anywhere in it in the clear, and fails otherwise. The output is deterministic: the same input
gives byte-identical files, so the published history shows only real changes.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from autograder import seal, syntax
from autograder.errors import UsageError
from autograder.manifest import REPO_ROOT, Lab, labs_root
from autograder.results import ExpectedTest
from autograder.sandbox import Limits
from autograder.snapshot import copy_read_only, remove_tree

LEAK_MIN_CHARS = 30
EDITION_MARKER = "edition.toml"
TOP_LEVEL_FILES = ("noxfile.py", "constraints.txt", "pyproject.toml", ".gitignore")
TOP_LEVEL_FOLDERS = ("autograder", "datasets")
LAB_PRIVATE = frozenset({"solution", "grader"})  # never learner-facing: what the leak check guards
LEFT_OUT = LAB_PRIVATE  # what writing a lab folder leaves out (the same; a test changes it)
_SKIPPED_NAMES = frozenset(
    {"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", ".grades", ".nox", ".git"}
)
_SKIPPED_SUFFIXES = (".pyc", ".egg-info")


@dataclass
class ReleaseReport:
    out: Path
    labs: list[str] = field(default_factory=list)
    files: int = 0
    secret_lines: int = 0  # solution and grader lines searched for
    shared: int = 0  # lines the learner-facing files share with them by design (not searched)
    leaks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.leaks


def _skipped(name: str) -> bool:
    return name in _SKIPPED_NAMES or name.endswith(_SKIPPED_SUFFIXES) or name.startswith(".coverage")


def _walk_files(root: Path) -> Iterable[Path]:
    """Every plain file under `root`, sorted, caches and build litter left out."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(names):
            path = Path(folder, name)
            if not _skipped(name) and path.is_file() and not path.is_symlink():
                yield path


def _copy_file(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(source.read_bytes())
    destination.chmod(0o755 if os.access(source, os.X_OK) else 0o644)


def _copy_tree(source: Path, destination: Path, leave_out: frozenset[str] = frozenset()) -> None:
    for path in _walk_files(source):
        relative = path.relative_to(source)
        if relative.parts[0] in leave_out:
            continue
        _copy_file(path, destination / relative)


def template(name: str) -> str:
    """A text template shipped with the autograder (autograder/templates/)."""
    return resources.files("autograder").joinpath("templates", name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# The expected tests, and the visible layer for course mode
# --------------------------------------------------------------------------------------------------
def default_python(lab: Lab) -> str:
    """The lab's own nox environment when it exists (its graders import the lab's requirements)."""
    candidate = REPO_ROOT / ".nox" / lab.id / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def lab_expected_tests(lab: Lab, python: str) -> list[ExpectedTest]:
    from autograder.grading import expected_tests

    if (lab.folder / seal.BUNDLE_NAME).exists():
        raise UsageError(
            f"{lab.id}: {lab.folder} is a learner edition lab; release from the instructor edition"
        )
    return expected_tests(lab, python, Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True))


def _test_file(name: str) -> bool:
    base = PurePosixPath(name).name
    return base.endswith(".py") and (base.startswith("test_") or base.endswith("_test.py"))


def strip_hidden(files: dict[str, bytes], visible: Iterable[str]) -> dict[str, bytes]:
    """The grader files (`grader/...`) with every test function not in `visible` (node ids) removed;
    test files left with no visible test are dropped, helper modules and conftest files kept."""
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for nodeid in visible:
        path, *names = nodeid.split("::")
        names[-1] = names[-1].split("[", 1)[0]
        wanted.setdefault(f"grader/{path}", set()).add(tuple(names))
    kept: dict[str, bytes] = {}
    for name, data in files.items():
        if not _test_file(name):
            kept[name] = data
        elif name in wanted:
            kept[name] = _without_tests(data, wanted[name], name)
    return kept


def _without_tests(data: bytes, keep: set[tuple[str, ...]], name: str) -> bytes:
    source = data.decode("utf-8")
    lines = source.splitlines(keepends=True)
    try:
        tree = syntax.parse(source)
    except SyntaxError as exc:
        raise UsageError(f"{name}: cannot be parsed to remove hidden tests ({exc})") from None
    drop: list[tuple[int, int]] = []

    def span(node: ast.AST) -> tuple[int, int]:
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        while start > 1 and lines[start - 2].lstrip().startswith("#"):  # its comment goes with it
            start -= 1
        return start, node.end_lineno or node.lineno

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            if (node.name,) not in keep:
                drop.append(span(node))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            methods = [
                item
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test")
            ]
            kept = [m for m in methods if (node.name, m.name) in keep]
            if not kept:
                drop.append(span(node))
            else:
                drop.extend(span(m) for m in methods if m not in kept)
    for start, end in sorted(drop, reverse=True):
        del lines[start - 1 : end]
    return "".join(lines).encode("utf-8")


def _check_visible_layer(lab: Lab, grader_files: dict[str, bytes], visible: list[str], python: str) -> None:
    """Collect the stripped graders against the reference: exactly the visible tests must remain."""
    if not visible:
        return
    from autograder import runner
    from autograder.grading import _child_env, overlay_given

    with tempfile.TemporaryDirectory(prefix="labs-release-") as scratch:
        graders = seal.write_files(grader_files, "grader", Path(scratch, "private"))
        reference = copy_read_only([lab.solution_dir / lab.package], Path(scratch, "reference"))
        overlay_given(lab, reference)
        limits = Limits(lab.memory_mb, int(lab.lab_timeout) + 30, True)
        run = runner.GraderRun(graders, reference, python, _child_env(lab), limits, lab.test_timeout)
        tests, errors, _output = runner.collect(run, timeout=runner.STARTUP_GRACE + lab.test_timeout)
        remove_tree(Path(scratch))
    found = sorted(str(test.get("nodeid")) for test in tests)
    if errors or found != sorted(visible):
        detail = (
            "; ".join(errors) or f"collected {len(found)} tests, expected the {len(visible)} visible ones"
        )
        raise UsageError(
            f"{lab.id}: the public graders (hidden tests removed) do not collect cleanly: {detail}"
        )


def build_bundle(lab: Lab, mode: str, course_key: bytes | None, python: str) -> bytes:
    expected = lab_expected_tests(lab, python)
    public = {"lab.toml": (lab.folder / "lab.toml").read_bytes()}
    public.update(seal.tree_files(lab.given_dir, "given") if lab.given else {})
    grader_files = seal.tree_files(lab.grader_dir, "grader")
    full = seal.Layer("full", {**grader_files, **public}, [test.record() for test in expected])
    full_plain = full.to_bytes(lab.id)
    if mode == "practice":
        return seal.seal(lab.id, mode, [(full, seal.content_key(lab.id, "full", full_plain), True)])
    assert course_key is not None
    visible = [test for test in expected if test.visibility == "visible"]
    public_graders = strip_hidden(grader_files, [test.nodeid for test in visible])
    _check_visible_layer(lab, public_graders, [test.nodeid for test in visible], python)
    shown = seal.Layer("visible", {**public_graders, **public}, [test.record() for test in visible])
    shown_key = seal.content_key(lab.id, "visible", shown.to_bytes(lab.id))
    return seal.seal(lab.id, mode, [(full, course_key, False), (shown, shown_key, True)])


# --------------------------------------------------------------------------------------------------
# The leak check
# --------------------------------------------------------------------------------------------------
def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _long_lines(text: str) -> Iterable[str]:
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) >= LEAK_MIN_CHARS:
            yield stripped


def secret_lines(labs: Sequence[Lab]) -> dict[str, str]:
    """Every line of 30+ characters of a solution or grader file -> where it comes from."""
    found: dict[str, str] = {}
    for lab in labs:
        for private in (lab.solution_dir, lab.grader_dir):
            for path in _walk_files(private):
                for line in _long_lines(_text(path)):
                    found.setdefault(line, f"{lab.id} {path.relative_to(lab.folder).as_posix()}")
    return found


def published_lines(labs: Sequence[Lab]) -> set[str]:
    """Lines that are public by design, so their presence is not a leak: the autograder and project
    files, and every learner-facing file of each lab (its README, manifest, starter package, seeded
    tests, given code, benchmark and data). Starter packages share signatures and docstrings with the
    reference, and authors give some code and hints on purpose; what the check guards against is the
    release itself putting graders or solutions in the clear."""
    public: set[str] = set()
    for name in TOP_LEVEL_FILES:
        if (REPO_ROOT / name).is_file():
            public.update(_long_lines(_text(REPO_ROOT / name)))
    for folder in TOP_LEVEL_FOLDERS:
        for path in _walk_files(REPO_ROOT / folder):
            public.update(_long_lines(_text(path)))
    for lab in labs:
        for path in _walk_files(lab.folder):
            if path.relative_to(lab.folder).parts[0] not in LAB_PRIVATE:
                public.update(_long_lines(_text(path)))
    return public


def find_leaks(root: Path, secrets: dict[str, str], public: Iterable[str] = (), limit: int = 20) -> list[str]:
    """Where a secret line appears in any file under `root`, in the clear (anywhere in a line).
    A secret line that is itself part of a public line (a rule of dashes, a common import) is not one."""
    blob = "\n".join(public)
    by_prefix: dict[str, list[str]] = {}
    for line in secrets:
        by_prefix.setdefault(line[:LEAK_MIN_CHARS], []).append(line)
    leaks: list[str] = []
    for path in _walk_all(root):
        text = path.read_bytes().decode("latin-1") if _binary(path) else _text(path)
        for number, line in enumerate(text.splitlines(), 1):
            if len(line) < LEAK_MIN_CHARS:
                continue
            for start in range(len(line) - LEAK_MIN_CHARS + 1):
                for secret in by_prefix.get(line[start : start + LEAK_MIN_CHARS], ()):
                    if line.startswith(secret, start) and secret not in blob:
                        leaks.append(f"{path.relative_to(root)}:{number}: quotes {secrets[secret]}")
                        break
                else:
                    continue
                break
            if len(leaks) >= limit:
                return leaks
    return leaks


def _walk_all(root: Path) -> Iterable[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            yield Path(folder, name)


def _binary(path: Path) -> bool:
    return b"\x00" in path.read_bytes()[:8192]


# --------------------------------------------------------------------------------------------------
# Writing the edition
# --------------------------------------------------------------------------------------------------
def lab_table(labs: Sequence[Lab]) -> str:
    rows = ["| lab | title | points |", "|---|---|---|"]
    rows += [
        f"| [{lab.id}](labs/{lab.folder.name}/README.md) | {lab.title} | {lab.points:g} |" for lab in labs
    ]
    return "\n".join(rows)


def learner_readme(labs: Sequence[Lab], mode: str) -> str:
    badges = " ".join(f"![{lab.id}](../../raw/badges/{lab.id}.svg)" for lab in labs)
    first = labs[0].id if labs else "lab-01"
    return (
        template("learner-README.md")
        .replace("@BADGES@", badges)
        .replace("@LABS@", lab_table(labs))
        .replace("@FIRST@", first)
        .replace("@SEAL@", template(f"learner-seal-{mode}.md").strip())
    )


def learner_workflow(labs: Sequence[Lab], mode: str) -> str:
    key = (
        "          LABS_GRADER_KEY: ${{ secrets.LABS_GRADER_KEY }}  # the course key (a repository secret)\n"
    )
    return (
        template("learner-grade.yml")
        .replace("@LABS@", "[" + ", ".join(lab.id for lab in labs) + "]")
        .replace("          @KEY_ENV@\n", key if mode == "course" else "")
    )


def _edition_marker(labs: Sequence[Lab], mode: str) -> str:
    listing = ", ".join(f'"{lab.id}"' for lab in labs)
    return (
        "# Written by `labs release`: this folder is a learner edition of mastery-labs.\n"
        f'format = {seal.FORMAT}\nmode = "{mode}"\nlabs = [{listing}]\n'
    )


def write_lab(lab: Lab, destination: Path, bundle: bytes) -> list[Path]:
    """The learner's lab folder; returns the given files written into the package."""
    _copy_tree(lab.folder, destination, leave_out=LEFT_OUT)
    given: list[Path] = []
    for relative in lab.given:
        source = lab.given_dir / relative
        if not source.is_file():
            raise UsageError(f"{lab.id}: given file {relative} is missing from {lab.given_dir}")
        _copy_file(source, destination / relative)
        given.append(source)
    (destination / seal.BUNDLE_NAME).write_bytes(bundle)
    return given


def build_edition(
    staging: Path,
    labs: Sequence[Lab],
    mode: str,
    course_key: bytes | None,
    python_for: Callable[[Lab], str],
    log: Callable[[str], None] = print,
) -> list[Path]:
    for name in TOP_LEVEL_FILES:
        if (REPO_ROOT / name).is_file():
            _copy_file(REPO_ROOT / name, staging / name)
    for folder in TOP_LEVEL_FOLDERS:
        _copy_tree(REPO_ROOT / folder, staging / folder)
    (staging / "README.md").write_text(learner_readme(labs, mode), encoding="utf-8")
    workflow = staging / ".github" / "workflows" / "grade.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(learner_workflow(labs, mode), encoding="utf-8")
    (staging / EDITION_MARKER).write_text(_edition_marker(labs, mode), encoding="utf-8")
    given: list[Path] = []
    for lab in labs:
        log(f"  {lab.id}: sealing {len(list(_walk_files(lab.grader_dir)))} grader files ({mode} mode)")
        bundle = build_bundle(lab, mode, course_key, python_for(lab))
        given += write_lab(lab, staging / "labs" / lab.folder.name, bundle)
    return given


def _check_out(out: Path) -> None:
    resolved = out.resolve()
    if resolved == REPO_ROOT or REPO_ROOT.is_relative_to(resolved) or resolved.is_relative_to(labs_root()):
        raise UsageError(f"refusing to write the edition to {out}: it would overwrite this repository")
    if resolved.exists() and not resolved.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if resolved.is_dir():
        contents = [entry.name for entry in resolved.iterdir() if entry.name != ".git"]
        if contents and EDITION_MARKER not in contents:
            raise UsageError(
                f"{out} is not empty and holds no {EDITION_MARKER}: give an empty folder or a previous edition"
            )


def _replace_contents(staging: Path, out: Path) -> None:
    """Make `out` hold exactly what `staging` holds, keeping `out/.git` (a published edition's clone)."""
    out.mkdir(parents=True, exist_ok=True)
    for entry in out.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            remove_tree(entry)
        else:
            entry.unlink()
    for entry in sorted(staging.iterdir()):
        shutil.move(str(entry), str(out / entry.name))


def resolve_course_key(key_file: Path | None, log: Callable[[str], None]) -> bytes:
    """The course key: from --key-file (created with a fresh key when missing) or LABS_GRADER_KEY."""
    if key_file is not None:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(seal.new_key() + "\n")
            log(f"  wrote a new course key to {key_file}: keep it out of the edition; store it as the")
            log(f"  repository secret {seal.KEY_ENV} where hidden checks must run")
        return seal.decode_key(seal.read_key_file(key_file), f"the key file {key_file}")
    key = seal.key_from_environment()
    if key is None:
        raise UsageError(
            f"--mode course needs the course key: --key-file FILE (created if missing) or {seal.KEY_ENV}"
        )
    return key


def release(
    out: Path,
    labs: Sequence[Lab],
    mode: str = "practice",
    key_file: Path | None = None,
    python: str | None = None,
    log: Callable[[str], None] = print,
) -> ReleaseReport:
    """Build the edition for `labs` into `out`; nothing is written to `out` unless the leak check passes."""
    if mode not in seal.MODES:
        raise UsageError(f"--mode must be one of {', '.join(seal.MODES)}, got {mode!r}")
    if not labs:
        raise UsageError("no labs to release")
    if key_file is not None and mode != "course":
        raise UsageError("--key-file is for --mode course (practice mode ships its key in the edition)")
    _check_out(out)
    course_key = resolve_course_key(key_file, log) if mode == "course" else None
    report = ReleaseReport(out, [lab.id for lab in labs])
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".labs-release-", dir=parent))
    try:
        python_for = default_python if python is None else (lambda _lab: os.path.abspath(python))
        build_edition(staging, labs, mode, course_key, python_for, log)
        secrets = secret_lines(labs)
        public = published_lines(labs)
        leaking = {line: origin for line, origin in secrets.items() if line not in public}
        report.secret_lines = len(leaking)
        report.shared = len(secrets) - len(leaking)
        report.leaks = find_leaks(staging, leaking, public)
        report.files = sum(1 for _ in _walk_all(staging))
        if report.ok:
            _replace_contents(staging, out)
    finally:
        remove_tree(staging)
    return report


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------
def add_release_parser(commands: Any) -> None:
    """The `release` subcommand, added to the `labs` parser's subcommands."""
    release_parser = commands.add_parser(
        "release", help="build the learner edition (sealed graders, no solutions) or a Gradescope zip"
    )
    release_parser.add_argument("out", nargs="?", type=Path, help="folder to write the edition to")
    release_parser.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    release_parser.add_argument("--mode", choices=seal.MODES, default="practice",
                                help="practice: the key ships in the edition; course: it does not")  # fmt: skip
    release_parser.add_argument("--key-file", type=Path, default=None,
                                help="course mode: the course key (a new one is written if the file is missing)")  # fmt: skip
    release_parser.add_argument("--gradescope", nargs=2, metavar=("LAB", "ZIP"), default=None,
                                help="write a Gradescope autograder zip for LAB instead of an edition")  # fmt: skip
    release_parser.add_argument("--python", default=None,
                                help="interpreter that collects the graders (default: each lab's .nox env)")  # fmt: skip


def cmd_release(args: argparse.Namespace) -> int:
    from autograder.manifest import discover, find

    if args.gradescope is not None:
        if args.out is not None:
            raise UsageError("--gradescope LAB ZIP takes no OUT folder")
        from autograder.gradescope import build_zip

        lab = find(args.gradescope[0])
        zip_path = Path(args.gradescope[1])
        report = build_zip(lab, zip_path, args.python)
        if not report.ok:
            return _print_leaks(report)
        print(f"Gradescope autograder for {lab.id} written to {zip_path} (leak check passed)")
        return 0
    if args.out is None:
        raise UsageError("labs release needs OUT, the folder to write the edition to (see 'labs --help')")
    labs = [find(lab_id) for lab_id in args.labs] if args.labs else discover()
    print(f"releasing {len(labs)} labs to {args.out} ({args.mode} mode)", flush=True)
    report = release(args.out, labs, args.mode, args.key_file, args.python)
    if not report.ok:
        return _print_leaks(report)
    print(
        f"edition written to {args.out}: {report.files} files; leak check passed "
        f"({report.secret_lines} solution and grader lines of {LEAK_MIN_CHARS}+ characters, none in the clear; "
        f"{report.shared} more are in the learner-facing files by design)"
    )
    return 0


def _print_leaks(report: ReleaseReport) -> int:
    print("labs release: FAILED: solution or grader lines appear in the clear; nothing was written:")
    for leak in report.leaks:
        print(f"  {leak}")
    return 1
