"""micrograd: a scalar-valued reverse-mode autograd engine and a tiny neural-network library."""

from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]
