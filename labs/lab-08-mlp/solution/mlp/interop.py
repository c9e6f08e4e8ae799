"""Moving a network between `MLP` and PyTorch through state dicts of NumPy arrays (README, "PyTorch
interop").

The package itself never imports PyTorch: `state_dict` produces exactly the keys and array layouts of
`torch.nn.Sequential(Linear, act, Linear, ...).state_dict()`, and `from_state_dict` reads such a dict
(NumPy arrays, or anything NumPy can convert, such as CPU tensors).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike

from mlp.layers import ACTIVATIONS, Array, Linear
from mlp.network import MLP


def state_dict(model: MLP) -> dict[str, Array]:
    """`{"0.weight": W0, "0.bias": b0, "2.weight": W1, ...}`: float64 copies, keyed by layer position."""
    state: dict[str, Array] = {}
    for index, layer in enumerate(model.layers):
        if isinstance(layer, Linear):
            state[f"{index}.weight"] = np.array(layer.weight.data, dtype=np.float64)
            state[f"{index}.bias"] = np.array(layer.bias.data, dtype=np.float64)
    return state


def from_state_dict(state: Mapping[str, ArrayLike], activation: str = "relu") -> MLP:
    """An `MLP` with `activation` between its layers and float64 copies of the arrays in `state`.

    `state` holds exactly the keys `"0.weight", "0.bias", "2.weight", "2.bias", ...` (the Linear layers of
    a Sequential that alternates Linear and activation modules); each weight is 2-D, each bias matches
    its weight's rows, and consecutive layers fit. Anything else raises ValueError naming the key.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {tuple(ACTIVATIONS)}")
    if not all(isinstance(key, str) for key in state):
        raise ValueError("state dict keys must be strings such as '0.weight'")
    count = (len(state) + 1) // 2
    expected = [f"{2 * i}.{kind}" for i in range(count) for kind in ("weight", "bias")]
    if count == 0 or sorted(state) != sorted(expected):
        extra = sorted(set(state) - set(expected)) or sorted(set(expected) - set(state)) or ["(none)"]
        raise ValueError(
            f"state dict keys must be {expected or ['0.weight', '0.bias']}; unexpected or missing key {extra[0]!r}"
        )
    weights = [np.array(state[f"{2 * i}.weight"], dtype=np.float64) for i in range(count)]
    biases = [np.array(state[f"{2 * i}.bias"], dtype=np.float64) for i in range(count)]
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if w.ndim != 2:
            raise ValueError(f"'{2 * i}.weight' must be 2-D (out_features, in_features), got shape {w.shape}")
        if b.shape != (w.shape[0],):
            raise ValueError(f"'{2 * i}.bias' has shape {b.shape}; its weight needs ({w.shape[0]},)")
    for i, (a, b) in enumerate(pairwise(weights)):
        if a.shape[0] != b.shape[1]:
            raise ValueError(
                f"'{2 * i + 2}.weight' takes {b.shape[1]} inputs but layer {2 * i} gives {a.shape[0]} outputs"
            )
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    model = MLP(sizes, activation, rng=np.random.default_rng(0))
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    for layer, w, b in zip(linears, weights, biases, strict=True):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    return model
