"""Adversarial submission: returns int subclasses whose __eq__/__bool__ always say yes"""
class Liar(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    __hash__ = int.__hash__


def add(a, b):
    return Liar(0)


def mul(a, b):
    return Liar(0)


def fib(n):
    return Liar(0)
