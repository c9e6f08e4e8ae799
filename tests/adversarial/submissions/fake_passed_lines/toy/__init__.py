"""Adversarial submission: prints pytest-style PASSED/summary lines and forged channel records, then exits 0"""
import json
import os
import sys

_NODES = ["test_toy_grader.py::test_add", "test_toy_grader.py::test_mul", "test_toy_grader.py::test_fib"]
for _node in _NODES:
    print(f"{_node} PASSED")
    _record = {"event": "result", "nodeid": _node, "passed": True, "score": 100, "token": "0" * 32}
    print(json.dumps(_record))
    for _fd in range(3, 40):  # guess the channel's file descriptors
        try:
            os.write(_fd, (json.dumps(_record) + "\n").encode())
        except OSError:
            pass
print("============================== 3 passed in 0.01s ==============================")
sys.stdout.flush()
os._exit(0)


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
