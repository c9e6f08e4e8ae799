"""Model tests for MLP and the PyTorch interop, with autograd as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mlp import MLP, SoftmaxCrossEntropy, from_torch, relative_error, to_torch


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("batch", [1, 5])
def test_mlp_matches_autograd(activation, batch):
    rng = np.random.default_rng(batch)
    model = MLP([4, 6, 5, 3], activation, rng=rng)
    x, targets = rng.standard_normal((batch, 4)), rng.integers(0, 3, batch)
    net = to_torch(model)
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


def test_round_trip_and_copies():
    model = MLP([3, 5, 2], "sigmoid", rng=np.random.default_rng(0))
    net = to_torch(model)
    assert [type(m) for m in net] == [torch.nn.Linear, torch.nn.Sigmoid, torch.nn.Linear]
    back = from_torch(net)
    assert back.activation == "sigmoid"
    for a, b in zip(model.parameters(), back.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    with torch.no_grad():
        net[0].weight.add_(1.0)
    assert not np.array_equal(model.parameters()[0].data, net[0].weight.detach().numpy())


def test_from_torch_float32_single_layer_and_rejections():
    torch.manual_seed(0)
    single = torch.nn.Linear(3, 2)
    model = from_torch(single)
    assert model.sizes == [3, 2] and model.parameters()[0].data.dtype == np.float64
    np.testing.assert_array_equal(model.parameters()[0].data, single.weight.detach().double().numpy())
    lin = torch.nn.Linear
    bad = [
        torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU(), torch.nn.Linear(3, 2)),
        torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()),
        torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)),
        torch.nn.Sequential(lin(2, 3), torch.nn.ReLU(), lin(3, 3), torch.nn.Tanh(), lin(3, 1)),
    ]
    for module in bad:
        with pytest.raises(ValueError, match="Sequential"):
            from_torch(module)
    with pytest.raises(ValueError, match="fit together"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(4, 1)))
