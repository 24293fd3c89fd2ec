"""Precise BN: population statistics recomputed over the training set after training.

During training the running averages chase statistics that move with the
weights. Once the weights are frozen, one pass over the training set gives
the statistics Algorithm 2 asks for. ``algorithm2`` is bnlib's one Algorithm 2 over
mini-batches (built on ``bnlib.inference.population_stats``); ``precise_bn`` applies it
to a numpy layer of ``bnlib.layers``, ``bnlib.nn.mlp.Net.set_population_stats`` to every
BN layer of a numpy network, ``bnlib.experiments.torch_nets.precise_bn_torch`` to a torch
model.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from bnlib import _check
from bnlib import functional as F
from bnlib.inference import population_stats, unbiased_var
from bnlib.layers import _BatchNorm

ESTIMATORS = ("pooled", "algorithm2")


def batch_stats(batches: Iterable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each batch's size m_i, mean mu_i and biased variance sigma^2_i (Alg. 1, lines 1-2).

    Args: batches: iterable of (n_i, C, *) arrays with the same C.
    Returns: m (B,) values per channel, mu (B, C), var (B, C), in float64.
    """
    m, mu, var = [], [], []
    for x in batches:
        size, mean, v = one_batch_stats(x)
        if mu and len(mean) != len(mu[0]):
            raise ValueError(
                f"every batch must have {mu[0].shape[0]} channels in axis 1 "
                f"(got a batch of shape {np.shape(x)})"
            )
        m.append(size)
        mu.append(mean)
        var.append(v)
    if not m:
        raise ValueError("expected at least one batch (got none)")
    return np.array(m), np.array(mu), np.array(var)


def one_batch_stats(x) -> tuple[int, np.ndarray, np.ndarray]:
    """One batch's m, mu_B and biased sigma^2_B (C,), in float64; x (n, C, *)."""
    x = _check.float_array(x, "batch").astype(np.float64)
    _check.layout(x)
    mu = F.batch_mean(x)
    return x.size // x.shape[1], mu, F.batch_var(x, mu)


def pooled_stats(batches: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """The mean and unbiased variance of all batches pooled: the whole training set's.

    From each batch's m_i, mu_i, sigma^2_i (Chan, Golub & LeVeque 1979), N = sum m_i:
    E[x] = sum m_i mu_i / N;  Var[x] = sum m_i (sigma^2_i + (mu_i - E[x])^2) / (N - 1).
    Batches may differ in size. Returns (mean, var), each (C,).
    """
    m, mu, var = batch_stats(batches)
    n = m.sum()
    if n < 2:
        raise ValueError(f"the unbiased variance needs >= 2 values per channel (got {n})")
    w = (m / n)[:, None]  # (B, 1)
    mean = (w * mu).sum(axis=0)
    # within-batch spread plus the spread of the batch means around E[x]
    return mean, unbiased_var((w * (var + (mu - mean) ** 2)).sum(axis=0), int(n))


def algorithm2_stats(batches: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """``algorithm2`` over ``batches`` of (n_i, C, *) arrays. Returns (mean, var), each (C,)."""
    return algorithm2(*batch_stats(batches))


def algorithm2(m, mu, var) -> tuple[np.ndarray, np.ndarray]:
    """Alg. 2, line 10, from B batches' sizes m (B,), means mu and biased variances var (B, C):
    E[x] = E_B[mu_B] and Var[x] = the mean of m_i/(m_i - 1) sigma^2_i.

    With equal batch sizes this is ``inference.population_stats``; with unequal
    ones every batch counts once, as in torch with momentum=None.
    """
    m, mu, var = np.asarray(m), np.asarray(mu), np.asarray(var)
    if (m == m[0]).all():
        return population_stats(mu, var, int(m[0]))
    var_u = [unbiased_var(v, int(k)) for k, v in zip(m, var, strict=True)]
    return mu.mean(axis=0), np.mean(var_u, axis=0)


def precise_bn(layer: _BatchNorm, batches: Iterable, *, estimator: str = "pooled") -> int:
    """Set a numpy BN layer's running statistics from ``batches`` of its input.

    Args: layer: a ``bnlib.layers`` BatchNorm1d/2d that tracks running stats;
    batches: the layer's inputs, (n_i, C, *) each, run after training;
    estimator: "pooled" (the whole set's mean and unbiased variance) or
    "algorithm2" (the paper's average of batch statistics, as torch_nets.precise_bn_torch).
    Weights, mode and momentum are untouched. Returns the number of batches.
    """
    if not isinstance(layer, _BatchNorm):
        raise TypeError(f"expected a bnlib.layers BatchNorm layer (got {type(layer).__name__})")
    if not layer.track_running_stats:
        raise ValueError("the layer does not track running statistics (track_running_stats=False)")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS} (got {estimator!r})")
    batches = [layer._check_input(x) for x in batches]
    stats = pooled_stats if estimator == "pooled" else algorithm2_stats
    mean, var = stats(batches)
    dtype = layer.running_mean.dtype
    layer.running_mean, layer.running_var = mean.astype(dtype), var.astype(dtype)
    layer.num_batches_tracked = len(batches)
    return len(batches)
