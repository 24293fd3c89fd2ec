"""Activation functions g and their derivatives g' (sigmoid, tanh, ReLU), and how
linear g is over an input distribution N(beta, gamma^2) (the seed's §3.2 argument).

Vectorised over any array shape; float32 input stays float32, anything
else is computed in float64. The distribution functions broadcast gamma,
beta (and delta) against each other.
"""

from __future__ import annotations

import math
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


# ---- how linear is g over inputs x ~ N(beta, gamma^2)? ---------------------------------

_TANGENT = {"sigmoid": (0.5, 0.25), "tanh": (0.0, 1.0)}  # g(0), g'(0)
_erfc = np.vectorize(math.erfc, otypes=[float])


def _normal_cdf(z) -> np.ndarray:
    """Phi(z) = P(Z <= z) for Z ~ N(0, 1), exact to double precision."""
    return 0.5 * _erfc(-np.asarray(z, dtype=float) / math.sqrt(2.0))


def _smooth(activation: str) -> str:
    if activation not in _TANGENT:
        raise ValueError(
            f"activation must be 'sigmoid' or 'tanh' here (got {activation!r}); "
            "ReLU has no tangent at 0: see active_fraction"
        )
    return activation


def _positive(name: str, v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{name} must be finite and > 0 (got {v.tolist()!r})")
    return v


def tangent_at_zero(x, activation: str = "sigmoid") -> np.ndarray:
    """The linear approximation at 0: sigmoid(x) ~ 1/2 + x/4, tanh(x) ~ x."""
    g0, slope = _TANGENT[_smooth(activation)]
    return g0 + slope * _float(x)


def in_linear_range(x, delta, activation: str = "sigmoid") -> np.ndarray:
    """Boolean, like x: where |g(x) - tangent(x)| < delta (for samples; cf. linear_fraction)."""
    g = ACTIVATIONS[_smooth(activation)][0]
    return np.abs(g(x) - tangent_at_zero(x, activation)) < _positive("delta", delta)


def linear_range(delta, activation: str = "sigmoid") -> np.ndarray:
    """a(delta): |g(x) - tangent(x)| < delta exactly when |x| < a (the error grows with |x|).

    Solved by bisection (60 halvings); broadcasts over delta. Returns a > 0 like delta.
    """
    delta = _positive("delta", delta)
    lo, hi = np.zeros_like(delta), 4 * delta + 2  # |error| >= |x|/4 - 1/2 for sigmoid (x - 1, tanh)
    for _ in range(60):
        mid = (lo + hi) / 2
        inside = in_linear_range(mid, delta, activation)
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return lo


def _mass_between(lo, hi, gamma, beta) -> np.ndarray:
    """P(lo < X < hi) for X ~ N(beta, gamma^2)."""
    return _normal_cdf((hi - beta) / gamma) - _normal_cdf((lo - beta) / gamma)


def linear_fraction(gamma, beta, delta, activation: str = "sigmoid") -> np.ndarray:
    """Fraction of x ~ N(beta, gamma^2) where |g(x) - tangent(x)| < delta: P(|x| < a(delta))."""
    a = linear_range(delta, activation)
    return _mass_between(-a, a, _positive("gamma", gamma), np.asarray(beta, dtype=float))


def saturation_threshold(activation: str = "sigmoid") -> float:
    """s: g'(x) < g'(0) / 10 exactly when |x| > s (sigmoid 2 acosh(sqrt 10), tanh acosh(sqrt 10)).

    sigma'(x) = 1 / (4 cosh^2(x/2)) and tanh'(x) = 1 / cosh^2(x).
    """
    return {"sigmoid": 2.0, "tanh": 1.0}[_smooth(activation)] * math.acosh(math.sqrt(10.0))


def saturation_fraction(gamma, beta, activation: str = "sigmoid") -> np.ndarray:
    """Fraction of x ~ N(beta, gamma^2) where g'(x) < max g' / 10 (ReLU: x < 0, where g' = 0)."""
    gamma, beta = _positive("gamma", gamma), np.asarray(beta, dtype=float)
    if activation == "relu":
        return 1.0 - active_fraction(gamma, beta)
    s = saturation_threshold(activation)
    return 1.0 - _mass_between(-s, s, gamma, beta)


def active_fraction(gamma, beta) -> np.ndarray:
    """ReLU: fraction of x ~ N(beta, gamma^2) with x > 0, i.e. Phi(beta / gamma)."""
    return _normal_cdf(np.asarray(beta, dtype=float) / _positive("gamma", gamma))


_Z = np.linspace(-8.0, 8.0, 4001)  # quadrature nodes for Z ~ N(0, 1); mass beyond 8 is 1e-15
_W = np.exp(-0.5 * _Z**2) / np.sum(np.exp(-0.5 * _Z**2))


def nonlinearity_index(gamma, beta, activation: str = "sigmoid") -> np.ndarray:
    """Nonlinearity index: 1 - corr(x, g(x))^2 for x ~ N(beta, gamma^2).

    The share of Var[g(x)] that no line a + b x explains: 0 when g is affine over
    the inputs. ReLU at beta = 0 gives 1 - (1/2)^2 / (1/2 - 1/(2 pi)) = 0.2665 for
    every gamma. A constant output (a dead ReLU) counts as affine: 0.
    Computed by quadrature on 4001 points of [-8, 8] standard deviations (relative
    error ~1e-5 across ReLU's kink, far less for the smooth sigmoid and tanh).
    """
    g = get(activation)[0]
    gamma, beta = np.broadcast_arrays(_positive("gamma", gamma), np.asarray(beta, dtype=float))
    out = g(beta[..., None] + gamma[..., None] * _Z)  # (..., nodes)
    mean = out @ _W
    var = (out * out) @ _W - mean**2
    cov_z = out @ (_W * _Z)  # Cov(Z, g) = Cov(x, g) / gamma
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(var > 1e-14, 1.0 - cov_z**2 / var, 0.0)
    return np.clip(index, 0.0, 1.0)
