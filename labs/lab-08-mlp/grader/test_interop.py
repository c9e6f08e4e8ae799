"""Graders for to_torch / from_torch: the same network, identical weights, in both directions."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import torch
from mlp_oracle import as_array, crash, load_params, mismatch, random_weights

TORCH_ACT = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
SIZES = [4, 6, 5, 3]


def _to_torch_case(activation: str, seed: int) -> str | None:
    rng = np.random.default_rng(seed)
    weights = random_weights(rng, SIZES)
    model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(seed))
    load_params(model, weights, "MLP")
    net = mlp.to_torch(model)
    if not isinstance(net, torch.nn.Sequential):
        return f"to_torch returned {type(net).__name__}; expected torch.nn.Sequential"
    kinds = [type(m) for m in net]
    act = TORCH_ACT[activation]
    expected = [torch.nn.Linear, act, torch.nn.Linear, act, torch.nn.Linear]
    if kinds != expected:
        return f"modules {[k.__name__ for k in kinds]}; expected {[k.__name__ for k in expected]}"
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for i, (lin, (w, b)) in enumerate(zip(linears, weights, strict=True)):
        if lin.weight.dtype != torch.float64:
            return f"Linear {i} has dtype {lin.weight.dtype}; use float64"
        same_w = np.array_equal(lin.weight.detach().numpy(), w)
        if not (same_w and np.array_equal(lin.bias.detach().numpy(), b)):
            return f"Linear {i} weights/bias differ from the MLP's (copy them exactly, same (out, in) layout)"
    x = rng.standard_normal((7, SIZES[0]))
    with torch.no_grad():
        theirs = net(torch.tensor(x)).numpy()
    ours = as_array(model.forward(x), "forward")
    if problem := mismatch("to_torch(model) output vs model.forward", theirs, ours):
        return problem
    with torch.no_grad():
        linears[0].weight.add_(1.0)
    if np.array_equal(as_array(model.parameters()[0].data, "weight"), linears[0].weight.detach().numpy()):
        return "the torch module shares memory with the MLP; to_torch must copy the weights"
    return None


def _from_torch_case(activation: str, dtype: torch.dtype, seed: int) -> str | None:
    torch.manual_seed(seed)
    act = TORCH_ACT[activation]
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 8), act(), torch.nn.Linear(8, 5), act(), torch.nn.Linear(5, 2)
    ).to(dtype)
    model = mlp.from_torch(net)
    params = [as_array(p.data, "parameter") for p in model.parameters()]
    ref = [p.detach().double().numpy() for p in net.parameters()]
    if [p.shape for p in params] != [r.shape for r in ref]:
        return f"parameter shapes {[p.shape for p in params]}; expected {[r.shape for r in ref]}"
    for i, (p, r) in enumerate(zip(params, ref, strict=True)):
        if not np.array_equal(p, r):
            kind = "weight" if i % 2 == 0 else "bias"
            return f"parameter {i} ({kind} of Linear {i // 2}) differs from the torch module's"
    if any(np.asarray(p.data).dtype != np.float64 for p in model.parameters()):
        return "parameters must be float64 arrays"
    x = np.random.default_rng(seed).standard_normal((4, 3))
    with torch.no_grad():
        theirs = net.double()(torch.tensor(x)).numpy()
    return mismatch("from_torch(module).forward vs the module", model.forward(x), theirs)


def _round_trip_case() -> str | None:
    model = mlp.MLP([6, 9, 2], "tanh", rng=np.random.default_rng(120))
    back = mlp.from_torch(mlp.to_torch(model))
    a = [as_array(p.data, "parameter") for p in model.parameters()]
    b = [as_array(p.data, "parameter") for p in back.parameters()]
    if len(a) != len(b) or not all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)):
        return "from_torch(to_torch(model)) does not have exactly the same parameters"
    x = np.random.default_rng(121).standard_normal((3, 6))
    return mismatch("round-tripped forward", back.forward(x), as_array(model.forward(x), "forward"), 1e-15)


def _rejects_unknown() -> str | None:
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU(), torch.nn.Linear(3, 2)).double()
    try:
        mlp.from_torch(net)
    except ValueError:
        return None
    return "from_torch accepted a GELU activation; it must raise ValueError for modules it cannot represent"


CASES = [
    *((f"to_torch, {a}", lambda a=a, s=s: _to_torch_case(a, s)) for s, a in enumerate(TORCH_ACT)),
    ("from_torch, tanh, float64", lambda: _from_torch_case("tanh", torch.float64, 5)),
    ("from_torch, relu, float32 module", lambda: _from_torch_case("relu", torch.float32, 6)),
    ("from_torch(to_torch(model))", _round_trip_case),
    ("from_torch on an unsupported module", _rejects_unknown),
]


@pytest.mark.points(6)
def test_torch_round_trip(partial_credit):
    """to_torch/from_torch: same layers, float64 copies of the weights, same outputs, exact round trip."""
    partial_credit.total = len(CASES)
    for case, check in CASES:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")
