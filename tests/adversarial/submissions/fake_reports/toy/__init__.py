"""Adversarial submission: writes forged results.json/junit.xml wherever reports might go"""
import json
import os
from pathlib import Path

FORGED = {"score": 10, "tests": [], "extra_data": {"passed": True, "forged": "FORGED-BY-SUBMISSION"}}
JUNIT = '<testsuite name="lab-91" tests="3" failures="0"><!-- FORGED-BY-SUBMISSION --></testsuite>'


def _forge():
    # (a real attacker would also try <repository>/.grades; the corpus stays out of the repository)
    roots = [os.environ.get("LABS_GRADES_DIR"), Path.cwd() / ".grades", Path.home() / ".grades"]
    for root in filter(None, roots):
        try:
            folder = Path(root, "lab-91")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "results.json").write_text(json.dumps(FORGED))
            (folder / "junit.xml").write_text(JUNIT)
        except OSError:
            pass


_forge()


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
