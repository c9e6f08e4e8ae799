"""Adversarial submission: conftest.py in tests/ and in the package, pytest.ini, forcing every report to pass"""


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
