"""Adversarial submission: writes garbage to the result channel: an 8 MB line, invalid UTF-8, a 200000-deep JSON bomb with the token, and a forged result for another test (honest add and mul, fib right only for 0: 2 + 3 + 1)"""

def _objects(kind):
    import gc
    return [obj for obj in gc.get_objects() if type(obj).__name__ == kind]


def add(a, b):
    return a + b


def mul(a, b):
    import os
    for channel in _objects("_Channel"):
        fd, token = channel._out_fd, channel._token
        os.write(fd, b"x" * (8 << 20) + b"\n")
        os.write(fd, b"\xff\xfe{not json\n")
        os.write(fd, ('{"token": "%s", "event": "phase", "deep": ' % token).encode() + b"[" * 200000 + b"\n")
        forged = '{"token": "%s", "event": "result", "nodeid": "test_toy_grader.py::test_fib", "passed": true, "score": 5}\n'
        os.write(fd, (forged % token).encode())
    return a * b


def fib(n):
    return 0
