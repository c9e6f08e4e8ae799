"""Adversarial submission: sends an endless stream of authentic-looking phase records during mul, hoping each one buys more time (add and fib honest: 7)"""

def _objects(kind):
    import gc
    return [obj for obj in gc.get_objects() if type(obj).__name__ == kind]


def add(a, b):
    return a + b


def mul(a, b):
    import os
    channel = _objects("_Channel")[0]
    record = ('{"token": "%s", "event": "phase", "nodeid": "test_toy_grader.py::test_mul", "when": "setup", "ok": true}\n' % channel._token).encode()
    while True:
        os.write(channel._out_fd, record)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
