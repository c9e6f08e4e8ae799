"""Adversarial submission: at import, patches pytest's CallInfo.from_call and Function.runtest to swallow failures"""
from _pytest import python as _python
from _pytest import runner as _runner

_original = _runner.CallInfo.from_call.__func__


def _swallow(cls, func, when, reraise=None):
    def quiet():
        try:
            return func()
        except BaseException:
            return None
    return _original(cls, quiet, when, reraise)


_runner.CallInfo.from_call = classmethod(_swallow)
_python.Function.runtest = lambda self: None


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
