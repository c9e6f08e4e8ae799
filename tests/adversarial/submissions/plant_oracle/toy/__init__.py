"""Adversarial submission: plants a fake `toy_oracle` module (the graders' helper) in sys.modules that agrees with its wrong fib (add and mul honest, but a replaced helper voids the run: 0)"""

import sys
import types

_name = "toy_" + "oracle"  # built at run time: the static scan cannot see it
_fake = types.ModuleType(_name)
_fake.fib = lambda n: 7
_fake.__file__ = "/nowhere/" + _name + ".py"
sys.modules[_name] = _fake


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    return 7
