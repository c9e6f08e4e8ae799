"""Graders for weight initialisation: Kaiming, Xavier and torch.nn.Linear's default, with gains."""

from __future__ import annotations

import math
from functools import partial

import mlp
import numpy as np
import pytest
from mlp_oracle import as_array, crash

pytestmark = [pytest.mark.part("C")]

GAIN = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
STD_TOL = 0.05  # relative; with >= 2e4 samples the sampling error of the std is about 0.5%


def _weights(n_in: int, n_out: int, init: str, nonlinearity: str | None, seed: int):
    kwargs = {} if nonlinearity is None else {"nonlinearity": nonlinearity}
    layer = mlp.Linear(n_in, n_out, init=init, rng=np.random.default_rng(seed), **kwargs)
    w, b = as_array(layer.weight.data, "weight.data"), as_array(layer.bias.data, "bias.data")
    assert w.shape == (n_out, n_in), f"weight shape {w.shape}, expected ({n_out}, {n_in}) (out × in)"
    assert b.shape == (n_out,), f"bias shape {b.shape}, expected ({n_out},)"
    return w, b


def _std_problem(values: np.ndarray, expected: float, what: str) -> str | None:
    std, mean = float(values.std()), float(values.mean())
    if abs(std / expected - 1.0) > STD_TOL:
        return f"{what} std is {std:.5g}, expected {expected:.5g} (ratio {std / expected:.3f}; tolerance ±5%)"
    if abs(mean) > 0.05 * expected:
        return f"{what} mean is {mean:.3g}; it should be 0"
    return None


def _kaiming(nonlinearity: str) -> str | None:
    w, b = _weights(400, 50, "kaiming", nonlinearity, 10)
    expected = GAIN[nonlinearity] / math.sqrt(400)
    inside = float(np.mean(np.abs(w) < expected))  # 0.683 for a normal, 0.577 for a uniform
    if problem := _std_problem(w, expected, "weight"):
        return problem + " = gain / sqrt(fan_in), fan_in = in_features = 400"
    if not 0.66 < inside < 0.71:
        return f"{inside:.3f} of the weights lie within one std; a normal distribution puts 0.683 there"
    return None if not b.any() else "the bias must start at zero"


def _xavier(nonlinearity: str) -> str | None:
    w, b = _weights(300, 100, "xavier", nonlinearity, 11)
    bound = GAIN[nonlinearity] * math.sqrt(6.0 / 400)
    if problem := _std_problem(w, bound / math.sqrt(3.0), "weight"):
        return problem + " = gain·sqrt(2 / (fan_in + fan_out)) for U(±gain·sqrt(6 / (fan_in + fan_out)))"
    top = float(np.abs(w).max())
    if not 0.98 * bound < top <= bound:
        return f"max |weight| is {top:.5g}; U(±{bound:.5g}) should nearly reach its bound"
    return None if not b.any() else "the bias must start at zero"


def _torch_default() -> str | None:
    w, b = _weights(25, 12000, "torch_default", None, 12)
    bound = 1.0 / math.sqrt(25)
    for values, what in ((w, "weight"), (b, "bias")):
        if problem := _std_problem(values, bound / math.sqrt(3.0), what):
            return problem + " (uniform on ±1/sqrt(fan_in), fan_in = 25)"
        top = float(np.abs(values).max())
        if not 0.98 * bound < top <= bound:
            return f"max |{what}| is {top:.5g}; expected nearly 1/sqrt(fan_in) = {bound:.5g}, never above"
    return None


def _mlp_layers() -> str | None:
    model = mlp.MLP([400, 300, 100], "tanh", init="kaiming", rng=np.random.default_rng(13))
    params = [as_array(p.data, "parameter") for p in model.parameters()]
    assert [p.shape for p in params] == [(300, 400), (300,), (100, 300), (100,)], "wrong parameter shapes"
    return _std_problem(params[0], GAIN["tanh"] / math.sqrt(400), "hidden layer (tanh gain) weight") or (
        _std_problem(params[2], 1.0 / math.sqrt(300), "output layer (gain 1, 'linear') weight")
    )


def _seeded() -> str | None:
    a, _ = _weights(30, 20, "kaiming", None, 14)
    b, _ = _weights(30, 20, "kaiming", None, 14)
    c, _ = _weights(30, 20, "kaiming", None, 15)
    if not np.array_equal(a, b):
        return "two layers built with identically seeded rng differ: draw every random number from `rng`"
    if np.array_equal(a, c):
        return "different rng seeds gave identical weights"
    fresh = [as_array(mlp.Linear(30, 20).weight.data, "weight.data") for _ in range(2)]
    if np.array_equal(fresh[0], fresh[1]):
        return (
            "two Linear(30, 20) built with rng=None have identical weights: None means a fresh, "
            "unseeded np.random.default_rng()"
        )
    return None


def _mlp_init() -> str | None:
    model = mlp.MLP([400, 100, 10], "tanh", init="xavier", rng=np.random.default_rng(16))
    params = [as_array(p.data, "parameter") for p in model.parameters()]
    assert [p.shape for p in params] == [(100, 400), (100,), (10, 100), (10,)], "wrong parameter shapes"
    hidden = GAIN["tanh"] * math.sqrt(2.0 / 500)
    return _std_problem(params[0], hidden, "hidden layer weight of MLP(init='xavier')") or (
        _std_problem(params[2], math.sqrt(2.0 / 110), "output layer weight of MLP(init='xavier')")
    )


CASES = [
    *(
        (f"Linear(400, 50, 'kaiming', nonlinearity={n!r})", partial(_kaiming, n))
        for n in ("relu", "tanh", "linear")
    ),
    *((f"Linear(300, 100, 'xavier', nonlinearity={n!r})", partial(_xavier, n)) for n in ("tanh", "sigmoid")),
    ("Linear(25, 12000, 'torch_default')", _torch_default),
    ("MLP([400, 300, 100], 'tanh', 'kaiming')", _mlp_layers),
    ("MLP([400, 100, 10], 'tanh', init='xavier') passes init to its layers", _mlp_init),
    ("Linear with a seeded rng", _seeded),
]


@pytest.mark.points(8)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "fan_in is in_features and fan_out is out_features; the weight is shaped (fan_out, fan_in).",
    "The gain belongs to the nonlinearity that follows the layer: √2 for ReLU, 5/3 for tanh, 1 otherwise.",
    "Kaiming draws from a normal distribution, Xavier and torch_default from uniform ones.",
)
def test_init_statistics(partial_credit):
    """Init std within 5% of the Kaiming/Xavier/PyTorch-default formulas (gains, fan_in vs fan_out)."""
    partial_credit.total = len(CASES)
    for case, check in CASES:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")
