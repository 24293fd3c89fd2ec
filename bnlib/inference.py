"""Statistics for inference: Algorithm 2's population statistics, the running
averages frameworks keep instead, and folding BN into the layer before it.

PyTorch's convention throughout: ``momentum`` is the weight of the *new* batch,
new = (1 - momentum) * old + momentum * batch (Keras/TF, Flax and CS231n call
1 - momentum the "momentum" or "decay": 0.1 here is 0.9 there).
"""

from __future__ import annotations

import math

import numpy as np

from bnlib import _check


def ema_update(running, batch_stat, momentum: float = 0.1) -> np.ndarray:
    """Exponential moving average step: (1 - momentum) * running + momentum * batch_stat.

    Shape: running, batch_stat (C,). Returns a new array; nothing is mutated.
    """
    momentum = _check.momentum_value(momentum, allow_none=False)
    running, batch_stat = _check.float_array(running, "running"), np.asarray(batch_stat)
    return (1.0 - momentum) * running + momentum * batch_stat


def momentum_to_decay(momentum: float) -> float:
    """PyTorch's momentum as the "decay" of Keras/TF, Flax and CS231n: 1 - momentum.

    Both name the same average: (1 - momentum) * old + momentum * batch
    = decay * old + (1 - decay) * batch.
    """
    return 1.0 - _check.momentum_value(momentum, allow_none=False)


def decay_to_momentum(decay: float) -> float:
    """A "decay" (Keras/TF, Flax, CS231n ``momentum``) as PyTorch's momentum: 1 - decay."""
    return 1.0 - _check.momentum_value(decay, allow_none=False, name="decay")


def cumulative_update(running, batch_stat, n: int) -> np.ndarray:
    """Cumulative average (PyTorch's momentum=None): running + (batch_stat - running) / n.

    ``n`` counts the batches seen including this one, so after n steps the
    result is the plain mean of the n batch statistics.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1, the batches seen so far (got {n!r})")
    running = _check.float_array(running, "running")
    return running + (np.asarray(batch_stat) - running) / n


def unbiased_var(var, m: int) -> np.ndarray:
    """Bessel's correction: m / (m - 1) * var, the 1/m batch variance made unbiased."""
    if m < 2:
        raise ValueError(f"the unbiased variance needs m >= 2 values per channel (got m={m})")
    return np.asarray(var) * (m / (m - 1))


def update_running_stats(running_mean, running_var, mu, var, m: int, momentum, n: int):
    """One training step's update of the running statistics, as torch.nn.BatchNorm does it.

    The batch variance ``var`` (biased, 1/m) is made unbiased before averaging;
    ``momentum=None`` averages cumulatively over the ``n`` batches seen so far.
    Returns (running_mean, running_var) as new arrays.
    """
    momentum = _check.momentum_value(momentum)
    var_u = unbiased_var(var, m)
    if momentum is None:
        return cumulative_update(running_mean, mu, n), cumulative_update(running_var, var_u, n)
    return ema_update(running_mean, mu, momentum), ema_update(running_var, var_u, momentum)


def population_stats(batch_means, batch_vars, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Alg. 2, line 10: E[x] = E_B[mu_B], Var[x] = m / (m - 1) * E_B[sigma^2_B].

    Args: batch_means, batch_vars (B, C): per-batch mean and biased variance of
    B mini-batches of size m. Returns (mean, var), each (C,).
    """
    batch_means = _check.float_array(batch_means, "batch_means")
    batch_vars = _check.float_array(batch_vars, "batch_vars")
    if batch_means.ndim != 2 or batch_vars.shape != batch_means.shape:
        raise ValueError(
            "batch_means and batch_vars must both have shape (batches, C) "
            f"(got {batch_means.shape} and {batch_vars.shape})"
        )
    # E[x] <- E_B[mu_B];  Var[x] <- m/(m-1) E_B[sigma^2_B]
    return batch_means.mean(axis=0), unbiased_var(batch_vars.mean(axis=0), m)


def batch_std_ratio(m: int) -> float:
    """E[sigma_B] / sigma for m normal values: what averaging batch standard deviations gives.

    sigma_B is Alg. 1's biased batch std, sqrt(sigma^2_B);
    E[sigma_B] = sigma * sqrt(2 / m) * Gamma(m / 2) / Gamma((m - 1) / 2) < sigma.
    So an average of stored sigma_B (the seed's §3.3 reading) underestimates sigma,
    still after a sqrt(m/(m-1)) correction. Alg. 2 averages variances instead,
    which m/(m-1) makes unbiased for any distribution, not only the normal.
    """
    if not isinstance(m, int | np.integer) or m < 2:
        raise ValueError(f"m must be an integer >= 2, the batch size (got {m!r})")
    # log of sqrt(2/m) Gamma(m/2) / Gamma((m-1)/2), in logs so that large m does not overflow
    return math.exp(0.5 * math.log(2 / m) + math.lgamma(m / 2) - math.lgamma((m - 1) / 2))


def fold_into_linear(weight, bias, gamma, beta, mean, var, eps: float = 1e-5):
    """Fold an eval-mode BN into the Linear (or Conv) layer before it.

    BN(W u + b) = (s W) u + (s (b - mean) + beta),  s = gamma / sqrt(var + eps).

    Args: weight (C_out, C_in, ...) as torch.nn.Linear/Conv store it; bias
    (C_out,) or None; gamma, beta, mean, var (C_out,).
    Returns (weight, bias) of the single layer that computes both.
    """
    weight = _check.float_array(weight, "weight")
    if weight.ndim < 2:
        raise ValueError(f"weight must be (C_out, C_in, ...) (got shape {weight.shape})")
    c = weight.shape[0]
    bias = np.zeros(c, weight.dtype) if bias is None else bias
    bias, gamma, beta, mean, var = (
        _check.per_channel(v, c, name, weight.dtype)
        for v, name in zip(
            (bias, gamma, beta, mean, var), ("bias", "gamma", "beta", "mean", "var"), strict=True
        )
    )
    # s = gamma / sqrt(var + eps)
    s = gamma * _check.inv_std(var, eps)
    return weight * s.reshape((c,) + (1,) * (weight.ndim - 1)), (bias - mean) * s + beta
