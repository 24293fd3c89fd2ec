"""Activation functions g and their derivatives g' (sigmoid, tanh, ReLU).

Vectorised over any array shape; float32 input stays float32, anything
else is computed in float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _float(x) -> np.ndarray:
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def sigmoid(x) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x), computed without overflow for large |x|."""
    x = _float(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


def sigmoid_grad(x) -> np.ndarray:
    """sigma'(x) = sigma(x) (1 - sigma(x)); largest, 1/4, at x = 0."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x) -> np.ndarray:
    """tanh(x) = 2 sigma(2x) - 1."""
    return np.tanh(_float(x))


def tanh_grad(x) -> np.ndarray:
    """tanh'(x) = 1 - tanh(x)^2; largest, 1, at x = 0."""
    t = tanh(x)
    return 1.0 - t * t


def relu(x) -> np.ndarray:
    """ReLU(x) = max(x, 0)."""
    x = _float(x)
    return np.maximum(x, 0).astype(x.dtype)


def relu_grad(x) -> np.ndarray:
    """ReLU'(x) = 1 for x > 0, else 0 (0 at the kink, as PyTorch)."""
    x = _float(x)
    return (x > 0).astype(x.dtype)


def identity(x) -> np.ndarray:
    """g(x) = x: no activation."""
    return _float(x)


def identity_grad(x) -> np.ndarray:
    """g'(x) = 1."""
    return np.ones_like(_float(x))


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "identity": (identity, identity_grad),
}


def get(name: str) -> tuple[Callable, Callable]:
    """(g, g') for an activation's name: "sigmoid", "tanh", "relu" or "identity"."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} (got {name!r})")
    return ACTIVATIONS[name]
