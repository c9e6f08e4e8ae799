"""Adversarial submission: its own tests (run by the coverage gate) search the disk for the graders and print them as the gate's output (honest code: 10)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
