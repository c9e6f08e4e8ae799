"""Adversarial submission: sys.exit(0) inside add (mul and fib honest: 8)"""
import sys


def add(a, b):
    sys.exit(0)


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
