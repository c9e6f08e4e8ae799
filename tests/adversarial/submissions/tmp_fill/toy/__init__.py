"""Adversarial submission: fills /tmp until the disk is full, then computes honestly (honest code: 10; the size-limited private /tmp stops it)"""

import os


def _fill(folder):
    """Write into `folder` until the file system says no."""
    chunk = b"\0" * (1 << 20)
    try:
        with open(os.path.join(folder, "fill"), "wb") as handle:
            for _ in range(4096):
                handle.write(chunk)
    except OSError:
        return True
    return False


def add(a, b):
    _fill("/tmp")
    return a + b



def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
