"""A scalar `Value` that records the operations applied to it and back-propagates gradients."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Union

Number = Union[int, float]
Operand = Union["Value", int, float]


class Value:
    """A scalar in a computation graph.

    `data` is the value, `grad` the derivative of the last `backward()` output with respect to it.
    Every operation returns a new Value that remembers its inputs (`_prev`) and a `_backward` closure
    applying the chain rule for that operation: it *adds* (`+=`) its contribution to each input's grad,
    because an input used twice receives a contribution from each use.
    """

    __slots__ = ("_backward", "_op", "_prev", "data", "grad")

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward: Callable[[], None] = lambda: None

    # -- binary operators ---------------------------------------------------------------------------
    def __add__(self, other: Operand) -> Value:
        other = _lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Operand) -> Value:
        other = _lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, bool) or not isinstance(exponent, int | float):
            raise TypeError(f"Value ** exponent supports int/float exponents only, got {type(exponent).__name__}")
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    # -- everything else is built from +, * and ** ----------------------------------------------------
    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Operand) -> Value:
        return self + (-_lift(other))

    def __truediv__(self, other: Operand) -> Value:
        return self * _lift(other) ** -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        return _lift(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _lift(other) / self

    # -- unary functions -----------------------------------------------------------------------------
    def _unary(self, data: float, local_grad: float, op: str) -> Value:
        out = Value(data, (self,), op)

        def _backward() -> None:
            self.grad += local_grad * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """max(0, x); the gradient at exactly 0 is 0, as in PyTorch."""
        return self._unary(max(0.0, self.data), 1.0 if self.data > 0 else 0.0, "relu")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self) -> Value:
        """Natural logarithm; ValueError for data <= 0."""
        if self.data <= 0:
            raise ValueError(f"log is undefined for {self.data}")
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def sigmoid(self) -> Value:
        s = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (1.0 + math.exp(self.data))
        return self._unary(s, s * (1.0 - s), "sigmoid")

    # -- back-propagation ----------------------------------------------------------------------------
    def backward(self) -> None:
        """Fill `.grad` of every node this Value depends on with d(self)/d(node).

        The graph is ordered topologically with an explicit stack (no recursion, so chains of any
        length work) and each node's local rule runs exactly once per call. Gradients of interior
        nodes are recomputed on every call; leaves (inputs and parameters) *accumulate* across calls,
        as in PyTorch: call `zero_grad()` (or set `.grad = 0.0`) between steps.
        """
        order = self._topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0 if self._prev else self.grad + 1.0
        for node in reversed(order):
            node._backward()

    def _topological_order(self) -> list[Value]:
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev if id(child) not in seen)
        return order

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _lift(other: Operand) -> Value:
    if isinstance(other, Value):
        return other
    if isinstance(other, bool) or not isinstance(other, int | float):
        raise TypeError(f"cannot combine Value with {type(other).__name__}")
    return Value(other)
