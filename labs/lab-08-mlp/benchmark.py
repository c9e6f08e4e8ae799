"""Benchmarks for lab-08: training-step speed against PyTorch, and why initialisation matters.

    python labs/lab-08-mlp/benchmark.py [--target solution|workspace]

1. Time per training step (forward, cross-entropy, backward, Adam step) of `mlp` against the same
   float64 network and optimizer in PyTorch (the baseline, measured in the same run), as a ratio.
2. Activation scale through a deep (10 × 256) network: the std of each hidden layer's output and the
   gradient norm reaching the first layer, per init scheme, relative to the input's.
3. Epochs to 95% training accuracy on the spiral data per init scheme.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread, like the one torch thread below: a fair comparison, and quiet on a shared machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # after the thread settings, which NumPy reads at import

HERE = Path(__file__).resolve().parent


def best_time(fn, repeat: int = 5, number: int = 20) -> float:
    """Best-of-`repeat` mean seconds per call over `number` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def torch_copy(mlp, torch, model):
    """The same float64 network in torch.nn, loaded from `mlp.state_dict(model)`."""
    modules = []
    for i, (n_in, n_out) in enumerate(zip(model.sizes, model.sizes[1:], strict=False)):
        modules.append(torch.nn.Linear(n_in, n_out, dtype=torch.float64))
        if i < len(model.sizes) - 2:
            modules.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*modules)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in mlp.state_dict(model).items()})
    return net


def step_speed(mlp, torch, sizes: list[int], batch: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    model = mlp.MLP(sizes, "relu", rng=rng)
    net = torch_copy(mlp, torch, model)
    x = rng.standard_normal((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], batch)
    ours_opt, loss_fn = mlp.Adam(model.parameters(), lr=1e-3), mlp.SoftmaxCrossEntropy()
    theirs_opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def ours() -> None:
        model.zero_grad()
        loss_fn.forward(model.forward(x), y)
        model.backward(loss_fn.backward())
        ours_opt.step()

    def theirs() -> None:
        theirs_opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        theirs_opt.step()

    return best_time(ours), best_time(theirs)


def depth_scale(mlp, init: str, activation: str, depth: int = 10, width: int = 256) -> tuple[float, float]:
    """(std of the last hidden activation, |grad| of the first weight) for a deep net at init."""
    rng = np.random.default_rng(1)
    model = mlp.MLP([width] * (depth + 1) + [10], activation, init=init, rng=rng)
    x = rng.standard_normal((512, width))
    h = x
    for layer in model.layers[:-1]:
        h = layer.forward(h)
    logits = model.layers[-1].forward(h)
    model.zero_grad()
    loss_fn = mlp.SoftmaxCrossEntropy()
    loss_fn.forward(logits, rng.integers(0, 10, 512))
    model.backward(loss_fn.backward())  # every layer cached its input in the loop above
    return float(h.std()), float(np.linalg.norm(model.parameters()[0].grad))


def epochs_to_95(mlp, init: str, activation: str, seeds: range = range(3)) -> float:
    X, y = mlp.load_spiral(HERE.parent.parent / "datasets" / "spiral" / "spiral.csv")
    found = []
    for seed in seeds:
        model = mlp.MLP([2, 64, 64, 3], activation, init=init, rng=np.random.default_rng(seed))
        history = mlp.train(
            model,
            X,
            y,
            200,
            32,
            mlp.SGD(model.parameters(), lr=0.05, momentum=0.9),
            np.random.default_rng(seed + 10),
        )
        found.append(next((i + 1 for i, a in enumerate(history["accuracy"]) if a >= 0.95), float("inf")))
    return float(np.median(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="solution", help="'solution', 'workspace' or a folder")
    target = parser.parse_args().target
    root = {"solution": HERE / "solution", "workspace": HERE}.get(target, Path(target))
    sys.path.insert(0, str(root))
    import mlp
    import torch

    torch.set_num_threads(1)
    print(f"mlp from {root.name}; torch {torch.__version__}, numpy {np.__version__}; one thread each\n")
    print("1. one training step (forward + loss + backward + Adam), float64; baseline = PyTorch")
    for sizes, batch in (([2, 64, 64, 3], 32), ([784, 256, 128, 10], 128)):
        ours, theirs = step_speed(mlp, torch, sizes, batch)
        print(
            f"   MLP{sizes} batch {batch:4d}: mlp {ours * 1e6:8.1f} µs, torch {theirs * 1e6:8.1f} µs, "
            f"ratio mlp/torch = {ours / theirs:.2f}"
        )
    print("\n2. 10 hidden layers of 256 at init, input std 1: last hidden std | first-layer grad norm")
    for activation in ("tanh", "relu"):
        for init in ("kaiming", "xavier", "torch_default"):
            std, grad = depth_scale(mlp, init, activation)
            print(f"   {activation:5s} {init:14s} last hidden std {std:9.2e} | grad norm {grad:9.2e}")
    print("\n3. spiral, MLP[2, 64, 64, 3], SGD(lr=0.05, momentum=0.9), batch 32: median epochs to 95%")
    for activation in ("tanh", "relu"):
        for init in ("kaiming", "xavier", "torch_default"):
            print(f"   {activation:5s} {init:14s} {epochs_to_95(mlp, init, activation):5.0f} epochs")


if __name__ == "__main__":
    main()
