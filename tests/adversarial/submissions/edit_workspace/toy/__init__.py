"""Adversarial submission: rewrites its own source and tests during grading, honest otherwise (10)"""
import os
from pathlib import Path

for _path in [Path(__file__), *Path(__file__).parent.parent.glob("tests/*.py")]:
    try:
        os.chmod(_path.parent, 0o755)
        os.chmod(_path, 0o644)
        _path.write_text(_path.read_text() + "\n# edited while being graded\n")
        (_path.parent / "dropped.txt").write_text("left behind")
    except OSError:
        pass


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
