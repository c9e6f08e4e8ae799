"""Model tests for the reference engine: each operation's value and gradient, and backward() itself."""

import math

import pytest
from micrograd import Value


def grads_of(out: Value, *inputs: Value) -> list[float]:
    out.backward()
    return [v.grad for v in inputs]


def test_arithmetic_forward_and_backward() -> None:
    a, b = Value(3.0), Value(-2.0)
    assert grads_of(a + b, a, b) == [1.0, 1.0]
    a, b = Value(3.0), Value(-2.0)
    assert grads_of(a - b, a, b) == [1.0, -1.0]
    a, b = Value(3.0), Value(-2.0)
    assert grads_of(a * b, a, b) == [-2.0, 3.0]
    a, b = Value(3.0), Value(-2.0)
    out = a / b
    assert out.data == -1.5
    assert grads_of(out, a, b) == pytest.approx([-0.5, -0.75])


def test_reflected_operators_with_plain_numbers() -> None:
    v = Value(4.0)
    assert (2 + v).data == 6.0 and (2 * v).data == 8.0
    assert (1 - v).data == -3.0 and (3 / v).data == 0.75
    assert (-v).data == -4.0
    out = 3 / v
    assert grads_of(out, v) == pytest.approx([-3 / 16])


def test_power_rule_and_exponent_type_check() -> None:
    v = Value(2.0)
    assert grads_of(v**3, v) == [12.0]
    with pytest.raises(TypeError, match="int/float"):
        v ** Value(2.0)  # type: ignore[operator]
    with pytest.raises(TypeError):
        v**True  # type: ignore[operator]
    with pytest.raises(TypeError, match="cannot combine"):
        v + "1"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("method", "x", "value", "slope"),
    [
        ("relu", 2.0, 2.0, 1.0),
        ("relu", -1.0, 0.0, 0.0),
        ("relu", 0.0, 0.0, 0.0),
        ("tanh", 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
        ("exp", 1.0, math.e, math.e),
        ("log", 2.0, math.log(2.0), 0.5),
        ("sigmoid", 0.0, 0.5, 0.25),
        ("sigmoid", -800.0, 0.0, 0.0),
        ("sigmoid", 800.0, 1.0, 0.0),
    ],
)
def test_unary_functions(method: str, x: float, value: float, slope: float) -> None:
    v = Value(x)
    out = getattr(v, method)()
    assert out.data == pytest.approx(value)
    assert grads_of(out, v) == pytest.approx([slope])


def test_log_rejects_non_positive() -> None:
    with pytest.raises(ValueError, match="undefined"):
        Value(0.0).log()


def test_reuse_accumulates_and_diamond() -> None:
    a = Value(-2.0)
    b = a + a
    assert grads_of(b + b, a) == [4.0]
    x = Value(3.0)
    assert grads_of(x * x, x) == [6.0]


def test_long_chain_needs_no_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_backward_twice_accumulates_only_in_leaves() -> None:
    x = Value(2.0)
    hidden = x * x
    out = hidden + 1
    out.backward()
    out.backward()
    assert x.grad == 8.0 and hidden.grad == 1.0 and out.grad == 1.0


def test_backward_on_a_leaf_accumulates() -> None:
    leaf = Value(5.0)
    leaf.backward()
    leaf.backward()
    assert leaf.grad == 2.0


def test_repr_shows_data_and_grad() -> None:
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
