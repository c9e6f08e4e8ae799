"""`labs reset LAB`: put the starter stub and seeded tests back, after keeping a timestamped backup.

The starter comes from git: by default the repository's first commit when it holds the lab (a repository
made from the learner edition's template starts with the starter), else HEAD; `--from REV` picks another
revision (for example the upstream edition you merged). Nothing is deleted before the backup is written.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from autograder.errors import UsageError
from autograder.manifest import Lab


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"labs reset needs git to find the starter files: {exc}") from None


def _relative(lab: Lab) -> tuple[Path, str]:
    top = _git(lab.folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(f"{lab.folder} is not inside a git repository: the starter files cannot be found")
    root = Path(top.stdout.decode().strip())
    return root, str(lab.folder.resolve().relative_to(root.resolve()))


def default_revision(lab: Lab) -> str:
    root, relative = _relative(lab)
    first = _git(root, "rev-list", "--max-parents=0", "HEAD").stdout.decode().split()
    for revision in first:
        if _git(root, "cat-file", "-e", f"{revision}:{relative}/lab.toml").returncode == 0:
            return revision
    return "HEAD"


def starter_files(lab: Lab, revision: str) -> dict[str, bytes]:
    """`{path relative to the lab folder: bytes}` of the package and tests/ at `revision`."""
    root, relative = _relative(lab)
    listing = _git(
        root,
        "ls-tree",
        "-r",
        "--name-only",
        "-z",
        revision,
        "--",
        f"{relative}/{lab.package}",
        f"{relative}/tests",
    )
    if listing.returncode != 0:
        raise UsageError(
            f"revision {revision!r} not found: {listing.stderr.decode(errors='replace').strip()}"
        )
    files: dict[str, bytes] = {}
    for name in filter(None, listing.stdout.decode().split("\0")):
        blob = _git(root, "show", f"{revision}:{name}")
        if blob.returncode == 0:
            files[name[len(relative) + 1 :]] = blob.stdout
    if not any(name.startswith(f"{lab.package}/") for name in files):
        raise UsageError(f"revision {revision} has no starter package {lab.package}/ for {lab.id}")
    return files


def backup(lab: Lab, grades: Path) -> Path:
    """Copy the learner's package and tests to `.grades/backups/<lab>-<timestamp>/`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = grades / "backups" / f"{lab.id}-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = grades / "backups" / f"{lab.id}-{stamp}-{suffix}"
    folder.mkdir(parents=True)
    for name in (lab.package, "tests"):
        source = lab.folder / name
        if source.is_dir():
            shutil.copytree(source, folder / name, symlinks=True)
    return folder


def reset(lab: Lab, grades: Path, revision: str) -> Path:
    """Back up, then replace the package and tests/ with the starter; returns the backup folder."""
    files = starter_files(lab, revision)
    saved = backup(lab, grades)
    for name in (lab.package, "tests"):
        target = lab.folder / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
    for relative, data in files.items():
        path = lab.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return saved
