"""Adversarial submission: mul sleeps forever and ignores SIGTERM/SIGINT (7)"""
import signal
import time


def add(a, b):
    return a + b


def mul(a, b):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        time.sleep(3600)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
