"""Part D and E: the neural-network library and training."""

from __future__ import annotations

import random

import pytest
from micrograd import MLP, Layer, Neuron, Value
from micrograd.train import fit, hinge_loss, load_dataset


def _datas(module: object) -> list[float]:
    return [float(p.data) for p in module.parameters()]  # type: ignore[attr-defined]


@pytest.mark.points(3)
def test_parameter_counts() -> None:
    """Neuron(n) has n+1 parameters; Layer and MLP collect all of theirs, each a distinct Value."""
    cases = [(Neuron(3), 4), (Layer(3, 4), 16), (MLP(3, [4, 4, 1]), 41), (MLP(2, [16, 16, 1]), 337)]
    for module, count in cases:
        params = module.parameters()
        assert len(params) == count, f"{module!r} has {len(params)} parameters, expected {count}"
        assert all(isinstance(p, Value) for p in params), "parameters() must return Value objects"
        assert len({id(p) for p in params}) == count, "parameters() returns the same Value more than once"


@pytest.mark.points(3)
def test_zero_grad() -> None:
    """zero_grad() resets every parameter's grad to 0.0."""
    model = MLP(2, [3, 1], rng=random.Random(5))
    out = model([0.5, -1.0])
    ((out - 3.0) ** 2).backward()
    assert any(p.grad != 0.0 for p in model.parameters()), "backward through the MLP left every grad at 0"
    model.zero_grad()
    left = [p.grad for p in model.parameters() if p.grad != 0.0]
    assert not left, f"after zero_grad() {len(left)} parameters still have a non-zero grad"


@pytest.mark.points(2)
def test_seeded_initialisation() -> None:
    """The same rng seed gives the same weights; weights are drawn from U(-1, 1) and biases start at 0."""
    a, b = MLP(3, [5, 1], rng=random.Random(7)), MLP(3, [5, 1], rng=random.Random(7))
    assert _datas(a) == _datas(b), "two MLPs built with random.Random(7) have different parameters"
    c = MLP(3, [5, 1], rng=random.Random(8))
    assert _datas(a) != _datas(c), "MLPs built with different seeds have identical parameters: use the rng"
    neuron = Neuron(200, rng=random.Random(1))
    weights = [p.data for p in neuron.parameters()[:-1]]
    assert all(-1.0 <= w <= 1.0 for w in weights) and len(set(weights)) > 150, (
        "weights must come from U(-1, 1)"
    )
    assert neuron.parameters()[-1].data == 0.0, "the bias starts at 0.0 and comes last in parameters()"


@pytest.mark.points(2)
def test_neuron_activation() -> None:
    """A Neuron computes w·x + b, through ReLU unless nonlin=False."""
    for nonlin in (True, False):
        neuron = Neuron(2, nonlin=nonlin, rng=random.Random(3))
        w1, w2, b = _datas(neuron)
        for x in ([1.0, 2.0], [-1.0, 0.5], [0.3, -2.0]):
            out = neuron(x)
            linear = w1 * x[0] + w2 * x[1] + b
            want = max(0.0, linear) if nonlin else linear
            assert isinstance(out, Value) and abs(out.data - want) < 1e-9, (
                f"Neuron(2, nonlin={nonlin}) on {x}: got {getattr(out, 'data', out)}, expected {want}"
            )


@pytest.mark.points(2)
def test_layer_and_mlp_outputs() -> None:
    """A layer returns a list of its neurons' outputs, or the single Value for one neuron; MLP chains layers."""
    rng = random.Random(11)
    layer = Layer(2, 3, rng=rng)
    out = layer([1.0, -1.0])
    assert isinstance(out, list) and len(out) == 3, f"Layer(2, 3) should return 3 Values, got {out!r}"
    single = MLP(2, [4, 1], rng=random.Random(2))([0.5, 0.5])
    assert isinstance(single, Value), f"an MLP with one output returns a Value, got {type(single).__name__}"
    model = MLP(2, [4, 1], rng=random.Random(2))
    hidden = [n([0.5, 0.5]).data for n in model.layers[0].neurons]  # type: ignore[attr-defined]
    last = model.layers[1].neurons[0]  # type: ignore[attr-defined]
    expected = sum(w.data * h for w, h in zip(last.w, hidden, strict=True)) + last.b.data
    assert abs(single.data - expected) < 1e-9, (
        f"MLP output {single.data} differs from chaining its layers by hand ({expected}); the last layer "
        "must be linear (nonlin=False) and hidden layers ReLU"
    )


@pytest.mark.points(2)
def test_hinge_loss_value() -> None:
    """hinge_loss returns mean(relu(1 - y·score)) + alpha·Σp² and the accuracy."""
    model = MLP(2, [3, 1], rng=random.Random(4))
    X, y = [[0.5, -0.2], [1.0, 1.0], [-0.7, 0.1]], [1, -1, 1]
    loss, accuracy = hinge_loss(model, X, y, alpha=0.01)
    scores = [model(x).data for x in X]  # type: ignore[union-attr]
    expected = sum(max(0.0, 1 - yi * s) for yi, s in zip(y, scores, strict=True)) / 3
    expected += 0.01 * sum(p.data**2 for p in model.parameters())
    correct = sum((s > 0) == (yi > 0) for yi, s in zip(y, scores, strict=True)) / 3
    assert isinstance(loss, Value) and abs(loss.data - expected) < 1e-9, f"loss {loss!r}, expected {expected}"
    assert abs(float(accuracy) - correct) < 1e-9, f"accuracy {accuracy!r}, expected {correct}"


@pytest.mark.points(7)
def test_training_reaches_95_percent(datasets_dir) -> None:  # type: ignore[no-untyped-def]
    """fit() with its default settings trains MLP(2, [16, 16, 1]) to >= 95% accuracy on two_moons."""
    X, y = load_dataset(datasets_dir / "two_moons" / "two_moons.csv")
    model = MLP(2, [16, 16, 1], rng=random.Random(1))
    history = fit(model, X, y)
    assert history, "fit() should return one (loss, accuracy) entry per step"
    predictions = [model(x).data > 0 for x in X]  # type: ignore[union-attr]
    accuracy = sum(p == (label > 0) for p, label in zip(predictions, y, strict=True)) / len(y)
    assert accuracy >= 0.95, (
        f"training accuracy after fit() is {accuracy:.0%} (measured by the grader), needs >= 95%: check the "
        "loss, zero_grad() before backward(), the update direction (p.data -= lr * p.grad) and the steps"
    )
