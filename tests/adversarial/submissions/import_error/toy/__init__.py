"""Adversarial submission: the package imports a module that does not exist"""
import numpy_but_misspelled  # noqa


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
