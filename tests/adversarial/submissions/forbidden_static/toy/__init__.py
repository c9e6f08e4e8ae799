"""Adversarial submission: imports the graders' oracle module by name (a forbidden import: every test 0, one message naming the file and line)"""

from toy_oracle import fib  # noqa: F401


def add(a, b):
    return a + b


def mul(a, b):
    return a * b
