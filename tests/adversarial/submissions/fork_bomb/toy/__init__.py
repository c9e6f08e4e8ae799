"""Adversarial submission: fib starts a bounded tree of 32 sleeping processes, some in new sessions, then hangs (5)"""
import os
import time


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    for _generation in range(5):  # 2**5 = 32 processes: bounded
        if os.fork() == 0:
            os.setsid()
    time.sleep(3600)
    os._exit(0)
