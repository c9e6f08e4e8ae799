"""Adversarial submission: fib never returns (add and mul honest: 5)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    while True:
        pass
