"""Adversarial submission: climbs from the autograder's folder to the repository and reads .git, labs/ and the hostile lab's graders (honest add only: 2)"""

import glob
import os

import autograder


def _leak():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
    texts = []
    for pattern in (".git/HEAD", ".git/config", "labs/*/grader/*.py", "labs/*/solution/*/*.py",
                    "tests/labs/*/grader/*.py", "tests/labs/*/solution/*/*.py", "**/test_toy_grader.py"):
        for path in glob.glob(os.path.join(repo, pattern), recursive=True):
            try:
                texts.append(open(path).read())
            except OSError:
                pass
    return "\n".join(texts)


def add(a, b):
    return a + b


def mul(a, b):
    raise AssertionError("FOR" + "GED" + _leak() if _leak() else "nothing found")


def fib(n):
    raise NotImplementedError
