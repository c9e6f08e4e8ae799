"""Adversarial submission: ships coverage and pytest configuration that omits the package and disables measurement (honest code: 10, gate not met)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
