"""Algorithm 1 of Ioffe & Szegedy (2015), its backward pass, and Algorithm 2's
inference transform, as pure numpy functions (no state).

Layout: ``x`` is ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``; statistics,
``gamma`` and ``beta`` are ``(C,)``, taken over every axis except axis 1, so a
conv layer's effective mini-batch is m' = N·H·W (paper §3.2).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bnlib import _check


class BNCache(NamedTuple):
    """What the backward pass needs from a training-mode forward pass (Alg. 1)."""

    x_hat: np.ndarray  # (N, C, *) line 3: the normalised input
    gamma: np.ndarray  # (C,)
    mu: np.ndarray  # (C,) line 1: the batch mean
    var: np.ndarray  # (C,) line 2: the biased batch variance
    inv_std: np.ndarray  # (C,) 1 / sqrt(var + eps)


def _c(v: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) -> (1, C, 1, ...): a per-channel vector that broadcasts along axis 1."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _m(x: np.ndarray) -> int:
    """Values per channel: the paper's m (or m' = m·p·q for conv layers)."""
    return x.size // x.shape[1]


def _sum(a: np.ndarray) -> np.ndarray:
    """Per-channel sum over every axis but 1, in a's dtype: (N, C, *) -> (C,).

    ``einsum`` is numpy's fastest way to it here (about twice ``a.sum(axis=(0, 2, 3))``).
    """
    return np.einsum("ncl->c", a.reshape(a.shape[0], a.shape[1], -1))


def _mean(a: np.ndarray) -> np.ndarray:
    """Per-channel mean over every axis but 1: (1/m) sum_i a_i."""
    return _sum(a) / a.dtype.type(_m(a))


def batch_mean(x) -> np.ndarray:
    """Alg. 1, line 1: mu_B = (1/m) sum_i x_i, per channel.

    Shape: x (N, C, *) -> (C,). float32 input is accumulated in float64.
    """
    x = _check.float_array(x)
    axes = _check.layout(x)
    # mu_B = 1/m sum_i x_i
    return x.mean(axis=axes, dtype=np.promote_types(x.dtype, np.float64)).astype(x.dtype)


def batch_var(x, mu=None) -> np.ndarray:
    """Alg. 1, line 2: sigma^2_B = (1/m) sum_i (x_i - mu_B)^2 (biased, two-pass).

    Args: x (N, C, *); mu (C,) or None to compute it. Returns (C,).
    Subtracting the mean first keeps float32 exact enough when the mean is
    large; E[x^2] - E[x]^2 would cancel catastrophically.
    """
    x = _check.float_array(x)
    _check.layout(x)
    given = mu is not None
    mu = _check.per_channel(mu, x.shape[1], "mu", x.dtype) if given else _mean(x)
    with np.errstate(invalid="ignore", over="ignore"):  # checked below
        x_c = x - _c(mu, x.ndim)
        if not given:  # as in batch_norm_train: mu_B's float32 rounding taken back out
            x_c -= _c(_mean(x_c), x.ndim)
        var = _mean(x_c**2)
    _check.finite_stats("x", variance=var)
    return var


def normalize(x, mu, var, eps: float = 1e-5) -> np.ndarray:
    """Alg. 1, line 3: x_hat_i = (x_i - mu_B) / sqrt(sigma^2_B + eps).

    Shape: x (N, C, *); mu, var (C,) -> x_hat like x.
    """
    x = _check.float_array(x)
    _check.layout(x)
    mu = _check.per_channel(mu, x.shape[1], "mu", x.dtype)
    var = _check.per_channel(var, x.shape[1], "var", x.dtype)
    inv_std = _check.inv_std(var, eps)
    return (x - _c(mu, x.ndim)) * _c(inv_std, x.ndim)


def scale_and_shift(x_hat, gamma, beta) -> np.ndarray:
    """Alg. 1, line 4: y_i = gamma * x_hat_i + beta (one gamma, beta per channel).

    Shape: x_hat (N, C, *); gamma, beta (C,) -> y like x_hat.
    """
    x_hat = _check.float_array(x_hat, "x_hat")
    _check.layout(x_hat, "x_hat")
    gamma = _check.per_channel(gamma, x_hat.shape[1], "gamma", x_hat.dtype)
    beta = _check.per_channel(beta, x_hat.shape[1], "beta", x_hat.dtype)
    return _c(gamma, x_hat.ndim) * x_hat + _c(beta, x_hat.ndim)


def _affine(gamma, beta, channels: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """gamma, beta checked; ``None`` means the identity (affine=False)."""
    gamma = np.ones(channels, dtype) if gamma is None else gamma
    beta = np.zeros(channels, dtype) if beta is None else beta
    return (
        _check.per_channel(gamma, channels, "gamma", dtype),
        _check.per_channel(beta, channels, "beta", dtype),
    )


def batch_norm_train(x, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, BNCache]:
    """Alg. 1: the BN transform with mini-batch statistics (training mode).

    y = gamma * (x - mu_B) / sqrt(sigma^2_B + eps) + beta, sigma^2_B biased (1/m).

    Args: x (N, C, *); gamma, beta (C,) or None (identity, as affine=False).
    Returns: y like x, and a ``BNCache`` for ``batch_norm_backward``.
    Raises ValueError for one value per channel or non-finite input.
    """
    x = _check.float_array(x)
    _check.layout(x)
    if _m(x) < 2:
        raise ValueError(
            "Expected more than 1 value per channel when training "
            f"(got input of shape {x.shape}: {_m(x)} value per channel)"
        )
    gamma, beta = _affine(gamma, beta, x.shape[1], x.dtype)
    nd = x.ndim
    with np.errstate(invalid="ignore", over="ignore"):  # checked below
        # line 1: mu_B = 1/m sum_i x_i
        mu = _mean(x)
        # x_i - mu_B. In float32 mu_B is inexact (its last bit alone is 1e-3 at a mean
        # of 1e4): what is left, d = mean(x - mu_B), is taken back out, so x_c has mean 0.
        x_c = x - _c(mu, nd)
        d = _mean(x_c)
        x_c -= _c(d, nd)
        mu += d
        # line 2: sigma^2_B = 1/m sum_i (x_i - mu_B)^2   (two-pass: never E[x^2] - E[x]^2)
        var = _mean(x_c**2)
    _check.finite_stats("x", mean=mu, variance=var)
    inv_std = _check.inv_std(var, eps)  # 1 / sqrt(sigma^2_B + eps), refusing var + eps <= 0
    # line 3: x_hat_i = (x_i - mu_B) / sqrt(sigma^2_B + eps)
    x_hat = x_c * _c(inv_std, nd)
    # line 4: y_i = gamma x_hat_i + beta
    y = _c(gamma, nd) * x_hat + _c(beta, nd)
    return y, BNCache(x_hat, gamma, mu, var, inv_std)


def batch_norm_backward(dy, cache: BNCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's §3 backward pass through Alg. 1, in closed form.

    dl/dbeta  = sum_i dy_i,   dl/dgamma = sum_i dy_i x_hat_i   (over all axes but 1)
    dl/dx_i   = gamma / (m sqrt(var + eps)) * (m dy_i - dl/dbeta - x_hat_i dl/dgamma)

    (The paper's chain of dl/dx_hat, dl/dvar and dl/dmu, collected: notebook 04.)
    Args: dy like the forward's y; cache from ``batch_norm_train``.
    Returns: dx like x; dgamma, dbeta (C,).
    """
    x_hat, gamma, _, _, inv_std = cache
    dy = _check.float_array(dy, "dy").astype(x_hat.dtype, copy=False)
    _check.same_shape(dy, x_hat.shape, "dy", "the forward output y")
    nd, m = x_hat.ndim, _m(x_hat)
    with np.errstate(invalid="ignore", over="ignore"):  # checked on the next line
        dbeta = _sum(dy)  # dl/dbeta = sum_i dy_i
        dgamma = _sum(dy * x_hat)  # dl/dgamma = sum_i dy_i x_hat_i
    _check.finite_stats("dy", sum=dbeta, **{"sum of dy * x_hat": dgamma})
    # dl/dx_i = gamma / (m sqrt(var + eps)) * (m dy_i - sum_j dy_j - x_hat_i sum_j dy_j x_hat_j)
    k = _c(gamma * inv_std / x_hat.dtype.type(m), nd)
    dx = k * (m * dy - _c(dbeta, nd) - x_hat * _c(dgamma, nd))
    return dx, dgamma, dbeta


def batch_norm_eval(x, gamma, beta, mean, var, eps: float = 1e-5) -> np.ndarray:
    """Alg. 2, line 11: the inference transform, an affine map per channel.

    y = s * x + (beta - s * E[x]),  s = gamma / sqrt(Var[x] + eps).

    Inference with fixed (population or running) statistics: each example's
    output depends on that example alone.

    Args: x (N, C, *); gamma, beta (C,) or None; mean, var (C,) population stats.
    Returns: y like x. Raises ValueError for non-finite input.
    """
    x = _check.float_array(x)
    _check.layout(x)
    gamma, beta = _affine(gamma, beta, x.shape[1], x.dtype)
    mean = _check.per_channel(mean, x.shape[1], "mean", x.dtype)
    var = _check.per_channel(var, x.shape[1], "var", x.dtype)
    if not np.isfinite(x).all():
        raise ValueError(
            f"x has {np.count_nonzero(~np.isfinite(x))} NaN or inf value(s); expected finite input"
        )
    # scale = gamma / sqrt(Var[x] + eps); y = scale * (x - E[x]) + beta, the same
    # affine map as line 11, centred first so a large E[x] does not cancel.
    scale = gamma * _check.inv_std(var, eps)
    return _c(scale, x.ndim) * (x - _c(mean, x.ndim)) + _c(beta, x.ndim)


def batch_norm_eval_backward(dy, x, gamma, mean, var, eps: float = 1e-5):
    """Backward through ``batch_norm_eval``: with fixed statistics BN is affine per channel.

    dl/dx = dy * gamma / sqrt(Var[x] + eps); dl/dgamma = sum(dy * x_hat); dl/dbeta = sum(dy).

    Args: dy, x (N, C, *); gamma (C,) or None; mean, var (C,). Returns (dx, dgamma, dbeta).
    """
    x = _check.float_array(x)
    _check.layout(x)
    dy = _check.float_array(dy, "dy").astype(x.dtype, copy=False)
    _check.same_shape(dy, x.shape, "dy", "x")
    gamma, _ = _affine(gamma, None, x.shape[1], x.dtype)
    x_hat = normalize(x, mean, var, eps)
    inv_std = _check.inv_std(_check.per_channel(var, x.shape[1], "var", x.dtype), eps)
    return dy * _c(gamma * inv_std, x.ndim), _sum(dy * x_hat), _sum(dy)
