"""Adversarial submission: builds the oracle's name at run time and imports it with importlib, __import__ and builtins (add and mul honest: 5)"""

import builtins
import importlib


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    name = "toy_" + "or" + "acle"
    for load in (importlib.import_module, builtins.__import__, __import__):
        try:
            return load(name).fib(n)
        except ImportError:
            continue
    return -1
