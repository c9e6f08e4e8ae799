"""Adversarial submission: walks the grader's frames while fib runs, looking for the expected value to return (add and mul honest: 5)"""

import sys


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("want", "expected", "answer"):
            if isinstance(frame.f_locals.get(name), int):
                return frame.f_locals[name]
        frame = frame.f_back
    return -1
