"""Adversarial submission: mul allocates without bound (add and fib honest: 7)"""


def add(a, b):
    return a + b


def mul(a, b):
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
