"""Parts D and E: the neural-network library and training, against a plain-float reference."""

from __future__ import annotations

import random

import pytest
from micrograd import MLP, Layer, Module, Neuron, Value
from micrograd.train import fit, hinge_loss
from micrograd_oracle import close, real, value_data
from micrograd_training_oracle import FloatMLP, xor_clusters


def _params(module: object, what: str) -> list[Value]:
    params = list(module.parameters())  # type: ignore[attr-defined]
    assert all(isinstance(p, Value) for p in params), f"{what}.parameters() must return Value objects"
    return params


def _datas(module: object, what: str) -> list[float]:
    return [real(p.data, f"{what}: a parameter's .data") for p in _params(module, what)]


def _set(module: object, values: list[float], what: str) -> None:
    params = _params(module, what)
    assert len(params) == len(values), f"{what} has {len(params)} parameters, expected {len(values)}"
    for p, v in zip(params, values, strict=True):
        p.data = v


# -- Part D ------------------------------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.part("D")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A neuron owns one weight per input plus one bias.",
    "Layers and MLPs collect their children's parameters; they create none of their own.",
)
def test_parameter_counts() -> None:
    """Neuron(n) has n+1 parameters; Layer and MLP collect all of theirs, each a distinct Value."""
    cases = [
        ("Neuron(3)", Neuron(3), 4),
        ("Layer(3, 4)", Layer(3, 4), 16),
        ("MLP(3, [4, 4, 1])", MLP(3, [4, 4, 1]), 41),
        ("MLP(2, [8, 8, 1])", MLP(2, [8, 8, 1]), 105),
    ]
    assert list(Module().parameters()) == [], "Module().parameters() should be an empty list"
    for name, module, count in cases:
        params = _params(module, name)
        assert len(params) == count, f"{name} has {len(params)} parameters, expected {count}"
        assert len({id(p) for p in params}) == count, "parameters() returns the same Value more than once"
        for p in params:
            real(p.data, f"{name}: a parameter's .data")


@pytest.mark.points(2)
@pytest.mark.part("D")
@pytest.mark.visibility("visible")
@pytest.mark.hints("zero_grad() visits every parameter, biases included, and sets its grad to 0.0.")
def test_zero_grad() -> None:
    """zero_grad() resets every parameter's grad to 0.0, on neurons, layers and MLPs."""
    modules = [("Neuron(2)", Neuron(2), 3), ("Layer(2, 3)", Layer(2, 3), 9)]
    modules.append(("MLP(2, [3, 2, 1])", MLP(2, [3, 2, 1], rng=random.Random(5)), 20))
    for name, module, count in modules:
        params = _params(module, name)
        assert len(params) == count, f"{name} has {len(params)} parameters, expected {count}"
        for p in params:
            real(p.data, f"{name}: a parameter's .data")
        for k, p in enumerate(params):
            p.grad = 0.5 + k
        module.zero_grad()
        left = [p.grad for p in params if type(p.grad) is not float or p.grad != 0.0]
        assert not left, f"after {name}.zero_grad() {len(left)} parameters still have a non-zero grad"
    Module().zero_grad()


@pytest.mark.points(3)
@pytest.mark.part("D")
@pytest.mark.hints(
    "Draw every weight with rng.uniform(-1, 1), in order: neuron by neuron, layer by layer.",
    "The bias is not drawn from the rng: it starts at 0.0 and comes after the weights.",
    "Pass the same rng object down to every layer and neuron; without one, use random.Random(0).",
)
def test_seeded_initialisation() -> None:
    """Weights come from rng.uniform(-1, 1) in order, biases are 0.0 and last; default rng Random(0)."""
    for nin, nouts, seed in ((3, [5, 1], 7), (2, [4, 3, 1], 8)):
        got = _datas(MLP(nin, nouts, rng=random.Random(seed)), "MLP")
        want = FloatMLP.initial(nin, nouts, seed).flat()
        assert got == want, (
            f"MLP({nin}, {nouts}, rng=random.Random({seed})) has parameters {got}, expected {want}"
        )
    default = _datas(MLP(2, [3, 1]), "MLP")
    assert default == FloatMLP.initial(2, [3, 1], 0).flat(), "MLP without an rng must use random.Random(0)"
    neuron = _datas(Neuron(3), "Neuron")
    assert neuron == FloatMLP.initial(3, [1], 0).flat(), "Neuron without an rng must use random.Random(0)"
    layer = _datas(Layer(2, 2), "Layer")
    assert layer == FloatMLP.initial(2, [2], 0).flat(), "Layer without an rng must use random.Random(0)"


@pytest.mark.points(2)
@pytest.mark.part("D")
@pytest.mark.hints("A neuron's output is relu(w·x + b), or just w·x + b when nonlin=False.")
def test_neuron_activation() -> None:
    """A Neuron computes w·x + b, through ReLU unless nonlin=False (ReLU by default)."""
    for nonlin in (True, False, None):
        call = "Neuron(2)" if nonlin is None else f"Neuron(2, nonlin={nonlin})"
        if nonlin is None:
            neuron = Neuron(2, rng=random.Random(3))
        else:
            neuron = Neuron(2, nonlin=nonlin, rng=random.Random(3))
        for x in ([1.0, 2.0], [-1.0, -2.0], [-1.0, 0.5], [1.0, -0.5], [0.3, -2.0]):  # x and -x: one is < 0
            got = value_data(neuron(x), Value, call)
            w1, w2, b = FloatMLP.initial(2, [1], 3).flat()
            linear = w1 * x[0] + w2 * x[1] + b
            want = linear if nonlin is False else max(0.0, linear)
            assert close(got, want, 1e-12), f"{call} on {x}: got {got}, expected {want}"


@pytest.mark.points(2)
@pytest.mark.part("D")
@pytest.mark.hints(
    "A layer with one neuron returns that neuron's Value itself, not a list of one.",
    "Hidden layers use ReLU; the MLP's last layer is linear (nonlin=False).",
)
def test_layer_and_mlp_outputs() -> None:
    """A layer returns a list of its outputs (a single Value for one neuron); the MLP's last layer is linear."""
    out = Layer(2, 3, rng=random.Random(11))([1.0, -1.0])
    assert isinstance(out, list) and len(out) == 3, (
        f"Layer(2, 3) should return a list of 3 Values, got {type(out).__name__}"
    )
    for x in ([1.0, -1.0], [-1.0, 1.0], [2.0, 0.5], [-2.0, -0.5]):  # x and -x: each neuron is < 0 once
        outputs = Layer(2, 3, rng=random.Random(11))(x)
        assert isinstance(outputs, list) and len(outputs) == 3
        got_all = [value_data(v, Value, f"Layer(2, 3) output {k}") for k, v in enumerate(outputs)]
        flat = FloatMLP.initial(2, [3], 11).flat()  # per neuron: its two weights, then its bias
        for k, got in enumerate(got_all):
            w1, w2, b = flat[3 * k : 3 * k + 3]
            want = max(0.0, w1 * x[0] + w2 * x[1] + b)
            assert close(got, want, 1e-12), (
                f"Layer(2, 3) (ReLU by default) on {x}: output {k} is {got}, expected {want}"
            )
    single = Layer(2, 1, rng=random.Random(11))([1.0, -1.0])
    value_data(single, Value, "Layer(2, 1)")
    for x in ([0.5, 0.5], [2.0, -3.0], [-1.0, -1.5]):
        got = value_data(MLP(2, [4, 3, 1], rng=random.Random(2))(x), Value, "MLP(2, [4, 3, 1])")
        want = FloatMLP.initial(2, [4, 3, 1], 2).score(x)
        assert close(got, want, 1e-12), (
            f"MLP(2, [4, 3, 1]) on {x}: output {got}, expected {want}; the last layer must be linear "
            "(nonlin=False) and hidden layers ReLU"
        )
    pair = MLP(2, [3, 2], rng=random.Random(2))([0.5, 0.5])
    assert isinstance(pair, list) and len(pair) == 2, (
        f"MLP(2, [3, 2]) should return 2 Values, got {type(pair).__name__}"
    )


# -- Part E ------------------------------------------------------------------------------------------
SMALL_X = [[0.5, -0.2], [1.0, 1.0], [-0.7, 0.1], [0.2, 0.9], [-1.1, -0.4], [0.8, -1.3]]
SMALL_Y = [1, -1, 1, -1, -1, 1]


@pytest.mark.points(2)
@pytest.mark.part("E")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "The data loss is the *mean* of relu(1 - y·score) over the samples.",
    "The regularisation is alpha times the sum of p*p over the parameters, built from Values so it has a gradient.",
    "A sample is correct only when y·score > 0: a score of exactly 0 is wrong for both labels.",
)
def test_hinge_loss_value_and_gradient() -> None:
    """hinge_loss returns mean(relu(1 - y·score)) + alpha·Σp² (a Value with the right gradient) and the accuracy."""
    model = MLP(2, [3, 1], rng=random.Random(4))
    loss, accuracy = hinge_loss(model, SMALL_X, SMALL_Y, alpha=0.01)
    got = value_data(loss, Value, "hinge_loss")
    acc = real(accuracy, "the accuracy")
    oracle = FloatMLP.initial(2, [3, 1], 4)
    want, want_acc, grads = oracle.loss_and_grad(SMALL_X, SMALL_Y, 0.01)
    assert close(got, want, 1e-12), f"loss {got}, expected {want}"
    assert acc == want_acc, f"accuracy {acc}, expected {want_acc}"
    loss.backward()
    got_grads = [real(p.grad, "a parameter's .grad") for p in _params(model, "MLP")]
    want_grads = [g for layer in grads for neuron in layer for g in neuron]
    assert all(close(g, w, 1e-9) for g, w in zip(got_grads, want_grads, strict=True)), (
        f"gradient of the loss w.r.t. the parameters is {got_grads}, expected {want_grads}"
    )
    zero = MLP(2, [2, 1], rng=random.Random(4))
    _set(zero, [0.0] * 9, "MLP(2, [2, 1])")
    loss, accuracy = hinge_loss(zero, SMALL_X, SMALL_Y)
    got, acc = value_data(loss, Value, "hinge_loss"), real(accuracy, "the accuracy")
    assert close(got, 1.0, 1e-12) and acc == 0.0, (
        f"with every parameter 0 (score 0 everywhere) loss and accuracy are {got}, {acc}; expected 1.0 and "
        "0.0 (sign(0) matches neither label)"
    )


@pytest.mark.points(3)
@pytest.mark.part("E")
@pytest.mark.hints(
    "Each step: loss, zero_grad(), backward(), then p.data -= rate * p.grad for every parameter.",
    "The rate decays linearly: lr · (1 − 0.9·k/steps) at step k = 0, 1, ...",
    "history[k] holds the loss (a float) and accuracy of step k, measured before that step's update.",
)
def test_fit_follows_gradient_descent() -> None:
    """fit(steps=4, lr=0.7), and fit() with its defaults, give exactly the parameters and history of the
    specified descent."""
    model = MLP(2, [3, 1], rng=random.Random(9))
    history = fit(model, SMALL_X, SMALL_Y, steps=4, lr=0.7)
    entries = [tuple(entry) for entry in list(history)]
    got_history = [
        (real(e[0], "history loss"), real(e[1], "history accuracy")) for e in entries if len(e) == 2
    ]
    got = _datas(model, "MLP")
    oracle = FloatMLP.initial(2, [3, 1], 9)
    want_history = oracle.fit(SMALL_X, SMALL_Y, steps=4, lr=0.7)
    want = oracle.flat()
    assert len(got_history) == len(entries) == 4, (
        f"fit(steps=4) returned {len(entries)} (loss, accuracy) pairs"
    )
    for k, ((loss, acc), (wloss, wacc)) in enumerate(zip(got_history, want_history, strict=True)):
        assert close(loss, wloss, 1e-9) and acc == wacc, (
            f"history[{k}] is ({loss}, {acc}), expected ({wloss}, {wacc}): the loss and accuracy before step {k}"
        )
    assert all(close(g, w, 1e-9) for g, w in zip(got, want, strict=True)), (
        f"parameters after fit(steps=4, lr=0.7) are {got}, expected {want}"
    )
    model = MLP(2, [3, 1], rng=random.Random(9))
    steps = len(list(fit(model, SMALL_X, SMALL_Y)))
    got = _datas(model, "MLP")
    oracle = FloatMLP.initial(2, [3, 1], 9)
    oracle.fit(SMALL_X, SMALL_Y, steps=30, lr=1.0)
    want = oracle.flat()
    assert steps == 30 and all(close(g, w, 1e-9) for g, w in zip(got, want, strict=True)), (
        f"fit() with its defaults took {steps} steps and left parameters {got}; the README's defaults "
        f"(steps=30, lr=1.0) give {want}"
    )


@pytest.mark.points(3)
@pytest.mark.part("E")
@pytest.mark.critical("the engine trains a non-linear classifier")
@pytest.mark.hints(
    "No straight line separates these points: the hidden ReLU layers must learn.",
    "Check the update direction (p.data -= rate * p.grad) and that gradients are zeroed every step.",
)
def test_training_separates_xor() -> None:
    """fit() with its defaults trains MLP(2, [8, 8, 1]) to >= 95% accuracy on 24 XOR-like points."""
    X, y = xor_clusters()
    model = MLP(2, [8, 8, 1], rng=random.Random(1))
    history = list(fit(model, X, y))
    assert len(history) == 30, (
        f"fit() with its defaults should take 30 steps, got {len(history)} history entries"
    )
    scores = [value_data(model(x), Value, "the trained MLP") for x in X]
    accuracy = sum(label * s > 0 for s, label in zip(scores, y, strict=True)) / len(y)
    assert accuracy >= 0.95, (
        f"training accuracy after fit() is {accuracy:.0%} (measured by the grader), needs >= 95%: check the "
        "loss, zero_grad() before backward(), the update direction (p.data -= lr * p.grad) and the steps"
    )
