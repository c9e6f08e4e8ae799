"""Adversarial submission: its tests put FIFOs where the gate's coverage data and junit.xml go, then exit, so that a parent opening them would block forever (honest code: 10)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
