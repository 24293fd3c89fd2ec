"""Where a network's units put their activation inputs y = γx̂ + β: per unit, the share
of its inputs in the sigmoid's linear range, in saturation, or active (ReLU).

The formulas for Gaussian inputs N(β, γ²) are in ``bnlib.nn.activations``; these count
a trained network's actual inputs, which need not be Gaussian (lesson 03, lab 03a).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bnlib.nn.activations import in_linear_range, saturation_threshold
from bnlib.nn.mlp import mlp


def linear_share(z, delta: float = 0.02, activation: str = "sigmoid") -> np.ndarray:
    """Per unit, the share of its inputs with |g(y) - tangent(y)| < delta.

    Shape: z (N, C) one row per example; returns (C,).
    """
    return np.asarray(in_linear_range(np.asarray(z), delta, activation), dtype=float).mean(axis=0)


def saturated_share(z, activation: str = "sigmoid") -> np.ndarray:
    """Per unit, the share of its inputs where g'(y) < max g' / 10, i.e. |y| > s.

    Shape: z (N, C); returns (C,).
    """
    # |y| > s  <=>  g'(y) < g'(0) / 10
    return (np.abs(np.asarray(z)) > saturation_threshold(activation)).mean(axis=0)


def active_share(z) -> np.ndarray:
    """Per unit, the share of its inputs above 0 (where a ReLU passes them). (N, C) -> (C,)."""
    return (np.asarray(z) > 0).mean(axis=0)


def per_unit(zs: Sequence, share: Callable = linear_share, **kwargs) -> np.ndarray:
    """``share`` of every unit of every layer, layer after layer: zs is one (N, C_k) per layer."""
    return np.concatenate([share(z, **kwargs) for z in zs])


def moved(before, after) -> tuple[int, int]:
    """How many units' shares went up and how many went down: (into, out of)."""
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape:
        raise ValueError(f"expected shares of the same units (got {before.shape}, {after.shape})")
    return int(np.sum(after > before)), int(np.sum(after < before))


def start_of(sizes, x, *, seed: int = 0, activation: str = "sigmoid"):
    """The network ``fit_classifier(..., seed=seed)`` starts from (γ = 1, β = 0), in eval
    mode with its BN statistics taken from all of x (Algorithm 2), as a trained one is."""
    net = mlp(sizes, activation=activation, seed=seed)
    net.set_population_stats(x)
    return net.eval()
