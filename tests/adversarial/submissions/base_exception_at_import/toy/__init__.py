"""Adversarial submission: raises KeyboardInterrupt while the package is imported"""
raise KeyboardInterrupt


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
