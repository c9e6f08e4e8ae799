"""Graders for the optimizers: several SGD and Adam steps equal torch.optim's from the same state."""

from __future__ import annotations

from functools import partial

import mlp
import numpy as np
import pytest
import torch
from mlp_oracle import as_array, crash, mismatch

pytestmark = [pytest.mark.part("D")]

SHAPES = [(3, 4), (3,)]
STEPS = 5
OPT_TOL = 1e-12


def _run(make_ours, make_theirs, seed: int) -> str | None:
    """Step both optimizers STEPS times on the same gradients; the first mismatch, named."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(shape) for shape in SHAPES]
    ours = [mlp.Parameter(v.copy(), name) for v, name in zip(start, ("weight", "bias"), strict=True)]
    theirs = [torch.nn.Parameter(torch.tensor(v)) for v in start]
    arrays = [p.data for p in ours]
    opt = make_ours(ours)
    ref = make_theirs(theirs)
    for step in range(1, STEPS + 1):
        grads = [rng.standard_normal(shape) for shape in SHAPES]
        for p, t, g in zip(ours, theirs, grads, strict=True):
            p.grad[...] = g
            t.grad = torch.tensor(g)
        opt.step()
        mine = [as_array(p.data, f"{p.name}.data") for p in ours]
        unchanged = [as_array(p.grad, f"{p.name}.grad") for p in ours]
        ref.step()
        for p, m, kept, g, t in zip(ours, mine, unchanged, grads, theirs, strict=True):
            if problem := mismatch(f"{p.name}.data after step {step}", m, t.detach().numpy(), OPT_TOL):
                return problem
            if not np.array_equal(kept, g):
                return f"step() changed {p.name}.grad; fold weight decay into a new array, not into .grad"
    if any(p.data is not a for p, a in zip(ours, arrays, strict=True)):
        return "step() replaced Parameter.data with a new array; update it in place (-=, [...] =)"
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
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Weight decay is folded into the gradient first: g = grad + weight_decay · data.",
    "PyTorch's momentum: v = g on the first step, then v = momentum · v + g; the step is lr · v.",
    "Update data in place, and never write into .grad.",
)
def test_sgd_matches_torch(partial_credit):
    """SGD (plain, momentum, weight decay): 5 steps give torch.optim.SGD's parameters within 1e-12."""
    _check_all(partial_credit, SGD_CASES, mlp.SGD, torch.optim.SGD, seed=100)


ADAM_CASES = [
    ("Adam() with its defaults", {}),
    ("Adam(lr=0.01)", {"lr": 0.01}),
    ("Adam(lr=0.05, betas=(0.8, 0.99), eps=0.1)", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 0.1}),
    ("Adam(lr=0.02, weight_decay=0.05)", {"lr": 0.02, "weight_decay": 0.05}),
    (
        "Adam(lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.2)",
        {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.2},
    ),
]


@pytest.mark.points(6)
@pytest.mark.hints(
    "One step counter t for all parameters, incremented once per step() call.",
    "Bias-correct both moments; eps is added to the corrected square root, outside it.",
    "Check the defaults too: lr=1e-3, betas=(0.9, 0.999), eps=1e-8.",
)
def test_adam_matches_torch(partial_credit):
    """Adam (betas, eps, weight decay): 5 steps give torch.optim.Adam's parameters within 1e-12."""
    _check_all(partial_credit, ADAM_CASES, mlp.Adam, torch.optim.Adam, seed=200)


def _zero_grad(make) -> str | None:  # type: ignore[no-untyped-def]
    params = [mlp.Parameter(np.ones((2, 3)), "weight"), mlp.Parameter(np.ones(3), "bias")]
    held = [p.grad for p in params]
    for p in params:
        p.grad[...] = 2.0
    make(params).zero_grad()
    if any(float(np.abs(as_array(p.grad, "grad")).max()) != 0.0 for p in params):
        return "zero_grad() left a non-zero gradient"
    if any(p.grad is not h for p, h in zip(params, held, strict=True)):
        return "zero_grad() replaced the .grad arrays; reset them in place"
    return None


@pytest.mark.points(1)
@pytest.mark.hints("The optimizer's zero_grad resets every parameter it holds, in place.")
def test_optimizers_zero_grad(partial_credit):
    """SGD.zero_grad() and Adam.zero_grad() reset every parameter's grad to 0, in place."""
    cases = [("SGD", lambda ps: mlp.SGD(ps, lr=0.1)), ("Adam", lambda ps: mlp.Adam(ps))]
    partial_credit.total = len(cases)
    for label, make in cases:
        try:
            problem = _zero_grad(make)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{label}: {problem}")
