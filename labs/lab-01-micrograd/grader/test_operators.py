"""Part A and B: every operator and function, forward value and local derivative."""

from __future__ import annotations

import pytest
from micrograd import Value
from micrograd_oracle import OPS, Op, X, Y, close

IDS = [op.name for op in OPS]


def _inputs(op: Op, point: tuple[float, ...]) -> list[Value]:
    return [Value(v) for v in point]


def _check_value(out: object, op: Op, point: tuple[float, ...]) -> float:
    assert isinstance(out, Value), f"{op.name} returned {type(out).__name__}, expected a Value"
    assert type(out.data) is float, f"{op.name}: .data must be a float, got {type(out.data).__name__}"
    return out.data


@pytest.mark.points(1)
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_forward(op: Op) -> None:
    """The operation computes the right value and returns a new Value."""
    for point in op.points:
        got = _check_value(op.build(*_inputs(op, point)), op, point)
        want = op.value(point)
        assert close(got, want), f"{op.name} at {point}: data is {got!r}, expected {want!r}"


@pytest.mark.points(2)
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_local_derivative(op: Op) -> None:
    """backward() through this single operation gives the exact derivative (checked symbolically)."""
    for point in op.points:
        inputs = _inputs(op, point)
        out = op.build(*inputs)
        _check_value(out, op, point)
        out.backward()
        want = op.gradient(point)
        for k, (value, expected) in enumerate(zip(inputs, want, strict=True)):
            got = value.grad
            assert type(got) is float, f"{op.name}: .grad must be a float, got {type(got).__name__}"
            assert close(got, expected), (
                f"{op.name} at {point}: d(out)/d(input {k}) is {got!r}, expected {expected!r} ({op.hint})"
            )


@pytest.mark.points(0.5)
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_gradient_accumulates(op: Op) -> None:
    """Inputs reused elsewhere in the graph receive the sum of all contributions (+=, never =)."""
    for point in op.points:
        inputs = _inputs(op, point)
        out = op.build(*inputs)
        for value in inputs:  # use every input a second time, after the operation
            out = out + value
        out.backward()
        want = op.gradient(point, extra=X + (Y if op.arity == 2 else 0))
        got = [value.grad for value in inputs]
        assert all(close(g, w) for g, w in zip(got, want, strict=True)), (
            f"{op.name}(x) + x at {point}: grads {got}, expected {want}. A gradient was overwritten "
            "instead of accumulated: every _backward must use `grad +=`."
        )
