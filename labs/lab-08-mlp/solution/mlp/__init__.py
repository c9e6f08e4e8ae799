"""A multilayer perceptron in NumPy with hand-written backpropagation, checked against PyTorch."""

from mlp.data import load_spiral
from mlp.gradcheck import numerical_gradient, relative_error
from mlp.interop import from_state_dict, state_dict
from mlp.layers import GAINS, Layer, Linear, ReLU, Sigmoid, SoftmaxCrossEntropy, Tanh
from mlp.network import MLP
from mlp.optim import SGD, Adam, Optimizer
from mlp.parameter import Parameter
from mlp.training import accuracy, train

__all__ = [
    "GAINS",
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Linear",
    "Optimizer",
    "Parameter",
    "ReLU",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "accuracy",
    "from_state_dict",
    "load_spiral",
    "numerical_gradient",
    "relative_error",
    "state_dict",
    "train",
]
