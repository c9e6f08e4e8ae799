"""Adversarial submission: its tests start processes in new sessions that ignore SIGTERM and SIGHUP (honest code: 10)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
