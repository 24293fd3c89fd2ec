"""Moving averages tracking a statistic that drifts during training: lag versus noise.

While a network trains, the statistics of a BN layer's input move with the
weights. A running estimate with a large momentum follows them closely but
keeps much of each batch's noise; a small momentum averages the noise away but
lags behind the drift and remembers its start (mean 0, var 1) for long.
PyTorch's convention: momentum is the weight of the new batch.
"""

from __future__ import annotations

import math

import numpy as np

from bnlib import _check
from bnlib.inference import update_running_stats


def ema_trace(batch_stats, momentum: float, start) -> np.ndarray:
    """The running estimate after each step: r_t = (1 - momentum) r_{t-1} + momentum s_t.

    Args: batch_stats (T, *) one statistic per step; start: r_0, like one step.
    Returns (T, *): r_1 ... r_T.
    """
    a = _check.momentum_value(momentum, allow_none=False)
    s = _check.float_array(batch_stats, "batch_stats")
    out, r = np.empty_like(s, dtype=np.float64), np.asarray(start, dtype=np.float64)
    for t in range(len(s)):
        # r_t = (1 - momentum) r_{t-1} + momentum s_t
        r = out[t] = (1 - a) * r + a * s[t]
    return out


def running_stats_trace(batch_means, batch_vars, m: int, momentum=0.1):
    """torch.nn.BatchNorm's running_mean and running_var after each training step.

    Starts at mean 0, var 1; averages the unbiased batch variance m/(m-1) sigma^2_B;
    ``momentum=None`` is the cumulative average. Args: batch_means, batch_vars
    (T, C), biased. Returns (means, vars), each (T, C).
    """
    mu, var = _check.float_array(batch_means, "batch_means"), _check.float_array(batch_vars)
    _check.same_shape(var, mu.shape, "batch_vars", "batch_means")
    means, variances = np.empty_like(mu, np.float64), np.empty_like(var, np.float64)
    r_mean, r_var = np.zeros(mu.shape[1:]), np.ones(mu.shape[1:])
    for n in range(len(mu)):
        r_mean, r_var = update_running_stats(r_mean, r_var, mu[n], var[n], m, momentum, n + 1)
        means[n], variances[n] = r_mean, r_var
    return means, variances


def start_weight(momentum: float, steps) -> np.ndarray:
    """Weight of the starting value after ``steps`` updates: (1 - momentum)^steps."""
    return (1.0 - _check.momentum_value(momentum, allow_none=False)) ** np.asarray(steps)


def steps_to_forget(momentum: float, fraction: float = 0.01) -> int:
    """The fewest steps after which the start weighs at most ``fraction``.

    The smallest n with (1 - momentum)^n <= fraction: ceil(log(fraction) / log(1 - momentum)).
    """
    a = _check.momentum_value(momentum, allow_none=False)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1) (got {fraction!r})")
    if a == 0.0:
        raise ValueError("with momentum 0 the start is never forgotten (got momentum=0)")
    if a == 1.0:
        return 1
    n = math.ceil(math.log(fraction) / math.log1p(-a))
    return n - 1 if (1 - a) ** (n - 1) <= fraction else n  # guard the rounding of the logs


def ema_error(true, noise_var, momenta, start: float) -> tuple[np.ndarray, np.ndarray]:
    """Error of the final running estimate, split into lag (bias) and noise (std).

    With batch statistics s_t = true_t + noise (variance noise_var_t), the final
    r_T = w_0 start + sum_t w_t s_t, w_t = a (1 - a)^(T - t), w_0 = (1 - a)^T:
    bias = w_0 start + sum_t w_t true_t - true_T;  noise = sqrt(sum_t w_t^2 noise_var_t).
    Args: true, noise_var (T,); momenta (K,). Returns (bias, noise), each (K,).
    """
    true, noise_var = _check.float_array(true, "true"), _check.float_array(noise_var)
    a = np.array([_check.momentum_value(float(v), allow_none=False) for v in np.ravel(momenta)])
    age = np.arange(len(true))[::-1]  # T - t for t = 1 ... T
    w = a[:, None] * (1 - a[:, None]) ** age  # (K, T)
    w0 = (1 - a) ** len(true)
    bias = w0 * start + w @ true - true[-1]
    return bias, np.sqrt(w**2 @ noise_var)


def best_momentum(true, noise_var, momenta, start: float) -> float:
    """The momentum in ``momenta`` whose final estimate has the lowest expected RMS error.

    RMS = sqrt(bias^2 + noise^2) from ``ema_error``; ties go to the first.
    Args: true, noise_var (T,); momenta (K,), K >= 1.
    """
    momenta = np.ravel(np.asarray(momenta, dtype=np.float64))
    if momenta.size == 0:
        raise ValueError("momenta must hold at least one value (got none)")
    bias, noise = ema_error(true, noise_var, momenta, start)
    return float(momenta[np.argmin(np.hypot(bias, noise))])


def drifting_moments(steps: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """A simulated BN input's true mean and variance over training, steps 1 ... T.

    Fast change early, then a slow steady drift (weights still growing):
    mean_t = 1 + 2 (1 - e^(-t/100)) + 0.002 t;  std_t = 1.5 + 1 - e^(-t/150).
    """
    t = np.arange(1, steps + 1, dtype=np.float64)
    return 1 + 2 * (1 - np.exp(-t / 100)) + 0.002 * t, (2.5 - np.exp(-t / 150)) ** 2


def simulated_batch_stats(mean, var, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of a batch of m normal draws at each step.

    Draws (m, T) standard normals, so batches of different m from the same seed
    share their first examples. Returns (batch means, batch variances), each (T,).
    """
    mean, var = _check.float_array(mean, "mean"), _check.float_array(var, "var")
    if not isinstance(m, int | np.integer) or m < 2:
        raise ValueError(f"m must be an integer >= 2, the batch size (got {m!r})")
    x = mean + np.sqrt(var) * np.random.default_rng(seed).standard_normal((m, len(mean)))
    return x.mean(axis=0), x.var(axis=0)
