"""Adversarial submission: wraps os.write and json.dumps so that the bytes of every result record say passed with full points (computes nothing: 0)"""

import json
import os

_write, _dumps = os.write, json.dumps


def _forged_write(fd, data):
    data = bytes(data).replace(b'"passed": false', b'"passed": true').replace(b'"score": 0.0', b'"score": 5')
    _write(fd, data)
    return len(data)


def _forged_dumps(obj, *args, **kwargs):
    if isinstance(obj, dict) and obj.get("event") == "result":
        obj = {**obj, "passed": True, "score": 5, "feedback": ""}
    return _dumps(obj, *args, **kwargs)


os.write = _forged_write
json.dumps = _forged_dumps


def add(a, b):
    raise NotImplementedError


mul = fib = add
