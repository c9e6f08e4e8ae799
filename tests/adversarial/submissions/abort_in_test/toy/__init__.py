"""Adversarial submission: os.abort() inside fib (add and mul honest: 5)"""
import os


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    os.abort()
