"""Adversarial submission: leaks every environment variable through its failure message"""
import os


def add(a, b):
    raise AssertionError(repr(dict(os.environ)))


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
