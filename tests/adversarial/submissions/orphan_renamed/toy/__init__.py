"""Adversarial submission: forks a child that renames itself, leaves the process group and keeps writing to /tmp (honest code: 10)"""

import ctypes
import os
import time

if os.fork() == 0:
    os.setpgid(0, 0)
    ctypes.CDLL(None).prctl(15, b"kworker/0:1", 0, 0, 0)
    while True:
        with open("/tmp/still-here", "a") as handle:
            handle.write("x")
        time.sleep(0.5)


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
