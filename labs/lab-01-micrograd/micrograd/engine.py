"""A scalar `Value` that records the operations applied to it and back-propagates gradients.

Starter stub: implement every method that raises NotImplementedError. The lab README explains each
part (Part A: operators, Part B: unary functions, Part C: backward).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

Number = Union[int, float]
Operand = Union["Value", int, float]


class Value:
    """A scalar in a computation graph.

    `data` is the value, `grad` the derivative of the last `backward()` output with respect to it.
    Every operation returns a new Value that remembers its inputs (`_prev`) and a `_backward` closure
    applying the chain rule for that operation: it must *add* (`+=`) its contribution to each input's
    grad, because an input used twice receives a contribution from each use.
    """

    __slots__ = ("_backward", "_op", "_prev", "data", "grad")

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward: Callable[[], None] = lambda: None

    # -- Part A: operators ---------------------------------------------------------------------------
    def __add__(self, other: Operand) -> Value:
        """self + other, where other is a Value, int or float."""
        raise NotImplementedError("Value.__add__ (README Part A)")

    def __mul__(self, other: Operand) -> Value:
        """self * other, where other is a Value, int or float."""
        raise NotImplementedError("Value.__mul__ (README Part A)")

    def __pow__(self, exponent: Number) -> Value:
        """self ** exponent for an int/float exponent; any other exponent type raises TypeError."""
        raise NotImplementedError("Value.__pow__ (README Part A)")

    def __neg__(self) -> Value:
        """-self."""
        raise NotImplementedError("Value.__neg__ (README Part A)")

    def __sub__(self, other: Operand) -> Value:
        """self - other."""
        raise NotImplementedError("Value.__sub__ (README Part A)")

    def __truediv__(self, other: Operand) -> Value:
        """self / other."""
        raise NotImplementedError("Value.__truediv__ (README Part A)")

    def __radd__(self, other: Number) -> Value:
        """other + self, for a plain number on the left (2 + v)."""
        raise NotImplementedError("Value.__radd__ (README Part A)")

    def __rmul__(self, other: Number) -> Value:
        """other * self (2 * v)."""
        raise NotImplementedError("Value.__rmul__ (README Part A)")

    def __rsub__(self, other: Number) -> Value:
        """other - self (1 - v)."""
        raise NotImplementedError("Value.__rsub__ (README Part A)")

    def __rtruediv__(self, other: Number) -> Value:
        """other / self (3 / v)."""
        raise NotImplementedError("Value.__rtruediv__ (README Part A)")

    # -- Part B: unary functions ---------------------------------------------------------------------
    def relu(self) -> Value:
        """max(0, x); the gradient at exactly 0 is 0, as in PyTorch."""
        raise NotImplementedError("Value.relu (README Part B)")

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        raise NotImplementedError("Value.tanh (README Part B)")

    def exp(self) -> Value:
        """e ** x."""
        raise NotImplementedError("Value.exp (README Part B)")

    def log(self) -> Value:
        """Natural logarithm; ValueError for data <= 0."""
        raise NotImplementedError("Value.log (README Part B)")

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -x), computed without overflow for large |x|."""
        raise NotImplementedError("Value.sigmoid (README Part B)")

    # -- Part C: back-propagation --------------------------------------------------------------------
    def backward(self) -> None:
        """Fill `.grad` of every node this Value depends on with d(self)/d(node).

        Order the graph topologically *without recursion* (a 100,000-node chain must work) and run
        each node's local rule exactly once per call. Gradients of interior nodes are recomputed on
        every call; leaves (inputs and parameters) accumulate across calls, as in PyTorch.
        """
        raise NotImplementedError("Value.backward (README Part C)")

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
