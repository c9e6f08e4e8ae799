"""Independent expected values for the lab-01 graders: symbolic derivatives (sympy) and finite differences."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

X, Y = sp.symbols("x y", real=True)
ZERO = sp.Integer(0)


@dataclass(frozen=True)
class Op:
    name: str
    part: str  # "A" for operators, "B" for unary functions
    build: Callable[..., Any]  # applied to learner Values (and plain numbers for reflected ops)
    expr: sp.Expr  # the same function of x (and y), symbolically
    points: tuple[tuple[float, ...], ...]
    hint: str

    @property
    def arity(self) -> int:
        return len(self.points[0])

    def value(self, point: tuple[float, ...]) -> float:
        return float(self.expr.subs(dict(zip((X, Y), point, strict=False))))

    def gradient(self, point: tuple[float, ...], extra: sp.Expr = ZERO) -> list[float]:
        expr = self.expr + extra
        subs = dict(zip((X, Y), point, strict=False))
        return [float(sp.diff(expr, symbol).subs(subs)) for symbol in (X, Y)[: self.arity]]


BINARY = ((1.5, -2.0), (0.3, 0.7), (-1.25, 0.4))
POSITIVE = ((1.5,), (0.3,), (2.2,))
ANY = ((1.3,), (-0.4,), (0.7,))

OPS = [
    Op("add", "A", lambda a, b: a + b, X + Y, BINARY, "d(x+y)/dx = 1 and d(x+y)/dy = 1"),
    Op("sub", "A", lambda a, b: a - b, X - Y, BINARY, "d(x-y)/dy = -1"),
    Op("mul", "A", lambda a, b: a * b, X * Y, BINARY, "d(x*y)/dx = y: use the *other* operand's data"),
    Op("truediv", "A", lambda a, b: a / b, X / Y, BINARY, "x/y = x * y**-1, so d/dy = -x/y**2"),
    Op("pow_int", "A", lambda a: a**3, X**3, ANY, "d(x**n)/dx = n * x**(n-1)"),
    Op(
        "pow_float",
        "A",
        lambda a: a**-1.5,
        X**-1.5,
        POSITIVE,
        "a float exponent uses the same rule as an int",
    ),
    Op("neg", "A", lambda a: -a, -X, ANY, "d(-x)/dx = -1"),
    Op("radd", "A", lambda a: 2 + a, 2 + X, ANY, "2 + v calls v.__radd__(2)"),
    Op(
        "rsub",
        "A",
        lambda a: 1 - a,
        1 - X,
        ANY,
        "1 - v calls v.__rsub__(1), which must give 1 - v, not v - 1",
    ),
    Op("rmul", "A", lambda a: 2.5 * a, sp.Rational(5, 2) * X, ANY, "2.5 * v calls v.__rmul__(2.5)"),
    Op("rtruediv", "A", lambda a: 3 / a, 3 / X, ANY, "3 / v calls v.__rtruediv__(3): 3 * v**-1"),
    Op("relu", "B", lambda a: a.relu(), sp.Max(0, X), ANY, "relu'(x) is 1 for x > 0 and 0 otherwise"),
    Op("tanh", "B", lambda a: a.tanh(), sp.tanh(X), ANY, "tanh'(x) = 1 - tanh(x)**2"),
    Op("exp", "B", lambda a: a.exp(), sp.exp(X), ANY, "exp'(x) = exp(x)"),
    Op("log", "B", lambda a: a.log(), sp.log(X), POSITIVE, "log'(x) = 1/x"),
    Op("sigmoid", "B", lambda a: a.sigmoid(), 1 / (1 + sp.exp(-X)), ANY, "sigmoid'(x) = s(x) * (1 - s(x))"),
]


# -- random expression graphs for the finite-difference check ---------------------------------------
def random_program(rng: random.Random, leaves: int = 3, steps: int = 12) -> list[tuple[str, int, int]]:
    """A straight-line program over `leaves` inputs: each step combines earlier registers."""
    ops = ["add", "mul", "sub", "tanh", "sigmoid", "div1p", "exp_tanh", "scale"]
    return [(rng.choice(ops), rng.randrange(leaves + i), rng.randrange(leaves + i)) for i in range(steps)]


def run_program(program: list[tuple[str, int, int]], inputs: list[Any]) -> Any:
    """Evaluate with any number-like type that supports + - * / ** and tanh/sigmoid/exp helpers."""
    regs = list(inputs)
    for op, i, j in program:
        a, b = regs[i], regs[j]
        if op == "add":
            regs.append(a + b)
        elif op == "mul":
            regs.append(a * b)
        elif op == "sub":
            regs.append(a - b)
        elif op == "tanh":
            regs.append(_call(a, "tanh", math.tanh))
        elif op == "sigmoid":
            regs.append(_call(a, "sigmoid", lambda v: 1.0 / (1.0 + math.exp(-v))))
        elif op == "div1p":
            regs.append(a / (1 + b * b))
        elif op == "exp_tanh":
            regs.append(_call(_call(a, "tanh", math.tanh), "exp", math.exp))
        else:
            regs.append(0.5 * a + 1.25)
    return regs[-1]


def _call(value: Any, method: str, fallback: Callable[[float], float]) -> Any:
    return fallback(value) if isinstance(value, float) else getattr(value, method)()


def finite_difference(
    program: list[tuple[str, int, int]], point: list[float], h: float = 1e-6
) -> list[float]:
    grads = []
    for k in range(len(point)):
        up, down = list(point), list(point)
        up[k] += h
        down[k] -= h
        grads.append((run_program(program, up) - run_program(program, down)) / (2 * h))
    return grads


def close(actual: float, expected: float, tol: float = 1e-6) -> bool:
    """`actual` must be a real float (never a learner object with its own comparison methods)."""
    if type(actual) is not float or type(expected) is not float:
        return False
    return abs(actual - expected) <= tol * max(1.0, abs(expected))


# -- never trust learner objects ----------------------------------------------------------------------
def real(value: object, what: str) -> float:
    """`value` itself if it is exactly a float; a clear failure otherwise (no subclass, no lookalike)."""
    assert type(value) is float, f"{what} must be a plain float, got {type(value).__name__}"
    return value


def value_data(node: object, value_class: type, what: str) -> float:
    """The `.data` of a learner Value, checked to be a Value holding a plain float."""
    assert isinstance(node, value_class), f"{what} returned {type(node).__name__}, expected a Value"
    return real(node.data, f"{what}: .data")  # type: ignore[attr-defined]


def propagate(out: Any, seed: float) -> None:
    """The graders' own backward pass: runs the learner's `_backward` closures in reverse topological
    order over `_prev`, with `out.grad = seed`, without calling the learner's `backward()`.

    Interior nodes start from 0.0; leaves keep whatever grad they already hold.
    """
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(out, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        children = tuple(node._prev)
        stack.extend((child, False) for child in children)
    for node in order:
        if tuple(node._prev):
            node.grad = 0.0
    out.grad = seed
    for node in reversed(order):
        node._backward()
