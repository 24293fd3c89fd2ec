"""BN's relatives, in numpy: which axes the statistics come from.

BN normalises each channel over the batch (axes 0, 2, 3, ...); LayerNorm
normalises each example over all its features (Ba et al. 2016); GroupNorm
normalises each example over groups of channels (Wu & He 2018), with
InstanceNorm (one channel per group) and LayerNorm-over-channels (one group)
as its two ends. Only BN's statistics depend on the other examples in the
batch. Semantics follow torch.nn.functional.layer_norm / group_norm. And
SyncBN: batch statistics over several shards, combined exactly.
"""

from __future__ import annotations

import numpy as np

from bnlib import _check
from bnlib.functional import _c


def _standardize(v: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    """(v - mean) / sqrt(var + eps) over ``axes`` (biased variance, two-pass)."""
    return _standardize_stats(v, axes, eps)[0]


def _standardize_stats(v: np.ndarray, axes: tuple[int, ...], eps: float):
    """(x_hat, 1 / sqrt(var + eps)) over ``axes``; the second keeps dims for broadcasting."""
    mu = v.mean(axis=axes, keepdims=True)
    vc = v - mu
    var = (vc * vc).mean(axis=axes, keepdims=True)
    inv_std = _check.inv_std(var, eps)
    return vc * inv_std, inv_std


def layer_norm(x, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """LayerNorm: each example normalised over all its features (every axis but 0).

    y = gamma * (x - mean_i) / sqrt(var_i + eps) + beta, mean_i and var_i of example i.
    Args: x (N, C, *); gamma, beta of shape x.shape[1:] (elementwise, as
    torch's ``LayerNorm(x.shape[1:])``) or None. Returns y like x.
    """
    x = _check.float_array(x)
    _check.layout(x)
    y = _standardize(x, tuple(range(1, x.ndim)), eps)
    for name, v in (("gamma", gamma), ("beta", beta)):
        if v is not None and np.shape(v) != x.shape[1:]:
            raise ValueError(
                f"{name} must have the shape of one example, {x.shape[1:]} (got {np.shape(v)})"
            )
    if gamma is not None:
        y = y * np.asarray(gamma, dtype=x.dtype)
    return y if beta is None else y + np.asarray(beta, dtype=x.dtype)


def group_norm(x, num_groups: int, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """GroupNorm: each example normalised over groups of C / num_groups channels (and space).

    Args: x (N, C, *); num_groups dividing C; gamma, beta (C,) or None.
    num_groups = C is InstanceNorm, num_groups = 1 is LayerNorm over (C, *).
    Returns y like x.
    """
    x = _check.float_array(x)
    _check.layout(x)
    n, c = x.shape[:2]
    if not isinstance(num_groups, int | np.integer) or num_groups < 1 or c % num_groups:
        raise ValueError(
            f"num_groups must be a positive divisor of the {c} channels (got {num_groups!r})"
        )
    g = x.reshape(n, num_groups, -1)  # (N, G, C/G * spatial)
    y = _standardize(g, (2,), eps).reshape(x.shape)
    if gamma is not None:
        y = y * _c(_check.per_channel(gamma, c, "gamma", x.dtype), x.ndim)
    if beta is not None:
        y = y + _c(_check.per_channel(beta, c, "beta", x.dtype), x.ndim)
    return y


def sync_batch_stats(counts, means, variances) -> tuple[np.ndarray, np.ndarray]:
    """SyncBN: the batch mean and biased variance of the union of K shards, from each shard's own.

    Chan, Golub & LeVeque's parallel combination: the pooled variance is the
    count-weighted mean of the shard variances plus the spread of the shard
    means around the pooled mean; no shard's raw data is needed.
    Args: counts (K,) values per channel in each shard; means, variances (K, C)
    (biased). Returns (mean, var), each (C,): those of the concatenated batch.
    """
    counts = np.asarray(counts, dtype=np.float64)
    means, variances = (
        _check.float_array(means, "means"),
        _check.float_array(variances, "variances"),
    )
    if counts.ndim != 1 or np.any(counts < 1) or means.shape != (len(counts), means.shape[-1]):
        raise ValueError(
            "expected counts (K,) >= 1 and means, variances of shape (K, C) "
            f"(got {counts.shape}, {means.shape}, {variances.shape})"
        )
    if variances.shape != means.shape:
        raise ValueError(
            f"variances must have the shape of means, {means.shape} (got {variances.shape})"
        )
    w = counts[:, None] / counts.sum()
    mean = (w * means).sum(axis=0)
    # Var = sum_k w_k (var_k + (mean_k - mean)^2)
    var = (w * (variances + (means - mean) ** 2)).sum(axis=0)
    return mean.astype(means.dtype), var.astype(means.dtype)


def batch_mates(x, i: int, m: int, *, draws: int = 400, eps: float = 1e-5, seed=0) -> np.ndarray:
    """BN's x_hat of example ``i`` in ``draws`` batches of size m: i with m - 1 random others.

    The batch-mates are drawn at random with replacement from the other rows of
    ``x``; the statistics are each batch's own (Alg. 1, lines 1-3). LayerNorm or
    GroupNorm would give the same value in every batch. Shape: x (N, C) -> (draws, C).
    """
    x = _check.float_array(x)
    if x.ndim != 2 or not 0 <= i < len(x) or not 2 <= m <= len(x):
        raise ValueError(
            f"expected x (N, C), 0 <= i < N and 2 <= m <= N (got x {x.shape}, i={i}, m={m})"
        )
    others = np.delete(np.arange(len(x)), i)
    idx = others[np.random.default_rng(seed).integers(0, len(others), (draws, m - 1))]
    batch = np.concatenate([np.broadcast_to(x[i], (draws, 1, x.shape[1])), x[idx]], axis=1)
    x_hat, _ = _standardize_stats(batch, (1,), eps)  # (draws, m, C), over each batch
    return x_hat[:, 0]
