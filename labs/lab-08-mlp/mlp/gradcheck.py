"""Numerical gradients by central differences, and the relative error used to compare gradients."""

from __future__ import annotations

from collections.abc import Callable

from numpy.typing import ArrayLike

from mlp.layers import Array


def numerical_gradient(f: Callable[[Array], float], x: Array, h: float = 1e-5) -> Array:
    """d f / d x by central differences, (f(x + h·e_i) − f(x − h·e_i)) / 2h for every entry i.

    `x` (a float64 array) is perturbed in place, one entry at a time, and restored exactly, so `f` may
    read it through another reference (for example a `Parameter.data`). Error O(h²).
    """
    raise NotImplementedError("numerical_gradient: central differences; README 'Gradient checking'")


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """max over entries of |a − b| / max(1e-8, |a| + |b|); 0 for empty arrays."""
    raise NotImplementedError("relative_error; README 'Gradient checking'")
