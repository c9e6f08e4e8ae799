"""Grader helpers for lab-08: PyTorch/SciPy reference computations and comparison messages.

Everything here works on plain NumPy arrays built by the grader; learner results are converted to
float64 arrays before any comparison.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import torch

torch.set_num_threads(1)
# The first torch.optim optimizer built in a process pays a one-off lazy import (seconds on a busy
# machine); pay it at collection time so no single grader test comes near its time limit.
torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.0)

TOL = 1e-7
ACTS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


def as_array(value: object, what: str) -> np.ndarray:
    """A fresh float64 copy of `value`, which must be a NumPy array (never trusted as anything else)."""
    if value is None:
        raise AssertionError(f"{what} returned None; it must return a NumPy array")
    if not isinstance(value, np.ndarray):
        raise AssertionError(f"{what} must be a NumPy array, got {type(value).__name__}")
    try:
        return np.array(np.asarray(value), dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{what} is not convertible to a float64 array: {exc}") from exc


def as_float(value: object, what: str) -> float:
    """`value` as a float; it must be exactly a Python float or a NumPy float64 (no subclass, no lookalike)."""
    if type(value) not in (float, np.float64):
        raise AssertionError(f"{what} must be a float, got {type(value).__name__}")
    return float(value)  # type: ignore[arg-type]


def raises_naming(
    call: Callable[[], object], error: type[BaseException], words: Sequence[str], what: str
) -> str | None:
    """None if `call()` raises `error` whose message contains every one of `words`; else what went wrong."""
    try:
        call()
    except error as exc:
        message = str(exc)
        missing = [w for w in words if w not in message]
        if missing:
            return f"{what} raised {error.__name__}({message!r}); the message should name {missing[0]!r}"
        return None
    except Exception as exc:
        return f"{what} raised {type(exc).__name__}: {exc}; expected {error.__name__}"
    return f"{what} did not raise {error.__name__}"


def rel_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def mismatch(
    name: str, yours: object, ref: np.ndarray, tol: float = TOL, oracle: str = "PyTorch"
) -> str | None:
    """None if `yours` matches `ref` entrywise within relative error `tol`, else a message naming the
    quantity, the error and the worst entry."""
    try:
        mine = as_array(yours, name)
    except AssertionError as exc:
        return str(exc)
    ref = np.asarray(ref, dtype=np.float64)
    if mine.shape != ref.shape:
        return f"{name} has shape {mine.shape}, expected {ref.shape}"
    if mine.size == 0:
        return None
    bad = ~np.isfinite(mine)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"{name} has a non-finite value {mine[idx]} at entry {list(idx)} ({oracle}: {ref[idx]:.6g})"
    err = rel_errors(mine, ref)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
    if err[idx] <= tol:
        return None
    return (
        f"{name} differs from {oracle}: relative error {err[idx]:.2e} > {tol:g}; worst entry {list(idx)}: "
        f"yours {mine[idx]:.10g}, {oracle} {ref[idx]:.10g}"
    )


def crash(exc: BaseException) -> str:
    """A one-line description of an exception raised by learner code, with its deepest learner frame."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "mlp" in f.filename.replace("\\", "/")]
    where = ""
    if frames:
        f = frames[-1]
        short = "/".join(f.filename.replace("\\", "/").split("/")[-2:])
        where = f" (at {short}:{f.lineno} in {f.name})"
    return f"raised {type(exc).__name__}: {exc}{where}"


def _leaf(value: np.ndarray) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64, requires_grad=True)


def torch_network(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    activation: str,
    x: np.ndarray,
    upstream: np.ndarray | None = None,
    targets: np.ndarray | None = None,
) -> dict[str, object]:
    """Forward and backward of the same network with autograd, in float64.

    Backpropagates `upstream` (d loss / d logits) or, given `targets`, the mean cross-entropy.
    Returns logits, loss (or None), x_grad and grads = [(dW, db), ...].
    """
    params = [(_leaf(w), _leaf(b)) for w, b in weights]
    xt = _leaf(x)
    h = xt
    for i, (w, b) in enumerate(params):
        h = torch.nn.functional.linear(h, w, b)
        if i < len(params) - 1:
            h = ACTS[activation](h)
    loss = None
    if targets is not None:
        loss = torch.nn.functional.cross_entropy(h, torch.tensor(targets, dtype=torch.int64))
        loss.backward()
    else:
        h.backward(torch.tensor(upstream, dtype=torch.float64))
    assert xt.grad is not None
    return {
        "logits": h.detach().numpy().copy(),
        "loss": None if loss is None else loss.item(),
        "x_grad": xt.grad.numpy().copy(),
        "grads": [(w.grad.numpy().copy(), b.grad.numpy().copy()) for w, b in params],  # type: ignore[union-attr]
    }


def random_weights(rng: np.random.Generator, sizes: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights (out × in) and biases with std ~ 1/sqrt(fan_in), so activations stay O(1)."""
    return [
        (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), 0.5 * rng.standard_normal(n_out))
        for n_in, n_out in pairwise(sizes)
    ]


def load_params(model: object, weights: Sequence[tuple[np.ndarray, np.ndarray]], what: str) -> list[object]:
    """Write the grader's weights into the learner's parameters (in place), after checking the layout."""
    params = list(model.parameters())  # type: ignore[attr-defined]
    expected = [shape for w, b in weights for shape in (w.shape, b.shape)]
    got = [tuple(np.shape(p.data)) for p in params]
    assert got == expected, (
        f"{what}.parameters() gives shapes {got}; expected {expected}: [weight, bias] per Linear layer, "
        "input to output, each weight shaped (out_features, in_features) like PyTorch"
    )
    for p, value in zip(params, (v for w, b in weights for v in (w, b)), strict=True):
        p.data[...] = value
    return params
