"""Adversarial submission: mul prints to stdout without end (7)"""
import os


def add(a, b):
    return a + b


def mul(a, b):
    line = b"PASSED test_mul " * 4096
    while True:
        os.write(1, line)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
