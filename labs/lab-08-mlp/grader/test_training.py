"""Part G: accuracy() and train(), replayed exactly against PyTorch, and the spiral learned to >= 95%.

train() is given the graders' own optimizers (plain NumPy, the README's rules), so this part needs the
layers and the network but not the learner's optimizers.
"""

from __future__ import annotations

import mlp
import numpy as np
import pytest
import torch
from mlp_oracle import as_array, as_float, crash, load_params, mismatch, random_weights

pytestmark = [pytest.mark.part("G")]

SIZES = [2, 64, 64, 3]
EPOCHS = 50


class GraderSGD:
    """Plain SGD over the learner's Parameters: data -= lr * grad (with its own zero_grad)."""

    def __init__(self, params: list[object], lr: float) -> None:
        self.params, self.lr, self.steps = list(params), lr, 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad[...] = 0.0  # type: ignore[attr-defined]

    def step(self) -> None:
        self.steps += 1
        for p in self.params:
            p.data -= self.lr * p.grad  # type: ignore[attr-defined]


class GraderAdam(GraderSGD):
    """Adam as the README specifies it (PyTorch's form), without weight decay."""

    def __init__(self, params: list[object], lr: float) -> None:
        super().__init__(params, lr)
        self.m = [np.zeros_like(p.data) for p in self.params]  # type: ignore[attr-defined]
        self.v = [np.zeros_like(p.data) for p in self.params]  # type: ignore[attr-defined]

    def step(self) -> None:
        self.steps += 1
        t = self.steps
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad  # type: ignore[attr-defined]
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g * g
            p.data -= (self.lr / (1 - 0.9**t)) * m / (np.sqrt(v) / np.sqrt(1 - 0.999**t) + 1e-8)  # type: ignore[attr-defined]


def _spiral(datasets_dir) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    table = np.loadtxt(datasets_dir / "spiral" / "spiral.csv", delimiter=",", skiprows=1)
    return table[:, :2].copy(), table[:, 2].astype(np.int64)


def _forward(params: list[np.ndarray], activation: str, X: np.ndarray) -> np.ndarray:
    """The graders' own forward pass from copies of the learner's parameters."""
    act = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh}[activation]
    h = X
    for i in range(0, len(params), 2):
        h = h @ params[i].T + params[i + 1]
        if i + 2 < len(params):
            h = act(h)
    return h


def _params(model: object) -> list[np.ndarray]:
    return [as_array(p.data, "parameter") for p in model.parameters()]  # type: ignore[attr-defined]


def _history(history: object, epochs: int) -> tuple[list[float], list[float]]:
    assert isinstance(history, dict), f"train must return a dict, got {type(history).__name__}"
    assert {"loss", "accuracy"} <= history.keys(), f"history keys {sorted(history)}; need 'loss', 'accuracy'"
    loss = [as_float(v, "a history['loss'] entry") for v in list(history["loss"])]
    acc = [as_float(v, "a history['accuracy'] entry") for v in list(history["accuracy"])]
    assert len(loss) == epochs and len(acc) == epochs, (
        f"history has {len(loss)} losses and {len(acc)} accuracies; expected one of each per epoch ({epochs})"
    )
    return loss, acc


# -- accuracy ----------------------------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "The prediction of a row is the index of its largest logit (argmax over axis 1).",
    "Return the fraction of correct rows as a float; y may be a list or an array.",
)
def test_accuracy(partial_credit):
    """accuracy(model, X, y): the fraction of rows whose largest logit is the true class, as a float."""
    rng = np.random.default_rng(150)
    weights = random_weights(rng, [3, 5, 4])
    X = rng.standard_normal((40, 3))
    partial_credit.total = 2
    for as_list in (False, True):
        case = "y as a list" if as_list else "y as an array"
        try:
            model = mlp.MLP([3, 5, 4], "tanh", rng=np.random.default_rng(1))
            load_params(model, weights, "MLP")
            y = np.random.default_rng(151 + as_list).integers(0, 4, size=40)
            y[:12] = _forward([v for w, b in weights for v in (w, b)], "tanh", X[:12]).argmax(axis=1)
            got = as_float(mlp.accuracy(model, X.copy(), y.tolist() if as_list else y.copy()), "accuracy")
            logits = _forward([v for w, b in weights for v in (w, b)], "tanh", X)
            want = float(np.mean(logits.argmax(axis=1) == y))
            problem = None if got == want else f"accuracy is {got!r}, expected {want!r}"
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{case}: {problem}")


# -- train, replayed exactly ---------------------------------------------------------------------------
def _torch_replay(weights, X, y, epochs: int, batch: int, lr: float, seed: int):  # type: ignore[no-untyped-def]
    """The README's training loop in PyTorch: per-epoch permutation from rng, mean cross-entropy per batch,
    SGD; returns (per-epoch mean loss over examples, per-epoch accuracy, final parameters)."""
    rng = np.random.default_rng(seed)
    params = [torch.tensor(v, requires_grad=True) for w, b in weights for v in (w, b)]
    xt, yt = torch.tensor(X), torch.tensor(y)
    losses, accs = [], []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch):
            rows = torch.tensor(order[start : start + batch])
            h = xt[rows]
            for i in range(0, len(params), 2):
                h = torch.nn.functional.linear(h, params[i], params[i + 1])
                if i + 2 < len(params):
                    h = torch.relu(h)
            loss = torch.nn.functional.cross_entropy(h, yt[rows])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            total += loss.item() * len(rows)
        losses.append(total / len(X))
        final = [p.detach().numpy().copy() for p in params]
        accs.append(float(np.mean(_forward(final, "relu", X).argmax(axis=1) == y)))
    return losses, accs, [p.detach().numpy().copy() for p in params]


def _replay_case(datasets_dir, batch: int, y_as_list: bool) -> str | None:  # type: ignore[no-untyped-def]
    X, y = _spiral(datasets_dir)
    weights = random_weights(np.random.default_rng(160 + batch), [2, 8, 3])
    model = mlp.MLP([2, 8, 3], "relu", rng=np.random.default_rng(1))
    load_params(model, weights, "MLP")
    optimizer = GraderSGD(model.parameters(), lr=0.5)
    history = mlp.train(
        model, X.copy(), y.tolist() if y_as_list else y.copy(), 3, batch, optimizer, np.random.default_rng(7)
    )
    loss, acc = _history(history, 3)
    got = _params(model)
    steps = optimizer.steps
    want_loss, want_acc, want = _torch_replay(weights, X, y, 3, batch, 0.5, 7)
    batches = -(-len(X) // batch)
    if steps != 3 * batches:
        return f"train took {steps} optimizer steps for 3 epochs of {len(X)} rows in batches of {batch}; expected {3 * batches}"
    if problem := mismatch(
        "history['loss'] (the mean loss over each epoch's examples)",
        np.array(loss),
        np.array(want_loss),
        1e-10,
    ):
        return problem
    if acc != want_acc:
        return f"history['accuracy'] is {acc}, expected {want_acc} (accuracy on all of X after each epoch)"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if problem := mismatch(f"parameter {i} after training", g, w, 1e-10):
            return problem + " (each epoch: rng.permutation(len(X)), then batches in that order)"
    return None


@pytest.mark.points(4)
@pytest.mark.hints(
    "Each epoch draws rng.permutation(len(X)) once and walks it in slices of batch_size; the last may be smaller.",
    "Per batch: zero the gradients, forward, loss, backward, optimizer.step().",
    "An epoch's loss is the mean over its examples: weight each batch's mean loss by the batch's size.",
)
def test_train_replays_exactly(partial_credit, datasets_dir):  # type: ignore[no-untyped-def]
    """train() takes exactly the README's steps: same permutation, batches, losses and weights as PyTorch."""
    cases = [
        ("batch 32 (the last batch has 12 rows)", 32, False),
        ("batch 300 (full batch), y as a list", 300, True),
    ]
    partial_credit.total = len(cases)
    for label, batch, as_list in cases:
        try:
            problem = _replay_case(datasets_dir, batch, as_list)
        except AssertionError as exc:
            problem = str(exc)
        except Exception as exc:
            problem = crash(exc)
        partial_credit.check(problem is None, f"{label}: {problem}")


# -- the spiral ----------------------------------------------------------------------------------------
def _fit(X, y, activation: str, seed: int, epochs: int = EPOCHS):  # type: ignore[no-untyped-def]
    model = mlp.MLP(SIZES, activation, rng=np.random.default_rng(seed))
    opt = GraderAdam(model.parameters(), lr=0.01)
    history = mlp.train(model, X.copy(), y.copy(), epochs, 32, opt, np.random.default_rng(seed + 1))
    return model, history


def _learns(X, y, activation: str, seed: int) -> str | None:  # type: ignore[no-untyped-def]
    model, history = _fit(X, y, activation, seed)
    loss, acc = _history(history, EPOCHS)
    final = float(np.mean(_forward(_params(model), activation, X).argmax(axis=1) == y))
    if final < 0.95:
        return f"training accuracy after {EPOCHS} epochs is {final:.3f} (< 0.95); final loss {loss[-1]:.4f}"
    if abs(acc[-1] - final) > 1e-12:
        return f"history['accuracy'][-1] = {acc[-1]:.4f} but the trained model's accuracy on X is {final:.4f}"
    if not loss[-1] < 0.5 * loss[0]:
        return f"history['loss'] went from {loss[0]:.4f} to {loss[-1]:.4f}; it should fall"
    return None


def _reproducible(X, y) -> str | None:  # type: ignore[no-untyped-def]
    fits = [_fit(X, y, "relu", 7, epochs=3) for _ in range(2)]
    runs = [_history(history, 3) for _, history in fits]
    if runs[0] != runs[1]:
        return "two runs with identically seeded rngs gave different histories: shuffle with `rng` only"
    return None


@pytest.mark.points(4)
@pytest.mark.critical("the network learns the spiral")
@pytest.mark.hints(
    "If the loss does not fall, check the sign of the update and that gradients are zeroed every batch.",
    "Draw the permutation from the rng you are given, never from np.random directly.",
)
def test_train_spiral(partial_credit, datasets_dir):  # type: ignore[no-untyped-def]
    """train(): MLP([2, 64, 64, 3]) reaches >= 95% training accuracy on the spiral data in 50 epochs."""
    X, y = _spiral(datasets_dir)
    cases = [
        ("ReLU MLP, Adam(lr=0.01), batch 32", lambda: _learns(X, y, "relu", 21)),
        ("tanh MLP, Adam(lr=0.01), batch 32", lambda: _learns(X, y, "tanh", 22)),
        ("reproducibility", lambda: _reproducible(X, y)),
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
