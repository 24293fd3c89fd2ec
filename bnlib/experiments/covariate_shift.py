"""Internal covariate shift (내부 공변량 변화), measured: seed §1-2, paper §1-2. numpy only.

Two questions. At initialisation: what do a deep MLP's layers receive when only
the network's input is normalised (``propagate``)? During training: how far
does the distribution of a layer's input move between two moments
(``summarize`` the input of each unit, then ``layer_drift``)?
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from bnlib._check import float_array
from bnlib.functional import batch_mean, batch_var
from bnlib.portable import disturbed

INITS = ("gaussian", "xavier", "he")
SMALL_STD = 0.01  # "small random Gaussian values" (paper §4.1 gives no number)
PERCENTILES = (15, 50, 85)  # the paper's Figure 1 (b, c)
N_QUANTILES = 20  # quantiles kept per unit, at the midpoints (i + 1/2) / 20
ACTIVATIONS = {
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # 1 / (1 + e^-z), without overflow
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
}


def init_std(init: str, fan_in: int, fan_out: int, small_std: float = SMALL_STD) -> float:
    """The weight standard deviation of an init scheme for a fan_in -> fan_out layer.

    gaussian: ``small_std`` whatever the size; xavier (Glorot): sqrt(2 / (fan_in
    + fan_out)); he: sqrt(2 / fan_in), i.e. weights divided by sqrt(n / 2).
    """
    if init == "gaussian":
        return float(small_std)
    if init == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    if init == "he":
        return float(np.sqrt(2.0 / fan_in))
    raise ValueError(f"init must be one of {INITS} (got {init!r})")


def unit_weights(sizes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    """Standard normal matrices (fan_in, fan_out) for consecutive ``sizes``; scaled later."""
    rng = np.random.default_rng(seed)
    return [disturbed(rng.standard_normal(shape)) for shape in itertools.pairwise(sizes)]


class Propagation(NamedTuple):
    """Per layer, each (depth,): BN's statistics of z = W h, the input to g, at init.

    ``mean`` and ``std`` are the root mean square over the layer's units of
    each unit's mini-batch mean mu_B and standard deviation sigma_B (Alg. 1,
    lines 1-2): after BN they would be exactly 0 and 1.
    """

    mean: np.ndarray
    std: np.ndarray


def propagate(x, weights, activation: str, init: str, gain: float = 1.0) -> Propagation:
    """Push the batch ``x`` through layers h_l = g(W_l h_(l-1)) at init (no biases, no BN).

    Each unit-scale matrix in ``weights`` (``unit_weights``) is multiplied by
    ``gain * init_std(init, fan_in, fan_out)``.

    Shape: x (N, D); weights[0] (D, C), then (C, C). Returns ``Propagation``.
    """
    x = float_array(x)
    if x.ndim != 2 or not weights or x.shape[1] != weights[0].shape[0]:
        got = weights[0].shape if weights else "no weights"
        raise ValueError(f"expected x (N, D) and weights[0] (D, C) (got x {x.shape}, {got})")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)} (got {activation!r})")
    g, h, rows = ACTIVATIONS[activation], x, []
    # One BLAS thread for these small products: on a shared 2-core machine a second thread
    # waits for a busy core and a 0.2 s slider update takes 2-3 s. Restored afterwards.
    with threadpool_limits(limits=1, user_api="blas"):
        for w in weights:
            z = h @ (gain * init_std(init, *w.shape) * w)  # (N, C)
            rows.append((np.sqrt(np.mean(batch_mean(z) ** 2)), np.sqrt(np.mean(batch_var(z)))))
            h = g(z)
    return Propagation(*np.array(rows).T)


class Summary(NamedTuple):
    """One distribution per unit: mean, std (C,), percentiles (C, 3), quantiles (C, Q).

    Arrays of summaries stack with leading axes, e.g. (probe, layer, C, ...).
    """

    mean: np.ndarray
    std: np.ndarray
    percentiles: np.ndarray
    quantiles: np.ndarray


def quantile_levels(n: int = N_QUANTILES) -> np.ndarray:
    """Midpoints (i + 1/2) / n, i = 0..n-1: the mean of quantiles there approximates an integral."""
    return (np.arange(n) + 0.5) / n


def summarize(z) -> Summary:
    """Each unit's input distribution over the batch axis (-2): ``Summary`` of (..., C, ...).

    Percentiles and quantiles interpolate linearly between order statistics,
    as ``np.percentile`` does. Shape: z (..., N, C), N >= 2.
    """
    z = float_array(z, "z")
    if z.ndim < 2 or z.shape[-2] < 2:
        raise ValueError(f"expected z of shape (..., N, C) with N >= 2 (got shape {z.shape})")
    s = np.sort(np.swapaxes(z, -1, -2), axis=-1)  # (..., C, N), each unit's values in order
    q = np.concatenate([np.array(PERCENTILES) / 100, quantile_levels()])
    pos = q * (s.shape[-1] - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, s.shape[-1] - 1)
    at = s[..., lo] + (pos - lo) * (s[..., hi] - s[..., lo])  # (..., C, 3 + Q)
    k = len(PERCENTILES)
    return Summary(z.mean(-2), z.std(-2), at[..., :k], at[..., k:])


def wasserstein1(a, b) -> float:
    """W1 (earth mover's) distance between two 1-D samples: the integral of |F_a - F_b|."""
    a, b = np.sort(float_array(a, "a").ravel()), np.sort(float_array(b, "b").ravel())
    if not a.size or not b.size:
        raise ValueError(f"expected two non-empty samples (got sizes {a.size} and {b.size})")
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(a, grid[:-1], side="right") / a.size
    cdf_b = np.searchsorted(b, grid[:-1], side="right") / b.size
    return float(np.sum(np.abs(cdf_a - cdf_b) * np.diff(grid)))


def w1_from_quantiles(qa, qb) -> np.ndarray:
    """W1 = integral over q of |Q_a(q) - Q_b(q)|, by the midpoint rule on ``quantile_levels``."""
    return np.abs(np.asarray(qa) - np.asarray(qb)).mean(axis=-1)


class Drift(NamedTuple):
    """How far each layer's input moved, averaged over its units; each (P - 1, L) or (P, L)."""

    mean: np.ndarray  # |change of the mean|
    std: np.ndarray  # |change of the standard deviation|
    w1: np.ndarray  # W1 distance between the distributions


def layer_drift(s: Summary, reference: str = "previous", relative: bool = False) -> Drift:
    """Per-layer drift between probes of a (P, L, C, ...) ``Summary`` (see ``torch_nets``).

    reference="previous": probe p against p - 1, shape (P - 1, L); "initial":
    probe p against probe 0, shape (P, L). ``relative``: each unit's change in
    units of its reference standard deviation (scale-free).
    """
    if s.mean.ndim != 3 or s.quantiles.shape[:3] != s.mean.shape:
        raise ValueError(
            f"expected a Summary with mean (P, L, C) and quantiles (P, L, C, Q) "
            f"(got {s.mean.shape} and {s.quantiles.shape})"
        )
    if reference == "previous":
        now, ref = slice(1, None), slice(None, -1)
    elif reference == "initial":
        now, ref = slice(None), slice(0, 1)
    else:
        raise ValueError(f"reference must be 'previous' or 'initial' (got {reference!r})")
    scale = np.maximum(s.std[ref], 1e-12) if relative else 1.0
    per_unit = (
        np.abs(s.mean[now] - s.mean[ref]) / scale,
        np.abs(s.std[now] - s.std[ref]) / scale,
        w1_from_quantiles(s.quantiles[now], s.quantiles[ref]) / scale,
    )
    return Drift(*(d.mean(axis=-1) for d in per_unit))


def typical_unit(s: Summary, layer: int) -> int:
    """The unit of ``layer`` whose input moved a median amount (W1, first probe to last).

    The paper plots "a typical" sigmoid; this picks one by a rule. Units
    with non-finite records (a broken run) come last.
    """
    moved = w1_from_quantiles(s.quantiles[-1, layer], s.quantiles[0, layer])  # (C,)
    order = np.argsort(np.where(np.isfinite(moved), moved, np.inf))
    finite = max(int(np.isfinite(moved).sum()), 1)
    return int(order[(finite - 1) // 2])


class Split(NamedTuple):
    """A layer's drift between consecutive probes in two parts; each (P - 1, L), mean over units.

    total: W1(z_l(t'), z_l(t)), as ``layer_drift``; earlier: W1(z_l(theta_l(t), u_l(t')),
    z_l(t)), the layer's parameters held (ICS in the strict sense); own: W1(z_l(t'),
    z_l(theta_l(t), u_l(t'))), its input held. total <= earlier + own per unit (triangle).
    """

    total: np.ndarray
    earlier: np.ndarray
    own: np.ndarray


def standardized(s: Summary) -> np.ndarray:
    """Each unit's quantiles with its mean subtracted, divided by its std: (Q_z - mean) / std,
    the shape of the distribution alone (a shift or a rescaling of z leaves it unchanged)."""
    return (s.quantiles - s.mean[..., None]) / np.maximum(s.std[..., None], 1e-12)


def split_drift(s: Summary, cross: Summary, relative: bool = False, shape: bool = False) -> Split:
    """Split ``layer_drift`` of a (P, L, C, ...) ``Summary`` with the (P - 1, L, C, ...)
    ``cross`` records of ``ics.trace``. ``relative``: each unit's W1 in units of its
    standard deviation at the earlier probe t (scale-free). ``shape``: W1 between the
    ``standardized`` distributions, so changes of a unit's mean and scale do not count."""
    if cross.quantiles.shape != (s.quantiles.shape[0] - 1, *s.quantiles.shape[1:]):
        raise ValueError(
            f"expected cross records (P - 1, L, C, Q) for a Summary (P, L, C, Q) "
            f"(got {cross.quantiles.shape} for {s.quantiles.shape})"
        )
    if relative and shape:
        raise ValueError("give relative or shape, not both (shape is already scale-free)")
    q, held = (standardized(s), standardized(cross)) if shape else (s.quantiles, cross.quantiles)
    then, now = q[:-1], q[1:]
    scale = np.maximum(s.std[:-1], 1e-12) if relative else 1.0
    parts = (
        w1_from_quantiles(now, then),
        w1_from_quantiles(held, then),
        w1_from_quantiles(now, held),
    )
    return Split(*((p / scale).mean(axis=-1) for p in parts))
