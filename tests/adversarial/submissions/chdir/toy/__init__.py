"""Adversarial submission: changes the working directory at import and inside every function, honest otherwise (10)"""
import os
os.chdir("/")


def add(a, b):
    os.chdir("/tmp")
    return a + b


def mul(a, b):
    os.chdir(os.path.dirname(__file__))
    return a * b


def fib(n):
    os.chdir("/")
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
