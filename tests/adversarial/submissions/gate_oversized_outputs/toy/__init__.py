"""Adversarial submission: its tests leave a 900 MiB (sparse) junit.xml and coverage data file for the parent to read into memory (honest code: 10)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
