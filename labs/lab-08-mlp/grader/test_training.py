"""Graders for train(): the spiral data set learned to >= 95% training accuracy, reproducibly."""

from __future__ import annotations

import mlp
import numpy as np
import pytest
from mlp_oracle import as_array, crash

SIZES = [2, 64, 64, 3]
EPOCHS = 50


def _spiral(datasets_dir) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(datasets_dir / "spiral" / "spiral.csv", delimiter=",", skiprows=1)
    return table[:, :2].copy(), table[:, 2].astype(np.int64)


def _accuracy(model, activation: str, X: np.ndarray, y: np.ndarray) -> float:
    """The grader's own forward pass from the learner's parameters."""
    params = [as_array(p.data, "parameter") for p in model.parameters()]
    h = X
    for i in range(0, len(params), 2):
        h = h @ params[i].T + params[i + 1]
        if i + 2 < len(params):
            h = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh}[activation](h)
    return float(np.mean(h.argmax(axis=1) == y))


def _history(history: object, epochs: int) -> tuple[list[float], list[float]]:
    assert isinstance(history, dict), f"train must return a dict, got {type(history).__name__}"
    assert {"loss", "accuracy"} <= history.keys(), f"history keys {sorted(history)}; need 'loss', 'accuracy'"
    loss, acc = [float(v) for v in history["loss"]], [float(v) for v in history["accuracy"]]
    assert len(loss) == epochs and len(acc) == epochs, (
        f"history has {len(loss)} losses and {len(acc)} accuracies; expected one of each per epoch ({epochs})"
    )
    return loss, acc


def _fit(X, y, activation: str, seed: int, epochs: int = EPOCHS):
    model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(seed))
    opt = mlp.Adam(model.parameters(), lr=0.01)
    history = mlp.train(model, X.copy(), y.copy(), epochs, 32, opt, np.random.default_rng(seed + 1))
    return model, history


def _learns(X, y, activation: str, seed: int) -> str | None:
    model, history = _fit(X, y, activation, seed)
    loss, acc = _history(history, EPOCHS)
    final = _accuracy(model, activation, X, y)
    if final < 0.95:
        return f"training accuracy after {EPOCHS} epochs is {final:.3f} (< 0.95); final loss {loss[-1]:.4f}"
    if abs(acc[-1] - final) > 1e-12:
        return f"history['accuracy'][-1] = {acc[-1]:.4f} but the trained model's accuracy on X is {final:.4f}"
    if not loss[-1] < 0.5 * loss[0]:
        return f"history['loss'] went from {loss[0]:.4f} to {loss[-1]:.4f}; it should fall"
    return None


def _reproducible(X, y) -> str | None:
    fits = [_fit(X, y, "relu", 7, epochs=3) for _ in range(2)]
    runs = [_history(history, 3) for _, history in fits]
    if runs[0] != runs[1]:
        return "two runs with identically seeded rngs gave different histories: shuffle with `rng` only"
    final = _accuracy(fits[0][0], "relu", X, y)
    if abs(runs[0][1][-1] - final) > 1e-12:
        return (
            f"after 3 epochs history['accuracy'][-1] = {runs[0][1][-1]:.4f} but the model's accuracy on X "
            f"is {final:.4f}: measure it after each epoch's updates"
        )
    return None


@pytest.mark.points(7)
def test_train_spiral(partial_credit, datasets_dir):
    """train(): MLP([2, 64, 64, 3]) reaches >= 95% training accuracy on the spiral data in 50 epochs."""
    X, y = _spiral(datasets_dir)
    cases = [
        ("ReLU MLP, Adam(lr=0.01), batch 32", lambda: _learns(X, y, "relu", 21)),
        ("tanh MLP, Adam(lr=0.01), batch 32", lambda: _learns(X, y, "tanh", 22)),
        ("reproducibility and per-epoch history", lambda: _reproducible(X, y)),
    ]
    partial_credit.total = len(cases)
    for case, check in cases:
        try:
            problem = check()
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")
