"""Adversarial submission: replaces the send method on the reporter's channel object so every result says passed with full points (computes nothing: 0)"""

import dataclasses


def _objects(kind):
    import gc
    return [obj for obj in gc.get_objects() if type(obj).__name__ == kind]


def _forge():
    for channel in _objects("_Channel"):
        original = channel.send

        def send(event):
            if getattr(event, "kind", None) == "result":
                event = dataclasses.replace(event, passed=True, score=5.0, feedback="")
            original(event)

        channel.send = send


_forge()


def add(a, b):
    raise NotImplementedError


mul = fib = add
