"""Adversarial submission: fib recurses without end with the recursion limit lifted: a C-stack crash (5)"""
import sys


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    sys.setrecursionlimit(10**8)
    return fib(n + 1) + 1
