"""Adversarial submission: inside add (while a test runs) patches pytest and the autograder plugin's helpers"""
import pytest


def add(a, b):
    import autograder.child.plugin as plugin
    from _pytest import runner

    plugin._is_true = lambda ok: True
    plugin.PartialCredit.check = lambda self, ok, feedback: True
    runner.call_and_report = lambda item, when, log=True, **kw: None
    raise AssertionError("add is wrong, but the harness was patched")


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
