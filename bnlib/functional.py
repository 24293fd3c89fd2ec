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
    """What the backward pass needs from a training-mode forward pass.

    ``xc`` is x minus a rough mean and ``d`` the rest of the mean, so that
    x_hat = (xc - d) * inv_std is never stored: one pass fewer each way.
    """

    xc: np.ndarray  # (N, C, *) x - (mu - d)
    d: np.ndarray  # (C,)
    gamma: np.ndarray  # (C,)
    mu: np.ndarray  # (C,) batch mean
    var: np.ndarray  # (C,) biased batch variance
    inv_std: np.ndarray  # (C,) 1 / sqrt(var + eps)

    @property
    def x_hat(self) -> np.ndarray:
        """Alg. 1, line 3: the normalised input (computed on demand)."""
        nd = self.xc.ndim
        return (self.xc - _bcast(self.d, nd)) * _bcast(self.inv_std, nd)


def _bcast(v: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) -> (1, C, 1, ...) so it broadcasts along axis 1 of an ndim array."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _m(x: np.ndarray) -> int:
    """Values per channel: the paper's m (or m' = m·p·q for conv layers)."""
    return x.size // x.shape[1]


def _csum(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Per-channel sum of a (or of a * b) over every axis but 1, without a temporary."""
    if a.ndim == 2:  # (N, C): the channel axis is the fast one
        return a.sum(axis=0) if b is None else np.einsum("nc,nc->c", a, b)
    a3 = a.reshape(a.shape[0], a.shape[1], -1)  # (N, C, L)
    if b is None:
        return np.einsum("ncl->c", a3)
    return np.einsum("ncl,ncl->c", a3, b.reshape(a3.shape))


def _centered(x: np.ndarray, mu=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x - mu, and the exact mean and biased variance by the corrected two-pass method.

    With a rough mu (float32 sums, or a given one) the residual d = mean(x - mu)
    is tiny, so mean = mu + d and var = mean((x - mu)^2) - d^2 are accurate even
    for float32 data with a large offset (E[x^2] - E[x]^2 would cancel).
    Returns (xc = x - mu, mean, var, d), all in x's dtype.
    """
    m = _m(x)
    with np.errstate(invalid="ignore", over="ignore"):  # callers check for non-finite results
        if mu is None:
            mu = _csum(x) / m
        xc = x - _bcast(mu, x.ndim)
        d = _csum(xc) / m
        var = np.maximum(_csum(xc, xc) / m - d * d, 0)
    return xc, (mu + d).astype(x.dtype), var.astype(x.dtype), d.astype(x.dtype)


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
    if mu is not None:
        mu = _check.per_channel(mu, x.shape[1], "mu", x.dtype)
    # sigma^2_B = 1/m sum_i (x_i - mu_B)^2
    var = _centered(x, mu)[2]
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
    return (x - _bcast(mu, x.ndim)) * _bcast(inv_std, x.ndim)


def scale_and_shift(x_hat, gamma, beta) -> np.ndarray:
    """Alg. 1, line 4: y_i = gamma * x_hat_i + beta (one gamma, beta per channel).

    Shape: x_hat (N, C, *); gamma, beta (C,) -> y like x_hat.
    """
    x_hat = _check.float_array(x_hat, "x_hat")
    _check.layout(x_hat, "x_hat")
    gamma = _check.per_channel(gamma, x_hat.shape[1], "gamma", x_hat.dtype)
    beta = _check.per_channel(beta, x_hat.shape[1], "beta", x_hat.dtype)
    return x_hat * _bcast(gamma, x_hat.ndim) + _bcast(beta, x_hat.ndim)


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
    # lines 1-2: mu_B and sigma^2_B (xc = x - rough mean, d = the rest of the mean)
    xc, mu, var, d = _centered(x)
    _check.finite_stats("x", mean=mu, variance=var)
    inv_std = _check.inv_std(var, eps)
    # lines 3-4: y = gamma * x_hat + beta = (xc - d) * gamma * inv_std + beta
    a = gamma * inv_std
    y = xc * _bcast(a, nd)
    y += _bcast(beta - d * a, nd)
    return y, BNCache(xc, d, gamma, mu, var, inv_std)


def batch_norm_backward(dy, cache: BNCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's §3 backward pass through Alg. 1, in closed form.

    dl/dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat))
    dl/dgamma = sum(dy * x_hat),  dl/dbeta = sum(dy)   (over all axes but 1)

    Args: dy like the forward's y; cache from ``batch_norm_train``.
    Returns: dx like x; dgamma, dbeta (C,).
    """
    xc, d, gamma, _, _, inv_std = cache
    dy = _check.float_array(dy, "dy").astype(xc.dtype, copy=False)
    _check.same_shape(dy, xc.shape, "dy", "the forward output y")
    nd, m = xc.ndim, _m(xc)
    # dl/dbeta = sum_i dy_i ; dl/dgamma = sum_i dy_i * x_hat_i, x_hat = (xc - d) * inv_std
    with np.errstate(invalid="ignore", over="ignore"):  # checked on the next line
        dbeta = _csum(dy)
        dgamma = inv_std * (_csum(dy, xc) - d * dbeta)
    _check.finite_stats("dy", sum=dbeta, **{"sum of dy * x_hat": dgamma})
    # dl/dx = gamma * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat))
    c1 = inv_std * dgamma / m  # x_hat * mean(dy x_hat) = xc * c1 - d * c1
    dx = xc * _bcast(c1, nd)
    dx += _bcast(dbeta / m - d * c1, nd)
    np.subtract(dy, dx, out=dx)
    dx *= _bcast(gamma * inv_std, nd)
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
    y = x - _bcast(mean, x.ndim)
    y *= _bcast(scale, x.ndim)
    y += _bcast(beta, x.ndim)
    return y


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
    return dy * _bcast(gamma * inv_std, x.ndim), _csum(dy, x_hat), _csum(dy)
