"""Converting between `MLP` and `torch.nn.Sequential` (README, "PyTorch interop").

torch is imported inside the functions so that `import mlp` stays fast and torch-free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlp.network import MLP

if TYPE_CHECKING:
    import torch


def _torch_activations() -> dict[str, type[torch.nn.Module]]:
    import torch

    return {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}


def to_torch(model: MLP) -> torch.nn.Sequential:
    """The same network as a float64 `torch.nn.Sequential` holding copies of the weights."""
    raise NotImplementedError("to_torch; README 'PyTorch interop'")


def from_torch(module: torch.nn.Module) -> MLP:
    """An `MLP` with float64 copies of the weights of `module`.

    `module` is a `torch.nn.Sequential` of `Linear` layers (with bias) with one `ReLU`, `Tanh` or
    `Sigmoid` between consecutive ones, the same kind throughout; anything else raises ValueError.
    """
    raise NotImplementedError("from_torch; README 'PyTorch interop'")
