"""Model tests for the neural-network library and the training loop."""

import random
from pathlib import Path

from micrograd import MLP, Layer, Module, Neuron, Value
from micrograd.train import fit, hinge_loss, load_dataset


def test_module_defaults() -> None:
    module = Module()
    assert module.parameters() == []
    module.zero_grad()


def test_parameter_counts_and_reprs() -> None:
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 4).parameters()) == 16
    model = MLP(3, [4, 4, 1])
    assert len(model.parameters()) == 41
    assert repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert "ReLUNeuron(3)" in repr(model) and "LinearNeuron(4)" in repr(model)


def test_layer_outputs_and_zero_grad() -> None:
    layer = Layer(2, 3, rng=random.Random(1))
    outputs = layer([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3
    model = MLP(2, [3, 1], rng=random.Random(1))
    out = model([1.0, -1.0])
    assert isinstance(out, Value)
    (out * out).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_training_separates_two_blobs(tmp_path: Path) -> None:
    rng = random.Random(0)
    rows = ["x1,x2,label"]
    for i in range(16):
        label = 1 if i % 2 else -1
        rows.append(f"{label + rng.gauss(0, 0.2)},{label + rng.gauss(0, 0.2)},{label}")
    path = tmp_path / "blobs.csv"
    path.write_text("\n".join(rows) + "\n")
    X, y = load_dataset(path)
    model = MLP(2, [4, 1], rng=random.Random(3))
    history = fit(model, X, y, steps=15, lr=0.3)
    assert len(history) == 15 and history[-1][0] < history[0][0]
    loss, accuracy = hinge_loss(model, X, y)
    assert accuracy == 1.0 and loss.data < history[0][0]
