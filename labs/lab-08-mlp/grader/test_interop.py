"""Part F: state_dict / from_state_dict: the same network in PyTorch, identical weights, both directions."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import torch
from mlp_oracle import as_array, crash, load_params, mismatch, raises_naming, random_weights

pytestmark = [pytest.mark.part("F")]

TORCH_ACT = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
SIZES = [4, 6, 5, 3]


def _sequential(sizes: list[int], activation: str, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
    modules: list[torch.nn.Module] = []
    for i in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            modules.append(TORCH_ACT[activation]())
    return torch.nn.Sequential(*modules).to(dtype)


def _learner_state(model: object) -> dict[str, np.ndarray]:
    state = mlp.state_dict(model)
    assert type(state) is dict, f"state_dict returned {type(state).__name__}; expected a dict"
    assert all(type(k) is str for k in state), "state_dict keys must be strings"
    for key, value in state.items():
        assert isinstance(value, np.ndarray) and value.dtype == np.float64, (
            f"state_dict()[{key!r}] must be a float64 NumPy array, got {type(value).__name__}"
            f"{'' if not isinstance(value, np.ndarray) else ' of ' + str(value.dtype)}"
        )
    return state


def _state_dict_case(activation: str, seed: int) -> str | None:
    rng = np.random.default_rng(seed)
    weights = random_weights(rng, SIZES)
    model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(seed))
    load_params(model, weights, "MLP")
    state = _learner_state(model)
    x = rng.standard_normal((7, SIZES[0]))
    ours = as_array(model.forward(x.copy()), "forward")
    keys = list(state)
    expected_keys = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    if keys != expected_keys:
        return f"keys {keys}; expected {expected_keys} (the Linear modules' positions in the Sequential)"
    for i, (w, b) in enumerate(weights):
        if not (np.array_equal(state[f"{2 * i}.weight"], w) and np.array_equal(state[f"{2 * i}.bias"], b)):
            return (
                f"'{2 * i}.weight' / '{2 * i}.bias' differ from the MLP's layer {i} (same (out, in) layout)"
            )
    net = _sequential(SIZES, activation)
    try:
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()}, strict=True)
    except (RuntimeError, KeyError) as exc:
        return f"torch.nn.Sequential.load_state_dict refused the state dict: {str(exc).splitlines()[0]}"
    with torch.no_grad():
        theirs = net(torch.tensor(x)).numpy()
    if problem := mismatch("forward of the torch network loaded from state_dict(model)", ours, theirs, 1e-12):
        return problem
    state["0.weight"] += 1.0
    if np.array_equal(as_array(model.parameters()[0].data, "weight"), state["0.weight"]):
        return "the state dict shares memory with the MLP; state_dict must copy the arrays"
    return None


def _from_state_dict_case(activation: str, dtype: torch.dtype, seed: int) -> str | None:
    torch.manual_seed(seed)
    net = _sequential([3, 8, 5, 2], activation, dtype)
    model = mlp.from_state_dict(net.state_dict(), activation)
    params = [as_array(p.data, "parameter") for p in model.parameters()]
    dtypes = [np.asarray(p.data).dtype for p in model.parameters()]
    x = np.random.default_rng(seed).standard_normal((4, 3))
    ours = as_array(model.forward(x.copy()), "forward")
    ref = [p.detach().double().numpy() for p in net.parameters()]
    if [p.shape for p in params] != [r.shape for r in ref]:
        return f"parameter shapes {[p.shape for p in params]}; expected {[r.shape for r in ref]}"
    for i, (p, r) in enumerate(zip(params, ref, strict=True)):
        if not np.array_equal(p, r):
            kind = "weight" if i % 2 == 0 else "bias"
            return f"parameter {i} ({kind} of Linear {i // 2}) differs from the torch module's"
    if any(d != np.float64 for d in dtypes):
        return "parameters must be float64 arrays"
    if model.activation != activation or model.sizes != [3, 8, 5, 2]:
        return f"activation {model.activation!r} and sizes {model.sizes!r}; expected {activation!r}, [3, 8, 5, 2]"
    with torch.no_grad():
        theirs = net.double()(torch.tensor(x)).numpy()
    return mismatch("from_state_dict(net.state_dict()).forward vs the module", ours, theirs, 1e-12)


def _round_trip_case() -> str | None:
    model = mlp.MLP([6, 9, 2], "tanh", rng=np.random.default_rng(120))
    state = _learner_state(model)
    back = mlp.from_state_dict(state, "tanh")
    a = [as_array(p.data, "parameter") for p in model.parameters()]
    b = [as_array(p.data, "parameter") for p in back.parameters()]
    x = np.random.default_rng(121).standard_normal((3, 6))
    there, here = as_array(back.forward(x.copy()), "forward"), as_array(model.forward(x.copy()), "forward")
    if len(a) != len(b) or not all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)):
        return "from_state_dict(state_dict(model)) does not have exactly the same parameters"
    state["0.weight"][...] = 0.0
    if not np.array_equal(as_array(back.parameters()[0].data, "weight"), a[0]):
        return "the model from from_state_dict shares memory with the state dict; copy the arrays"
    return mismatch("round-tripped forward", there, here, 1e-15)


def _state(sizes: list[int]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        key: value
        for i in range(len(sizes) - 1)
        for key, value in (
            (f"{2 * i}.weight", rng.standard_normal((sizes[i + 1], sizes[i]))),
            (f"{2 * i}.bias", rng.standard_normal(sizes[i + 1])),
        )
    }


def _rejections() -> str | None:
    good = _state([2, 3, 2])
    missing = {k: v for k, v in good.items() if k != "2.bias"}
    shifted = {k.replace("2.", "1."): v for k, v in good.items()}
    bad_bias = {**good, "0.bias": np.zeros(5)}
    not_fitting = {**good, "2.weight": np.ones((2, 4))}
    checks = [
        (lambda: mlp.from_state_dict(good, "gelu"), ["gelu"], "from_state_dict(state, 'gelu')"),
        (lambda: mlp.from_state_dict(missing), ["2.bias"], "a state dict without '2.bias'"),
        (lambda: mlp.from_state_dict(shifted), ["1."], "a state dict with keys '1.weight', '1.bias'"),
        (lambda: mlp.from_state_dict(bad_bias), ["0.bias"], "a '0.bias' of the wrong length"),
        (lambda: mlp.from_state_dict(not_fitting), ["2.weight"], "a '2.weight' that does not fit layer 0"),
        (lambda: mlp.from_state_dict({}), ["0.weight"], "an empty state dict (it lacks '0.weight')"),
    ]
    for call, words, what in checks:
        if problem := raises_naming(call, ValueError, words, what):
            return problem
    return None


CASES = [
    *((f"state_dict, {a}", lambda a=a, s=s: _state_dict_case(a, s)) for s, a in enumerate(TORCH_ACT)),
    ("from_state_dict, tanh, float64", lambda: _from_state_dict_case("tanh", torch.float64, 5)),
    ("from_state_dict, relu, float32 module", lambda: _from_state_dict_case("relu", torch.float32, 6)),
    ("from_state_dict(state_dict(model))", _round_trip_case),
    ("from_state_dict on state dicts it cannot represent", _rejections),
]


@pytest.mark.points(6)
@pytest.mark.hints(
    "A Sequential numbers its modules 0, 1, 2, ...: the Linear layers are at the even positions.",
    "Copy every array (np.array(..., dtype=np.float64)) so the two networks never share memory.",
    "Validate every key and shape before building the MLP, and name the offending key in the ValueError.",
)
def test_state_dict_round_trip(partial_credit):
    """state_dict/from_state_dict: PyTorch's keys, float64 copies, same outputs, exact round trip, ValueError."""
    partial_credit.total = len(CASES)
    for case, check in CASES:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")
