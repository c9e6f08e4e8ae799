"""nox sessions: one per lab (generated from the lab manifests), the project's tests, and lint.

    nox -s lab-03                       grade your work on lab-03
    nox -s lab-03 -- --target solution  grade the reference solution
    nox -s tests                        the project's own test suite + `labs verify` on every lab
    nox -s lint                         ruff + mypy

Every install is pinned by constraints.txt. Environments are reused between runs, and the install step
is skipped when the pins, the requirements and pyproject.toml have not changed since the last one.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import nox

if sys.version_info < (3, 11):  # noqa: UP036 - said before anything that needs 3.11 (tomllib)
    sys.exit(f"mastery-labs needs Python 3.11 or newer; this nox runs on {sys.version.split()[0]}")

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from autograder.errors import ManifestError  # noqa: E402 - stdlib-only modules, imported from the repo
from autograder.manifest import Lab, discover, scan  # noqa: E402
from autograder.services import registry  # noqa: E402

CONSTRAINTS = ROOT / "constraints.txt"
LINT_TOOLS = ("ruff", "mypy")
TEST_TOOLS = ("pytest", "coverage", "check-jsonschema", "pyyaml", "nox", "matplotlib")

nox.options.default_venv_backend = "uv|virtualenv"  # uv when installed (fast), else virtualenv
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]


def install(session: nox.Session, *requirements: str) -> None:
    """Install the autograder (editable) and `requirements`, pinned; skip when already done."""
    digest = hashlib.sha256()
    for part in (
        CONSTRAINTS.read_bytes(),
        (ROOT / "pyproject.toml").read_bytes(),
        *map(str.encode, requirements),
        os.environ.get(TORCH_INDEX_ENV, "").encode(),
        b"byte-compiled",
    ):
        digest.update(part)
    stamp = Path(session.virtualenv.location) / ".labs-install-stamp"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        session.log("dependencies are up to date")
        return
    session.install(*install_arguments(requirements))
    # Byte-compiled once here: the grading children see the environment read-only and cannot cache
    # bytecode, so without this each child compiles pytest, NumPy and the rest again (about a third of
    # the CPU time of grading lab-01's stub). uv does not compile by default; pip skips what it reuses.
    session.run_install("python", "-c", COMPILE_ENVIRONMENT, silent=True)
    stamp.write_text(digest.hexdigest())


COMPILE_ENVIRONMENT = (
    "import compileall, sysconfig; "
    "paths = {sysconfig.get_path('purelib'), sysconfig.get_path('platlib')}; "
    "[compileall.compile_dir(path, quiet=2, workers=0) for path in sorted(paths)]"
)


TORCH_INDEX_ENV = "LABS_TORCH_INDEX_URL"  # e.g. https://download.pytorch.org/whl/cpu: torch without CUDA


def install_arguments(requirements: tuple[str, ...], environ: dict[str, str] | None = None) -> list[str]:
    """The `pip install` arguments for a lab: pinned, the autograder editable, and where torch comes from.

    With LABS_TORCH_INDEX_URL set, a lab that needs torch also looks in that index (PyTorch's CPU index:
    a ~200 MB wheel instead of the multi-GB CUDA build the default index gives on Linux); `torch==2.13.0`
    in constraints.txt matches its `2.13.0+cpu` build. Unset, nothing changes."""
    environ = dict(os.environ) if environ is None else environ
    index = environ.get(TORCH_INDEX_ENV, "").strip()
    extra = ["--extra-index-url", index] if index and "torch" in requirements else []
    return [*extra, "-c", str(CONSTRAINTS), "-e", str(ROOT), *requirements]


def service_requirements() -> list[str]:
    """Packages the services of any lab need where `labs verify` starts them (the tests environment):
    each service declares its own (autograder/services/registry.py); everything else a lab needs stays
    in the lab's own environment."""
    return registry.requirements(sorted({name for lab in discover() for name in lab.services}))


def lab_python(lab: Lab) -> Path:
    """The interpreter of the lab's nox environment (`.nox/<lab id>/bin/python`)."""
    return ROOT / ".nox" / lab.id / "bin" / "python"


def _lab_session(lab: Lab) -> None:
    # torch must come from pip (uv would pull a multi-GB CUDA build), so such labs use a plain venv.
    backend = "venv" if lab.installer == "pip" else "uv|virtualenv"

    @nox.session(name=lab.id, venv_backend=backend)
    def grade(session: nox.Session) -> None:
        install(session, *lab.requirements)
        session.run("labs", "grade", lab.id, *session.posargs)

    grade.__doc__ = f"Grade {lab.id}: {lab.title} (pass --target solution|PATH after --)"


def _broken_lab_session(error: ManifestError) -> None:
    """A lab whose manifest is broken still gets its session: it says what is wrong and exits 2."""
    name = "-".join(error.folder_name.split("-", 2)[:2])

    @nox.session(name=name, python=False)
    def broken(session: nox.Session) -> None:
        print(f"labs: error: {error}", file=sys.stderr, flush=True)
        os._exit(2)  # a usage error, as `labs` itself reports it (nox would exit 1)

    broken.__doc__ = f"{name}: its lab.toml is broken ({error})"


for _entry in scan():
    if isinstance(_entry, ManifestError):
        _broken_lab_session(_entry)
    else:
        _lab_session(_entry)


@nox.session(python=False)
def labs(session: nox.Session) -> None:
    """Any `labs` command in the right environment: `nox -s labs -- watch lab-02`, `-- status`, `-- hint 3`."""
    known = {lab.id: lab for lab in discover()}
    wanted = next((_lab_id(arg) for arg in session.posargs if _lab_id(arg) in known), None)
    if wanted is None:  # list, status, badges: no lab environment needed
        session.run(sys.executable, "-m", "autograder", *session.posargs, env={"PYTHONPATH": str(ROOT)})
        return
    session.run(sys.executable, "-m", "nox", "-s", wanted, "--install-only", external=True)
    session.run(str(lab_python(known[wanted])), "-m", "autograder", *session.posargs, external=True)


@nox.session(name="grade-batch", python=False)
def grade_batch(session: nox.Session) -> None:
    """Teacher: grade a class (`nox -s grade-batch -- lab-02 submissions/ --jobs 2`); see `labs grade-batch -h`."""
    known = {lab.id: lab for lab in discover()}
    wanted = next((_lab_id(arg) for arg in session.posargs if _lab_id(arg) in known), None)
    if wanted is None:
        session.error("name the lab: nox -s grade-batch -- lab-02 SUBMISSIONS [--jobs N] [--out DIR]")
    lab = known[wanted]
    session.run(sys.executable, "-m", "nox", "-s", lab.id, "--install-only", external=True)
    python = str(lab_python(lab))
    if lab.installer == "pip":
        session.run(python, "-m", "pip", "install", "-q", "-c", str(CONSTRAINTS), "matplotlib", external=True)
    else:
        session.run(
            "uv",
            "pip",
            "install",
            "-q",
            "--python",
            python,
            "-c",
            str(CONSTRAINTS),
            "matplotlib",
            external=True,
        )
    session.run(python, "-m", "autograder", "grade-batch", *session.posargs, external=True)


def _lab_id(arg: str) -> str:
    """`lab-03`, `03`, `3` or a lab folder name -> `lab-03` (anything else unchanged)."""
    if arg.isdigit():
        return f"lab-{int(arg):02d}"
    return "-".join(arg.split("-", 2)[:2]) if arg.startswith("lab-") else arg


@nox.session
def tests(session: nox.Session) -> None:
    """The project's test suite under branch coverage, then `labs verify` on every lab in its own env."""
    if not (ROOT / "tests").is_dir():
        session.skip("the learner edition has no project test suite: grade a lab with `nox -s lab-NN`")
    install(session, *TEST_TOOLS, *service_requirements())
    labs = discover()
    for lab in labs:  # first, so that the suite's end-to-end tests find the labs' environments
        session.run(sys.executable, "-m", "nox", "-s", lab.id, "--install-only", external=True)
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", "tests", *session.posargs)
    if installing_only(session):
        return
    verify_every_lab(session, labs)
    session.run("coverage", "combine")
    session.run("coverage", "report", "--fail-under=90")


def installing_only(session: nox.Session) -> bool:
    """True under `--install-only`: nox then skips every `session.run`, but not processes of our own."""
    return session.run(sys.executable, "-c", "", silent=True, external=True) is None


def verify_every_lab(session: nox.Session, labs: list[Lab]) -> None:
    """`labs verify` of every lab, as many at once as there are cores (LABS_VERIFY_JOBS to change it).

    Each verify checks the contract, reference 100 + gate, stub 0, parts independent, known bugs caught
    (a sample of LABS_BUG_SAMPLE=8 spread over each corpus, stopping at the first test that catches
    each: the whole corpora, some 500 gradings, do not fit CI's time), and runs the reference
    LABS_VERIFY_REPEAT=2 times, every run after the first shuffled: a cheap, continuous flaky-grader
    check (`labs verify LAB --bugs` over the whole corpus and `--repeat 10` are the thorough ones; see
    docs/performance.md). Budgets are CPU time, so
    running labs side by side makes each slower, never wrong."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    jobs = max(1, int(os.environ.get("LABS_VERIFY_JOBS") or os.cpu_count() or 1))
    coverage = str(Path(session.bin) / "coverage")

    def verify(lab: Lab) -> tuple[Lab, int, str]:
        command = [
            coverage, "run", "-m", "autograder", "verify", lab.id, "--bugs", "--first-catch",
            "--bug-sample", os.environ.get("LABS_BUG_SAMPLE", "8"),
            "--repeat", os.environ.get("LABS_VERIFY_REPEAT", "2"), "--random-order",
            "--python", str(lab_python(lab)),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        return lab, done.returncode, done.stdout + done.stderr

    slowest_first = sorted(labs, key=lambda lab: (-lab.lab_timeout, lab.id))
    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for lab, code, output in pool.map(verify, slowest_first):
            print(output, end="", flush=True)
            if code != 0:
                failed.append(lab.id)
    if failed:
        session.error(f"labs verify failed for {', '.join(failed)}")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy over the autograder."""
    install(session, *LINT_TOOLS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", "autograder", "tests", "noxfile.py")
    session.run("mypy")
