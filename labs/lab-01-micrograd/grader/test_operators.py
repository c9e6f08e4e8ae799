"""Parts A and B: every operator and function, its forward value and its local chain rule.

The local rules are exercised through the graders' own propagation over `_prev` and `_backward`
(`propagate`), so these tests need no `backward()` (Part C) from the learner.
"""

from __future__ import annotations

import math

import pytest
from micrograd import Value
from micrograd_oracle import OPS, Op, close, propagate, real, value_data

SEED = 1.5  # the gradient flowing into the operation's output: the rule must multiply by it
EARLIER = 0.25  # a gradient an input already holds from another use: the rule must add to it


def _cases(visible: bool = False) -> list[object]:
    marks = [pytest.mark.visibility("visible")] if visible else []
    return [pytest.param(op, id=op.name, marks=[pytest.mark.part(op.part), *marks]) for op in OPS]


def _grads(inputs: list[Value], op: Op) -> list[float]:
    return [real(v.grad, f"{op.name}: an input's .grad") for v in inputs]


@pytest.mark.points(1)
@pytest.mark.parametrize("op", _cases(visible=True))
@pytest.mark.hints(
    "Compute the result from the operands' .data and wrap it in a new Value that lists its inputs.",
    "Reflected operators (2 + v, 1 - v, 3 / v) receive the plain number as `other`: mind the order.",
)
def test_forward(op: Op) -> None:
    """The operation computes the right value and returns a new Value; its inputs are unchanged."""
    for point in op.points:
        inputs = [Value(v) for v in point]
        out = op.build(*inputs)
        got = value_data(out, Value, op.name)
        want = op.value(point)
        assert close(got, want), f"{op.name} at {point}: data is {got!r}, expected {want!r}"
        assert all(out is not v for v in inputs), f"{op.name} returned one of its inputs: return a new Value"
        after = [real(v.data, f"{op.name}: an input's .data") for v in inputs]
        assert after == list(point), f"{op.name} at {point} changed its inputs' data to {after}"


@pytest.mark.points(2)
@pytest.mark.parametrize("op", _cases())
@pytest.mark.hints(
    "Each _backward multiplies the gradient flowing into the output (out.grad) by the local derivative.",
    "For a product, the derivative with respect to one operand is the *other* operand's data.",
    "Derived operators (-, /, reflected ones) need no rule of their own if built from +, * and **.",
)
def test_local_derivative(op: Op) -> None:
    """The operation's _backward gives out.grad times the exact derivative (checked symbolically)."""
    for point in op.points:
        inputs = [Value(v) for v in point]
        out = op.build(*inputs)
        value_data(out, Value, op.name)
        propagate(out, SEED)
        got = _grads(inputs, op)
        want = [SEED * g for g in op.gradient(point)]
        for k, (value, expected) in enumerate(zip(got, want, strict=True)):
            assert close(value, expected), (
                f"{op.name} at {point} with out.grad = {SEED}: input {k} received {value!r}, expected "
                f"{expected!r} ({op.hint}; and multiply by out.grad)"
            )


@pytest.mark.points(0.5)
@pytest.mark.parametrize("op", _cases())
@pytest.mark.hints(
    "An input used elsewhere already holds part of its gradient when this rule runs.",
    "Write `self.grad += ...`, never `self.grad = ...`, in every _backward.",
)
def test_gradient_accumulates(op: Op) -> None:
    """An input's existing gradient is kept: each rule adds its contribution (+=, never =)."""
    for point in op.points:
        inputs = [Value(v) for v in point]
        out = op.build(*inputs)
        value_data(out, Value, op.name)
        for value in inputs:
            value.grad = EARLIER
        propagate(out, SEED)
        got = _grads(inputs, op)
        want = [EARLIER + SEED * g for g in op.gradient(point)]
        assert all(close(g, w) for g, w in zip(got, want, strict=True)), (
            f"{op.name} at {point}: inputs held grad {EARLIER} before the rule ran and now hold {got}, "
            f"expected {want}. A gradient was overwritten instead of accumulated: use `grad +=`."
        )


@pytest.mark.points(2)
@pytest.mark.part("A")
@pytest.mark.hints(
    "Check the operand's type before using it: Value, int and float are the only ones allowed.",
    "bool is a subclass of int in Python: test for it explicitly.",
    "The message should name what was wrong, e.g. the type of the operand or the exponent.",
)
def test_operand_types_are_checked() -> None:
    """Operands other than Value/int/float (incl. bool) raise TypeError naming the type; same for exponents."""
    for good, want in ((Value(3.0) + 2, 5.0), (2.5 * Value(2.0), 5.0), (Value(3.0) ** 2, 9.0)):
        got = value_data(good, Value, "an operation on valid operands")
        assert got == want, f"an operation on valid int/float operands gave {got}, expected {want}"
    operations = {
        "v + {}": lambda v, bad: v + bad,
        "{} + v": lambda v, bad: bad + v,
        "v * {}": lambda v, bad: v * bad,
        "{} * v": lambda v, bad: bad * v,
        "v - {}": lambda v, bad: v - bad,
        "v / {}": lambda v, bad: v / bad,
    }
    for bad in ("2", True, None):
        for shape, operation in operations.items():
            expression = shape.format(repr(bad))
            try:
                operation(Value(3.0), bad)
            except TypeError as exc:
                message = str(exc)
                assert type(bad).__name__ in message, (
                    f"{expression} raised TypeError({message!r}); the message should name the type "
                    f"{type(bad).__name__!r}"
                )
            else:
                pytest.fail(f"{expression} did not raise TypeError; only Value, int and float combine")
    for bad in (Value(2.0), "2", None, [2], True):
        try:
            Value(3.0) ** bad  # type: ignore[operator]
        except TypeError as exc:
            assert "exponent" in str(exc), (
                f"Value ** {bad!r} raised TypeError({str(exc)!r}); say that the exponent must be an int "
                "or float"
            )
        else:
            pytest.fail(f"Value ** {bad!r} did not raise TypeError; only int/float exponents are supported")


@pytest.mark.points(1)
@pytest.mark.part("A")
@pytest.mark.hints("The exponent may be negative or fractional: the same power rule applies.")
def test_power_edge_exponents() -> None:
    """x**0, x**1, x**0.5 and x**-2: values and local derivatives."""
    for exponent in (0, 1, 0.5, -2):
        x = Value(2.25)
        out = x**exponent
        got = value_data(out, Value, f"x ** {exponent}")
        propagate(out, 1.0)
        grad = real(x.grad, f"x ** {exponent}: x.grad")
        want, slope = 2.25**exponent, exponent * 2.25 ** (exponent - 1)
        assert close(got, float(want)) and close(grad, float(slope)), (
            f"x ** {exponent} at x = 2.25: value {got!r} and derivative {grad!r}, expected {want!r} and {slope!r}"
        )


@pytest.mark.points(1)
@pytest.mark.part("B")
@pytest.mark.hints("relu'(x) is 1 only for x strictly greater than 0.", "Compare with `>`, not `>=`.")
def test_relu_gradient_at_zero() -> None:
    """relu(0) = 0 and relu'(0) = 0, as in PyTorch."""
    x = Value(0.0)
    out = x.relu()
    got = value_data(out, Value, "relu")
    propagate(out, 1.0)
    assert got == 0.0, f"relu(0) is {got}, expected 0.0"
    assert real(x.grad, "relu: x.grad") == 0.0, f"relu'(0) is {x.grad}, expected 0.0 (use x > 0, not x >= 0)"


@pytest.mark.points(1)
@pytest.mark.part("B")
@pytest.mark.hints(
    "The logarithm is undefined at 0 as well as for negative numbers.",
    "Check before calling math.log and raise ValueError with a message that says it is the log.",
)
def test_log_domain() -> None:
    """log() raises ValueError, with a message naming log, for data <= 0 (and works for data > 0)."""
    got = value_data(Value(2.0).log(), Value, "log")
    assert close(got, math.log(2.0), 1e-12), f"Value(2.0).log() is {got}, expected {math.log(2.0)}"
    for bad in (0.0, -0.0, -2.0):
        try:
            Value(bad).log()
        except ValueError as exc:
            assert "log" in str(exc), f"Value({bad}).log() raised ValueError({str(exc)!r}); mention the log"
        else:
            pytest.fail(f"Value({bad}).log() did not raise ValueError")


@pytest.mark.points(1)
@pytest.mark.part("B")
@pytest.mark.hints(
    "math.exp(800) overflows: never exponentiate a large positive number.",
    "For negative x, write the sigmoid as exp(x) / (1 + exp(x)).",
)
def test_sigmoid_extremes() -> None:
    """sigmoid at ±800 and ±40: no overflow, exact limits and derivatives; tanh at ±800 too."""
    for x, value in (
        (-800.0, 0.0),
        (800.0, 1.0),
        (-40.0, math.exp(-40.0) / (1 + math.exp(-40.0))),
        (40.0, 1.0),
    ):
        v = Value(x)
        try:
            out = v.sigmoid()
        except OverflowError:
            pytest.fail(f"sigmoid({x}) overflowed: use exp(x) / (1 + exp(x)) for negative x")
        got = value_data(out, Value, "sigmoid")
        propagate(out, 1.0)
        slope = value * (1.0 - value)
        grad = real(v.grad, "sigmoid: x.grad")
        assert close(got, value, 1e-12) and abs(grad - slope) <= 1e-12 * max(slope, 1e-300), (
            f"sigmoid({x}) is {got!r} with derivative {grad!r}, expected {value!r} and {slope!r}"
        )
    for x in (-800.0, 800.0):
        out = Value(x).tanh()
        got = value_data(out, Value, "tanh")
        assert got == math.copysign(1.0, x), f"tanh({x}) is {got!r}, expected {math.copysign(1.0, x)}"


@pytest.mark.points(1)
@pytest.mark.part("B")
@pytest.mark.hints("Every function returns a new Value whose only input is the Value it was called on.")
def test_functions_return_new_values() -> None:
    """relu/tanh/exp/log/sigmoid return a new Value with the input in _prev, even when relu(x) == x."""
    for name in ("relu", "tanh", "exp", "log", "sigmoid"):
        x = Value(1.5)
        out = getattr(x, name)()
        value_data(out, Value, name)
        assert out is not x, f"{name}() returned the Value it was called on; return a new Value"
        prev = tuple(out._prev)
        assert len(prev) == 1 and prev[0] is x, f"{name}(): _prev is {prev!r}, expected just the input"
