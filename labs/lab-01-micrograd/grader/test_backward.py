"""Part C: backward() on whole graphs: order, reuse, depth, repeated calls."""

from __future__ import annotations

import random
import sys

import pytest
from micrograd import Value
from micrograd_oracle import close, finite_difference, random_program, run_program


@pytest.mark.points(4)
def test_reused_nodes() -> None:
    """A node used several times gets every contribution: x*x, b=a+a; c=b+b, and a diamond."""
    x = Value(3.0)
    (x * x).backward()
    assert close(x.grad, 6.0), f"y = x*x at x=3: dy/dx is {x.grad}, expected 6.0 (both uses of x count)"

    a = Value(-2.0)
    b = a + a
    c = b + b
    c.backward()
    assert close(a.grad, 4.0), f"b = a+a; c = b+b: dc/da is {a.grad}, expected 4.0"

    a = Value(1.5)
    left, right = a * 2.0, a.tanh()
    d = left * right
    d.backward()
    expected = 2.0 * (1.5 * (1 - 0.905148253644866**2) + 0.905148253644866)
    assert close(a.grad, expected), f"diamond d = (2a)·tanh(a): dd/da is {a.grad}, expected {expected}"


@pytest.mark.points(3)
def test_topological_order() -> None:
    """A node's rule runs only after its gradient is complete (reverse topological order)."""
    a = Value(2.0)
    b = a * 3.0
    c = b * b + b  # b feeds c twice, through different paths of different lengths
    d = c * a
    d.backward()
    expected = (2 * 6.0 + 1) * 3.0 * 2.0 + (36.0 + 6.0)
    assert close(a.grad, expected), (
        f"d = (b*b + b)*a with b = 3a at a=2: dd/da is {a.grad}, expected {expected}. Propagate from a node "
        "only after every node that uses it has propagated (topological order)."
    )


@pytest.mark.points(4)
def test_deep_chain_without_recursion() -> None:
    """backward() works on a 100,000-node chain (no recursion; no RecursionError)."""
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y + 0.0001
    limit = sys.getrecursionlimit()
    try:
        y.backward()
    except RecursionError:
        pytest.fail(
            f"RecursionError on a 100,000-node chain: build the topological order with an explicit "
            f"stack instead of recursion (Python's recursion limit is {limit})"
        )
    assert close(x.grad, 1.0), f"d/dx of x + 0.0001 + ... is {x.grad}, expected 1.0"
    assert close(y.data, 10.5), f"forward value of the chain is {y.data}, expected 10.5"


@pytest.mark.points(2)
def test_relu_gradient_at_zero() -> None:
    """relu'(0) is 0, as in PyTorch."""
    x = Value(0.0)
    out = x.relu()
    out.backward()
    assert out.data == 0.0, f"relu(0) is {out.data}, expected 0.0"
    assert x.grad == 0.0, f"relu'(0) is {x.grad}, expected 0.0 (use x > 0, not x >= 0)"


@pytest.mark.points(2)
def test_pow_rejects_non_numeric_exponent() -> None:
    """v ** exponent accepts int/float only; anything else raises TypeError with a message."""
    for bad in (Value(2.0), "2", None, [2]):
        try:
            Value(3.0) ** bad  # type: ignore[operator]
        except TypeError as exc:
            assert str(exc), f"Value ** {bad!r} raised TypeError without a message; say what is allowed"
        except NotImplementedError:
            raise
        except Exception as exc:
            pytest.fail(f"Value ** {bad!r} raised {type(exc).__name__}, expected TypeError")
        else:
            pytest.fail(f"Value ** {bad!r} did not raise; only int/float exponents are supported")


@pytest.mark.points(3)
def test_backward_twice_accumulates_in_leaves() -> None:
    """A second backward() adds to leaf gradients (like PyTorch) and recomputes interior ones."""
    x, w = Value(1.5), Value(-2.0)
    hidden = x * w
    out = hidden.tanh()
    out.backward()
    first = (x.grad, w.grad, hidden.grad)
    out.backward()
    assert close(x.grad, 2 * first[0]) and close(w.grad, 2 * first[1]), (
        f"after two backward() calls leaf grads are {(x.grad, w.grad)}, expected twice the first "
        f"{first[:2]}: leaves accumulate across calls"
    )
    assert close(hidden.grad, first[2]), (
        f"interior node grad after two calls is {hidden.grad}, expected {first[2]}: reset interior nodes' "
        "grads at the start of backward() so they are not counted twice"
    )
    assert out.grad == 1.0, f"the output's own grad is {out.grad}, expected 1.0 (backward seeds it with 1.0)"


@pytest.mark.points(5)
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
        want = finite_difference(program, point)
        got = [v.grad for v in inputs]
        ok = all(close(g, w, 1e-6) for g, w in zip(got, want, strict=True))
        partial_credit.check(
            ok, f"graph #{case} (seed 2024) at {point}: grads {got}, finite differences {want}"
        )
