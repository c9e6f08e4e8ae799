"""Converting between `MLP` and `torch.nn.Sequential` (README, "PyTorch interop").

torch is imported inside the functions so that `import mlp` stays fast and torch-free.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from mlp.layers import ACTIVATIONS, Linear
from mlp.network import MLP

if TYPE_CHECKING:
    import torch


def _torch_activations() -> dict[str, type[torch.nn.Module]]:
    import torch

    return {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}


def to_torch(model: MLP) -> torch.nn.Sequential:
    """The same network as a float64 `torch.nn.Sequential` holding copies of the weights."""
    import torch

    modules: list[torch.nn.Module] = []
    for layer in model.layers:
        if isinstance(layer, Linear):
            linear = torch.nn.utils.skip_init(
                torch.nn.Linear, layer.in_features, layer.out_features, dtype=torch.float64
            )
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.weight.data))
                linear.bias.copy_(torch.from_numpy(layer.bias.data))
            modules.append(linear)
        else:
            modules.append(_torch_activations()[model.activation]())
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Module) -> MLP:
    """An `MLP` with float64 copies of the weights of `module`.

    `module` is a `torch.nn.Sequential` of `Linear` layers (with bias) with one `ReLU`, `Tanh` or
    `Sigmoid` between consecutive ones, the same kind throughout; anything else raises ValueError.
    """
    import torch

    layers = list(module.children()) if isinstance(module, torch.nn.Sequential) else [module]
    kinds = {kind: name for name, kind in _torch_activations().items()}
    linears = layers[0::2]
    activations = {type(layer) for layer in layers[1::2]}
    if (
        len(layers) % 2 == 0
        or not all(type(layer) is torch.nn.Linear and layer.bias is not None for layer in linears)
        or not activations <= kinds.keys()
        or len(activations) > 1
    ):
        raise ValueError(
            "expected Sequential(Linear, act, Linear, ..., Linear) with biases and one kind of "
            f"activation among {sorted(ACTIVATIONS)}; got {module}"
        )
    sizes = [linears[0].in_features] + [layer.out_features for layer in linears]
    if any(a.out_features != b.in_features for a, b in pairwise(linears)):
        raise ValueError(f"consecutive Linear layers do not fit together: {module}")
    activation = kinds[activations.pop()] if activations else "relu"
    model = MLP(sizes, activation, rng=np.random.default_rng(0))
    ours = [layer for layer in model.layers if isinstance(layer, Linear)]
    for mine, theirs in zip(ours, linears, strict=True):
        mine.weight.data[...] = theirs.weight.detach().cpu().double().numpy()
        mine.bias.data[...] = theirs.bias.detach().cpu().double().numpy()
    return model
