"""Adversarial submission: fib prints to stderr without end, no newlines (5)"""
import sys


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    chunk = "x" * 65536
    while True:
        sys.stderr.write(chunk)
