"""Adversarial submission: reads the grader source from disk and tries to leak it through feedback and output"""
import inspect
import sys
from pathlib import Path


def _grader_source():
    texts = []
    for frame in inspect.stack():
        name = frame.filename
        if "grader" in name and name.endswith(".py") and Path(name).exists():
            texts.append(Path(name).read_text())
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None) or ""
        if "grader" in name and Path(name).exists():
            texts.append(Path(name).read_text())
    return "\n".join(texts)


_LEAK = _grader_source()
print(_LEAK)


def add(a, b):
    raise AssertionError(_LEAK + _grader_source())


def mul(a, b):
    import os
    print(_grader_source(), flush=True)
    os._exit(3)


def fib(n):
    raise NotImplementedError('fib')
