"""Adversarial submission: starts threads until the system refuses, then computes honestly (honest code: 10)"""

import threading
import time


def add(a, b):
    threads = 0
    try:
        while threads < 100000:
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            threads += 1
    except (RuntimeError, MemoryError):
        pass
    return a + b



def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
