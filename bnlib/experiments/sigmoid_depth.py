"""Deep sigmoid networks (paper §4.2's sigmoid Inception, at MNIST scale): how much of the
digits' spread reaches each layer at step 0, and what a trained run measured.

numpy only. ``sigma_b`` reads a ``bnlib.experiments.mnist_net.Run``'s ``z`` summary.
"""

from __future__ import annotations

import numpy as np

from bnlib.experiments.covariate_shift import SMALL_STD, propagate, unit_weights


def sigma_b(run, probe: int = 0, layer: int = -1) -> float:
    """sigma_B of a layer's input to its nonlinearity at a probe, over the probe's digits: the
    root mean square over the layer's units."""
    # sqrt(mean_c sigma_c^2)
    return float(np.sqrt(np.mean(run.z.std[probe, layer] ** 2)))


def init_signal(x, depth: int = 6, width: int = 100, seed: int = 0) -> dict[str, np.ndarray]:
    """sigma_B of each hidden layer's input at step 0 without BN, in float64, from digits
    ``x`` (N, 784), for the paper's small Gaussian init (std 0.01) and for Xavier's: {label:
    (depth,) array}. The same weight draws (``unit_weights``) scaled two ways."""
    weights = unit_weights((x.shape[1],) + (width,) * depth, seed)
    x = np.asarray(x, dtype=np.float64)
    return {
        f"std {SMALL_STD:g}": propagate(x, weights, "sigmoid", "gaussian").std,
        "Xavier": propagate(x, weights, "sigmoid", "xavier").std,
    }


def shrink_per_layer(std: np.ndarray) -> np.ndarray:
    """Each layer's sigma_B over the previous layer's: the factor one sigmoid layer applies,
    (depth - 1,)."""
    std = np.asarray(std, dtype=float)
    return std[1:] / std[:-1]
