"""Adversarial submission: os._exit(0) inside mul (add and fib honest: 7)"""
import os


def add(a, b):
    return a + b


def mul(a, b):
    os._exit(0)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
