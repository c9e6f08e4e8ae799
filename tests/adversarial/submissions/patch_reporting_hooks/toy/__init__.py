"""Adversarial submission: registers a plugin whose hooks rewrite every report to passed, and clears the reporter's errors"""
import gc

import pytest


class _Liar:
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        report.outcome = "passed"
        report.longrepr = None
        call.excinfo = None
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logfinish(self, nodeid, location):
        for obj in gc.get_objects():
            if type(obj).__name__ == "_Reporter":
                obj.errors.clear()


for _obj in gc.get_objects():
    if isinstance(_obj, pytest.Config):
        _obj.pluginmanager.register(_Liar(), "liar")
        break


def add(a, b):
    raise NotImplementedError('add')


def mul(a, b):
    raise NotImplementedError('mul')


def fib(n):
    raise NotImplementedError('fib')
