"""Moving a network between `MLP` and PyTorch through state dicts of NumPy arrays (README, "PyTorch
interop").

Starter stub. The package itself never imports PyTorch: `state_dict` produces exactly the keys and
array layouts of `torch.nn.Sequential(Linear, act, Linear, ...).state_dict()`, and `from_state_dict`
reads such a dict (NumPy arrays, or anything NumPy can convert, such as CPU tensors).
"""

from __future__ import annotations

from collections.abc import Mapping

from numpy.typing import ArrayLike

from mlp.layers import Array
from mlp.network import MLP


def state_dict(model: MLP) -> dict[str, Array]:
    """`{"0.weight": W0, "0.bias": b0, "2.weight": W1, ...}`: float64 copies, keyed by layer position."""
    raise NotImplementedError("state_dict; README 'PyTorch interop'")


def from_state_dict(state: Mapping[str, ArrayLike], activation: str = "relu") -> MLP:
    """An `MLP` with `activation` between its layers and float64 copies of the arrays in `state`.

    `state` holds exactly the keys `"0.weight", "0.bias", "2.weight", "2.bias", ...` (the Linear layers of
    a Sequential that alternates Linear and activation modules); each weight is 2-D, each bias matches
    its weight's rows, and consecutive layers fit. Anything else raises ValueError naming the key.
    """
    raise NotImplementedError("from_state_dict; README 'PyTorch interop'")
