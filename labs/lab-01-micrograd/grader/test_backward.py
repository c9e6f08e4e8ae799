"""Part C: backward() on whole graphs: order, reuse, depth, repeated calls."""

from __future__ import annotations

import math
import random

import pytest
from micrograd import Value
from micrograd_oracle import close, finite_difference, random_program, real, run_program, value_data

pytestmark = [pytest.mark.part("C")]


def _grad(node: Value, what: str) -> float:
    return real(node.grad, what)


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.critical("backward() gives every node its complete gradient")
@pytest.mark.hints(
    "A node used twice receives one contribution per use: nothing may overwrite the first.",
    "Visit each node once (a set of visited nodes), but let every use add to its gradient.",
)
def test_reused_nodes() -> None:
    """A node used several times gets every contribution: x*x, b=a+a; c=b+b, and a diamond."""
    x = Value(3.0)
    (x * x).backward()
    got = _grad(x, "x.grad")
    assert close(got, 2 * 3.0), f"y = x*x at x=3: dy/dx is {got}, expected 6.0 (both uses of x count)"

    a = Value(-2.0)
    b = a + a
    c = b + b
    c.backward()
    got = _grad(a, "a.grad")
    assert close(got, 4.0), f"b = a+a; c = b+b: dc/da is {got}, expected 4.0"

    a = Value(1.5)
    left, right = a * 2.0, a.tanh()
    d = left * right
    d.backward()
    got = _grad(a, "a.grad")
    t = math.tanh(1.5)
    expected = 2.0 * (1.5 * (1 - t * t) + t)
    assert close(got, expected), f"diamond d = (2a)·tanh(a): dd/da is {got}, expected {expected}"


@pytest.mark.points(3)
@pytest.mark.hints(
    "A node may propagate only once every node that uses it has propagated.",
    "Reverse topological order guarantees that; any other order can use an incomplete gradient.",
)
def test_topological_order() -> None:
    """A node's rule runs only after its gradient is complete (reverse topological order)."""
    a = Value(2.0)
    b = a * 3.0
    c = b * b + b  # b feeds c twice, through different paths of different lengths
    d = c * a
    e = d + d.tanh() * 0.0 + b  # d is reached directly and through tanh; b once more at the top
    e.backward()
    got = _grad(a, "a.grad")
    bv = 3.0 * 2.0
    expected = (2 * bv + 1) * 3.0 * 2.0 + (bv * bv + bv) + 3.0
    assert close(got, expected), (
        f"e = (b*b + b)*a + tanh(...)*0 + b with b = 3a at a=2: de/da is {got}, expected {expected}. Propagate "
        "from a node only after every node that uses it has propagated (topological order)."
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "Python stops recursion at about 1,000 frames: a recursive graph walk cannot reach 100,000 nodes.",
    "Use a list as an explicit stack of (node, children_done) pairs.",
)
def test_deep_chain_without_recursion() -> None:
    """backward() works on a 100,000-node chain (no recursion; no RecursionError)."""
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y + 0.0001
    try:
        y.backward()
    except RecursionError:
        pytest.fail(
            "RecursionError on a 100,000-node chain: build the topological order with an explicit "
            "stack instead of recursion"
        )
    got = _grad(x, "x.grad")
    assert got == 1.0, f"d/dx of x + 0.0001 + ... is {got}, expected exactly 1.0"
    data = value_data(y, Value, "the chain")
    assert close(data, 10.5), f"forward value of the chain is {data}, expected 10.5"


@pytest.mark.points(3)
@pytest.mark.hints(
    "backward() may be called on a graph whose interior nodes still hold gradients from before.",
    "Reset the grads of nodes that have inputs, never of leaves, then seed the output with 1.0.",
)
def test_backward_twice_accumulates_in_leaves() -> None:
    """A second backward() adds to leaf gradients (like PyTorch) and recomputes interior ones."""
    x, w = Value(1.5), Value(-2.0)
    hidden = x * w
    out = hidden.tanh()
    hidden.grad = 7.0  # stale gradient from some earlier pass: must not leak into this one
    out.backward()
    first = (_grad(x, "x.grad"), _grad(w, "w.grad"), _grad(hidden, "hidden.grad"))
    slope = 1.0 - math.tanh(-3.0) ** 2
    want = (slope * -2.0, slope * 1.5, slope)
    assert all(close(g, e) for g, e in zip(first, want, strict=True)), (
        f"after one backward() the grads of (x, w, x*w) are {first}, expected {want}; interior nodes "
        "must be reset before propagating"
    )
    out.backward()
    second = (_grad(x, "x.grad"), _grad(w, "w.grad"), _grad(hidden, "hidden.grad"))
    assert close(second[0], 2 * want[0]) and close(second[1], 2 * want[1]), (
        f"after two backward() calls leaf grads are {second[:2]}, expected twice {want[:2]}: leaves "
        "accumulate across calls"
    )
    assert close(second[2], want[2]), (
        f"interior node grad after two calls is {second[2]}, expected {want[2]}: reset interior nodes' "
        "grads at the start of backward() so they are not counted twice"
    )
    assert _grad(out, "out.grad") == 1.0, f"the output's own grad is {out.grad}, expected 1.0 (seed 1.0)"


@pytest.mark.points(1)
@pytest.mark.hints("A leaf that is itself the output is a leaf too: its gradient accumulates.")
def test_backward_on_a_leaf() -> None:
    """leaf.backward() adds 1.0 to the leaf's grad on every call (a leaf accumulates)."""
    leaf = Value(5.0)
    leaf.backward()
    once = _grad(leaf, "leaf.grad")
    leaf.backward()
    twice = _grad(leaf, "leaf.grad")
    assert (once, twice) == (1.0, 2.0), (
        f"leaf.grad after one and two backward() calls: {once}, {twice}; expected 1.0, 2.0"
    )


@pytest.mark.points(4)
@pytest.mark.critical("backward() gives every node its complete gradient")
@pytest.mark.hints(
    "Compare your gradients with central finite differences on small random expressions.",
    "A wrong result on a few graphs only usually means an order or a reuse problem, not one operation.",
)
def test_random_graphs_match_finite_differences(partial_credit) -> None:  # type: ignore[no-untyped-def]
    """On 20 random expression graphs, gradients equal central finite differences (float64, 1e-6)."""
    rng = random.Random(2024)
    partial_credit.total = 20
    for case in range(20):
        program = random_program(rng)
        point = [rng.uniform(-1.5, 1.5) for _ in range(3)]
        inputs = [Value(v) for v in point]
        out = run_program(program, inputs)
        out.backward()
        got = [v.grad for v in inputs]
        want = finite_difference(program, point)
        ok = all(close(g, w, 1e-6) for g, w in zip(got, want, strict=True))
        partial_credit.check(
            ok, f"graph #{case} (seed 2024) at {point}: grads {got}, finite differences {want}"
        )
