"""Graders for the optimizers: several SGD and Adam steps equal torch.optim's from the same state."""

from __future__ import annotations

from functools import partial

import mlp
import numpy as np
import pytest
import torch
from mlp_oracle import crash, mismatch

SHAPES = [(3, 4), (3,)]
STEPS = 5
OPT_TOL = 1e-12


def _run(make_ours, make_theirs, seed: int) -> str | None:
    """Step both optimizers STEPS times on the same gradients; the first mismatch, named."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(shape) for shape in SHAPES]
    ours = [mlp.Parameter(v.copy(), name) for v, name in zip(start, ("weight", "bias"), strict=True)]
    theirs = [torch.nn.Parameter(torch.tensor(v)) for v in start]
    opt, ref = make_ours(ours), make_theirs(theirs)
    for step in range(1, STEPS + 1):
        grads = [rng.standard_normal(shape) for shape in SHAPES]
        for p, t, g in zip(ours, theirs, grads, strict=True):
            p.grad[...] = g
            t.grad = torch.tensor(g)
        opt.step()
        ref.step()
        for p, t in zip(ours, theirs, strict=True):
            if problem := mismatch(f"{p.name}.data after step {step}", p.data, t.detach().numpy(), OPT_TOL):
                return problem
    return None


def _check_all(partial_credit, cases, make_ours, make_theirs, seed: int) -> None:
    partial_credit.total = len(cases)
    for i, (label, kwargs) in enumerate(cases):
        try:
            problem = _run(partial(make_ours, **kwargs), partial(make_theirs, **kwargs), seed + i)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{label}: {problem}")


SGD_CASES = [
    ("SGD(lr=0.1)", {"lr": 0.1}),
    ("SGD(lr=0.05, momentum=0.9)", {"lr": 0.05, "momentum": 0.9}),
    ("SGD(lr=0.1, weight_decay=0.01)", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD(lr=0.03, momentum=0.8, weight_decay=0.1)", {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.1}),
]


@pytest.mark.points(6)
def test_sgd_matches_torch(partial_credit):
    """SGD (plain, momentum, weight decay): 5 steps give torch.optim.SGD's parameters within 1e-12."""
    _check_all(partial_credit, SGD_CASES, mlp.SGD, torch.optim.SGD, seed=100)


ADAM_CASES = [
    ("Adam(lr=0.01)", {"lr": 0.01}),
    ("Adam(lr=0.05, betas=(0.8, 0.99), eps=0.1)", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 0.1}),
    ("Adam(lr=0.02, weight_decay=0.05)", {"lr": 0.02, "weight_decay": 0.05}),
    (
        "Adam(lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.2)",
        {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.2},
    ),
]


@pytest.mark.points(7)
def test_adam_matches_torch(partial_credit):
    """Adam (betas, eps, weight decay): 5 steps give torch.optim.Adam's parameters within 1e-12."""
    _check_all(partial_credit, ADAM_CASES, mlp.Adam, torch.optim.Adam, seed=200)
