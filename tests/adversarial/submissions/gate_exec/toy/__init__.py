"""Adversarial submission: builds its untested code from a string with exec(), where coverage cannot see it (honest code: 10, gate flagged)"""


def add(a, b):
    return a + b


exec("def mul(a, b):\n    return a * b\n\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n")
