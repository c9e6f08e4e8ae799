"""Adversarial submission: replaces the send method on the reporter's channel object so every result says passed with full points (computes nothing: 0)"""

def _objects(kind):
    import gc
    return [obj for obj in gc.get_objects() if type(obj).__name__ == kind]


def _forge():
    for channel in _objects("_Channel"):
        original = channel.send

        def send(**record):
            if record.get("event") == "result":
                record.update(passed=True, score=5, feedback="")
            original(**record)

        channel.send = send


_forge()


def add(a, b):
    raise NotImplementedError


mul = fib = add
