"""Graders for numerical_gradient (central differences) and relative_error."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
from mlp_oracle import as_array, as_float, crash, raises_naming

pytestmark = [pytest.mark.part("E")]


def _smooth(x: np.ndarray) -> float:
    return float(np.sum(np.sin(x) * x**3) + 0.5 * np.sum(x) ** 2)


def _smooth_grad(x: np.ndarray) -> np.ndarray:
    return np.cos(x) * x**3 + 3.0 * np.sin(x) * x**2 + np.sum(x)


def _case_accuracy() -> str | None:
    x = np.random.default_rng(110).uniform(-1.5, 1.5, size=(3, 4))
    before = x.copy()
    grad = as_array(mlp.numerical_gradient(_smooth, x), "numerical_gradient")
    if grad.shape != x.shape:
        return f"result has shape {grad.shape}; expected the shape of x, {x.shape}"
    if not np.array_equal(x, before):
        return "x was not restored exactly after the call (set each entry back to its saved value)"
    err = np.abs(grad - _smooth_grad(x))
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
    if err[idx] > 1e-7:
        return (
            f"|numerical − exact| = {err[idx]:.2e} at entry {list(idx)} (yours {grad[idx]:.10g}, exact "
            f"{_smooth_grad(x)[idx]:.10g}); central differences with h = 1e-5 are accurate to ~1e-9"
        )
    return None


def _case_h() -> str | None:
    x = np.array([1.0, 2.0])
    grad = as_array(mlp.numerical_gradient(lambda v: float(np.sum(v**3)), x, h=0.1), "numerical_gradient")
    expected = 3.0 * np.array([1.0, 4.0]) + 0.01  # ((x+h)³ − (x−h)³) / 2h = 3x² + h² exactly
    if grad.shape != (2,) or not np.allclose(grad, expected, rtol=1e-9, atol=0):
        return f"f = sum(x³), x = [1, 2], h = 0.1 gave {grad.tolist()}; expected {expected.tolist()}"
    return None


def _case_shared() -> str | None:
    weight = np.random.default_rng(111).standard_normal((2, 3))
    target = weight.copy()

    def loss(_: np.ndarray) -> float:  # reads `weight` through the closure, not through its argument
        return float(np.sum((3.0 * weight) ** 2))

    grad = as_array(mlp.numerical_gradient(loss, weight), "numerical_gradient")
    expected = 18.0 * target
    if grad.shape != weight.shape or not np.allclose(grad, expected, rtol=1e-7, atol=1e-7):
        return (
            "f that reads the array through another reference (like a Parameter's .data) got the wrong "
            "gradient: perturb x itself in place, don't copy it"
        )
    return None if np.array_equal(weight, target) else "x was not restored exactly"


def _case_default_h() -> str | None:
    x = np.array([0.25, -0.5, 0.75])
    grad = as_array(mlp.numerical_gradient(lambda v: float(np.sum(v**3)), x), "numerical_gradient")
    expected = 3.0 * np.array([0.25, -0.5, 0.75]) ** 2 + 1e-10  # 3x² + h² with the default h = 1e-5
    if grad.shape != (3,) or not np.all(np.abs(grad - expected) <= 3e-11):
        return f"f = sum(x³) with the default h gave {grad.tolist()}; expected 3x² + h² = {expected.tolist()} (h = 1e-5)"
    return None


def _case_float_x() -> str | None:
    x = np.array([[0.1, 0.2]], dtype=np.float64)
    calls: list[int] = []

    def f(v: np.ndarray) -> float:
        calls.append(1)
        return float(np.sum(np.exp(v)))

    grad = as_array(mlp.numerical_gradient(f, x, h=1e-6), "numerical_gradient")
    if len(calls) != 2 * x.size:
        return (
            f"f was called {len(calls)} times for a 1×2 array; central differences need exactly 2 per entry"
        )
    return (
        None
        if np.allclose(grad, np.exp(x), rtol=1e-8, atol=0)
        else f"gradient of sum(exp(x)) is {grad.tolist()}"
    )


def _case_restored_exactly() -> str | None:
    # (x - h) + h is not x for these values: only writing the saved value back restores them
    for values, h in (([1e-7, 1e-6, -2.5e-7, 0.5], 1e-5), ([0.45, -0.45, 2.0], 0.1)):
        x = np.array(values)
        before = x.copy()
        as_array(mlp.numerical_gradient(lambda v: float(np.sum(v**2)), x, h=h), "numerical_gradient")
        if not np.array_equal(x, before):
            changed = [(float(b), float(a)) for a, b in zip(x, before, strict=True) if a != b]
            return (
                f"x = {values} with h = {h} was not restored bit for bit (entry {changed[0][0]!r} became "
                f"{changed[0][1]!r}): save each entry and write the saved value back"
            )
    return None


NUMGRAD_CASES = [
    ("x restored bit for bit", _case_restored_exactly),
    ("smooth f on a 3×4 array", _case_accuracy),
    ("the step h", _case_h),
    ("the default step h = 1e-5", _case_default_h),
    ("two evaluations of f per entry", _case_float_x),
    ("f reading x through a closure", _case_shared),
]


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Central differences: (f(x + h·e_i) − f(x − h·e_i)) / 2h, one entry at a time.",
    "Perturb x itself in place (f may read it through another reference) and put the saved value back.",
)
def test_numerical_gradient(partial_credit):
    """numerical_gradient: central differences on every entry, x perturbed in place and restored exactly."""
    partial_credit.total = len(NUMGRAD_CASES)
    for case, check in NUMGRAD_CASES:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


RELERR_CASES = [
    ([1.0, 2.0], [1.0, 2.0], 0.0),
    ([1.0, 0.0], [1.1, 0.0], 0.1 / 2.1),
    ([[3.0, -1.0], [0.5, 2.0]], [[3.0, 1.0], [0.5, 2.0]], 1.0),
    ([0.0, 5.0], [1e-10, 5.0], 1e-10 / 1e-8),
    ([100.0, 1e-3], [100.5, 1.1e-3], 1e-4 / 2.1e-3),
]


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Take the maximum over entries of |a − b| / max(1e-8, |a| + |b|) and return it as a float.",
    "Arrays of different shapes are an error (ValueError naming the shapes), not something to broadcast.",
)
def test_relative_error(partial_credit):
    """relative_error: max over entries of |a − b| / max(1e-8, |a| + |b|), as a float; shapes must match."""
    partial_credit.total = len(RELERR_CASES) + 2
    problem = raises_naming(
        lambda: mlp.relative_error(np.zeros((2, 3)), np.zeros((3,))),
        ValueError,
        ["(2, 3)", "(3,)"],
        "relative_error of shapes (2, 3) and (3,)",
    )
    partial_credit.check(problem is None, f"different shapes: {problem}")
    try:
        got = as_float(mlp.relative_error(np.zeros((0, 2)), np.zeros((0, 2))), "relative_error")
        problem = None if got == 0.0 else f"got {got!r}"
    except Exception as exc:
        problem = crash(exc)
    partial_credit.check(problem is None, f"empty arrays give 0.0: {problem}")
    for a, b, expected in RELERR_CASES:
        try:
            got = as_float(mlp.relative_error(np.array(a), np.array(b)), "relative_error")
            problem = None if abs(got - expected) <= 1e-12 * max(1.0, expected) else f"got {got!r}"
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"relative_error({a}, {b}) should be {expected:.6g}: {problem}")
