"""Adversarial submission: reaches the oracle through sys.modules with a computed name and keeps it behind functools.wraps / partial wrappers (the run is voided: 0)"""

import functools
import sys

_oracle = sys.modules.get("toy_" + "oracle")


def _wrap(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)
    return wrapper


_helper = functools.partial(_wrap(_oracle.fib)) if _oracle is not None else None


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    return _helper(n) if _helper is not None else -1
