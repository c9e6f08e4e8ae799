"""Adversarial submission: the package does not parse"""
def add(a, b)
    return a +


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
