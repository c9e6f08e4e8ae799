"""Model tests for MLP and the PyTorch interop, with autograd as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mlp import MLP, SoftmaxCrossEntropy, from_state_dict, relative_error, state_dict


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("batch", [1, 5])
def test_mlp_matches_autograd(activation, batch):
    rng = np.random.default_rng(batch)
    model = MLP([4, 6, 5, 3], activation, rng=rng)
    x, targets = rng.standard_normal((batch, 4)), rng.integers(0, 3, batch)
    net = _torch_net(model)
    xt = torch.tensor(x, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(net(xt), torch.tensor(targets))
    loss_t.backward()

    loss_fn = SoftmaxCrossEntropy()
    model.zero_grad()
    loss = loss_fn.forward(model(x), targets)
    grad_x = model.backward(loss_fn.backward())
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    assert relative_error(grad_x, xt.grad.numpy()) < 1e-10
    for ours, theirs in zip(model.parameters(), net.parameters(), strict=True):
        assert relative_error(ours.grad, theirs.grad.numpy()) < 1e-10


def test_mlp_structure_and_validation():
    model = MLP([2, 3, 4], "tanh", init="xavier")
    assert [type(layer).__name__ for layer in model.layers] == ["Linear", "Tanh", "Linear"]
    assert [p.shape for p in model.parameters()] == [(3, 2), (3,), (4, 3), (4,)]
    with pytest.raises(ValueError, match="sizes"):
        MLP([3])
    with pytest.raises(ValueError, match="activation"):
        MLP([3, 2], "gelu")


def _torch_net(model: MLP) -> torch.nn.Sequential:
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[model.activation]
    sizes = model.sizes
    modules: list[torch.nn.Module] = []
    for i in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64))
        if i < len(sizes) - 2:
            modules.append(act())
    net = torch.nn.Sequential(*modules)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict(model).items()})
    return net


def test_round_trip_and_copies():
    model = MLP([3, 5, 2], "sigmoid", rng=np.random.default_rng(0))
    state = state_dict(model)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    net = _torch_net(model)
    back = from_state_dict(net.state_dict(), "sigmoid")
    assert back.activation == "sigmoid" and back.sizes == [3, 5, 2]
    for a, b in zip(model.parameters(), back.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    state["0.weight"] += 1.0
    assert not np.array_equal(model.parameters()[0].data, state["0.weight"])


def test_from_state_dict_float32_single_layer_and_rejections():
    torch.manual_seed(0)
    single = torch.nn.Sequential(torch.nn.Linear(3, 2))
    model = from_state_dict(single.state_dict())
    assert model.sizes == [3, 2] and model.parameters()[0].data.dtype == np.float64
    np.testing.assert_array_equal(model.parameters()[0].data, single[0].weight.detach().double().numpy())
    w, b = np.ones((3, 2)), np.zeros(3)
    with pytest.raises(ValueError, match="activation"):
        from_state_dict({"0.weight": w, "0.bias": b}, "gelu")
    bad = [
        ({}, "keys"),
        ({"0.weight": w}, "0.bias"),
        ({"1.weight": w, "1.bias": b}, "key '1"),
        ({"0.weight": w, "0.bias": b, "2.weight": w}, "keys"),
        ({0: w, 1: b}, "strings"),
        ({"0.weight": np.ones(3), "0.bias": b}, "0.weight"),
        ({"0.weight": w, "0.bias": np.zeros(2)}, "0.bias"),
        ({"0.weight": w, "0.bias": b, "2.weight": np.ones((1, 4)), "2.bias": np.zeros(1)}, "2.weight"),
    ]
    for state, word in bad:
        with pytest.raises(ValueError, match=word):
            from_state_dict(state)
