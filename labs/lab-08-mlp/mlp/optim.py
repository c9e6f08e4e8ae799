"""SGD with momentum and Adam, step for step the same as `torch.optim` (README, "Optimizers")."""

from __future__ import annotations

from collections.abc import Iterable

from mlp.layers import Array
from mlp.parameter import Parameter


class Optimizer:
    """Holds the parameters; `step()` updates their `data` in place from their `grad`."""

    def __init__(self, params: Iterable[Parameter], lr: float, weight_decay: float) -> None:
        self.params = list(params)
        self.lr = lr
        self.weight_decay = weight_decay

    def _grad(self, p: Parameter) -> Array:
        """The gradient with L2 weight decay folded in: grad + weight_decay · data."""
        raise NotImplementedError("Optimizer._grad: grad + weight_decay * data; README 'Optimizers'")

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """v ← momentum · v + g (v = g on the first step); p ← p − lr · v. No dampening, no Nesterov."""

    def __init__(
        self, params: Iterable[Parameter], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        raise NotImplementedError("SGD.__init__; README 'Optimizers'")

    def step(self) -> None:
        raise NotImplementedError("SGD.step: PyTorch's momentum rule; README 'Optimizers'")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) in PyTorch's form: eps is added to sqrt(v̂), weight decay is L2."""

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        raise NotImplementedError("Adam.__init__; README 'Optimizers'")

    def step(self) -> None:
        raise NotImplementedError("Adam.step: PyTorch's Adam update; README 'Optimizers'")
