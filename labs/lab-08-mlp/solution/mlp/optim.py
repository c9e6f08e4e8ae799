"""SGD with momentum and Adam, step for step the same as `torch.optim` (README, "Optimizers")."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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
        return p.grad + self.weight_decay * p.data if self.weight_decay else p.grad

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
        super().__init__(params, lr, weight_decay)
        self.momentum = momentum
        self.velocity: list[Array | None] = [None] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            g = self._grad(p)
            if self.momentum:
                v = self.velocity[i]
                if v is None:
                    v = self.velocity[i] = g.copy()
                else:
                    v *= self.momentum
                    v += g
                g = v
            p.data -= self.lr * g


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
        super().__init__(params, lr, weight_decay)
        self.betas = betas
        self.eps = eps
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        beta1, beta2 = self.betas
        self.t += 1
        correction1 = 1.0 - beta1**self.t
        correction2_sqrt = (1.0 - beta2**self.t) ** 0.5
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = self._grad(p)
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * g * g
            p.data -= (self.lr / correction1) * m / (np.sqrt(v) / correction2_sqrt + self.eps)
