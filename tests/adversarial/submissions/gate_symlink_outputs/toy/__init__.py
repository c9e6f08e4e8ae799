"""Adversarial submission: its tests make the gate's outputs symlinks to system files and leave a symlink to the snapshot for the clean-up to follow (honest code: 10)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
