"""Adversarial submission: swaps the reporter's channel for a lookalike that reports every test as passed (computes nothing: 0)"""

def _objects(kind):
    import gc
    return [obj for obj in gc.get_objects() if type(obj).__name__ == kind]


def _forge():
    for reporter in _objects("_Reporter"):
        real = reporter.channel

        class Liar(type(real)):
            def send(self, **record):
                if record.get("event") == "result":
                    record.update(passed=True, score=5, feedback="")
                real.send(**record)

        liar = Liar.__new__(Liar)
        liar.__dict__.update(real.__dict__)
        reporter.channel = liar


_forge()


def add(a, b):
    raise NotImplementedError


mul = fib = add
