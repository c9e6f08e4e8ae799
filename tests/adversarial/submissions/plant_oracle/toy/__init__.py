"""Adversarial submission: plants a fake `toy_oracle` module (the graders' helper) in sys.modules that agrees with its wrong fib (add and mul honest, but a replaced helper voids the run: 0)"""

import sys
import types

_fake = types.ModuleType("toy_oracle")
_fake.fib = lambda n: 7
_fake.__file__ = "/nowhere/toy_oracle.py"
sys.modules["toy_oracle"] = _fake


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    return 7
