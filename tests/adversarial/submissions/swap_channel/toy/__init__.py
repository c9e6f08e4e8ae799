"""Adversarial submission: swaps the reporter's channel for a lookalike that reports every test as passed (computes nothing: 0)"""

import dataclasses


def _objects(kind):
    import gc
    return [obj for obj in gc.get_objects() if type(obj).__name__ == kind]


def _forge():
    for reporter in _objects("_Reporter"):
        real = reporter.channel

        class Liar(type(real)):
            def send(self, event):
                if getattr(event, "kind", None) == "result":
                    event = dataclasses.replace(event, passed=True, score=5.0, feedback="")
                real.send(event)

        liar = Liar.__new__(Liar)
        liar.__dict__.update(real.__dict__)
        reporter.channel = liar


_forge()


def add(a, b):
    raise NotImplementedError


mul = fib = add
