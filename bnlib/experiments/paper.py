"""The paper's experiments (§4) in numbers: seed bands, steps to a target, the ImageNet table.

numpy only. Runs are ``bnlib.experiments.mnist_net.Run`` records (anything with their fields):
``steps``, ``test_acc``, ``train_set_acc``, ``z`` and ``steps_to``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from bnlib.experiments.covariate_shift import typical_unit


class ImageNetRow(NamedTuple):
    """One row of the paper's §4.2 results: Inception variants on ImageNet."""

    model: str
    lr: float  # initial learning rate
    steps_to_722: float | None  # training steps to reach 72.2% accuracy (None: never)
    max_acc: float  # maximum validation accuracy


# Quoted from the paper (§4.2), not reproduced here: SGD with momentum, mini-batches of 32.
IMAGENET = (
    ImageNetRow("Inception", 0.0015, 31.0e6, 0.722),
    ImageNetRow("BN-Baseline", 0.0015, 13.3e6, 0.727),
    ImageNetRow("BN-x5", 0.0075, 2.1e6, 0.730),
    ImageNetRow("BN-x30", 0.045, 2.7e6, 0.748),
    ImageNetRow("BN-x5-Sigmoid", 0.0075, None, 0.698),
)


def fewer_steps(base: float | None, other: float | None) -> float:
    """How many times fewer steps ``other`` needs than ``base``: base / other; NaN if either
    never got there (None)."""
    if base is None or other is None:
        return float("nan")
    if base <= 0 or other <= 0:
        raise ValueError(f"expected step counts > 0 (got {base} and {other})")
    return float(base) / float(other)


def rounding_range(base: float, other: float, unit: float) -> tuple[float, float]:
    """The smallest and largest ``base / other`` when both counts were rounded to the nearest
    ``unit``: each stands for anything within half a unit of it."""
    half = 0.5 * unit
    if not (unit > 0 and other - half > 0):
        raise ValueError(
            f"expected unit > 0 and counts above half a unit (got {base}, {other}, unit {unit})"
        )
    # smallest: the smallest numerator over the largest denominator; largest: the reverse
    return (base - half) / (other + half), (base + half) / (other - half)


def sign_test(differences) -> float:
    """One-sided sign test: the chance of at least as many positive ``differences`` as seen,
    were each one's sign a fair coin flip (zeros carry no sign and are dropped)."""
    d = np.asarray(differences, dtype=float)
    d = d[d != 0]
    if not d.size or not np.all(np.isfinite(d)):
        raise ValueError(f"expected finite differences, not all zero (got {differences!r})")
    n, k = d.size, int(np.sum(d > 0))
    # P(K >= k) for K ~ Binomial(n, 1/2)
    return sum(math.comb(n, j) for j in range(k, n + 1)) / 2**n


class Band(NamedTuple):
    """Per probe, over seeds: the lowest, the median and the highest value, each (P,)."""

    lo: np.ndarray
    mid: np.ndarray
    hi: np.ndarray


def band(curves) -> Band:
    """``Band`` of S curves of P values, shape (S, P): min, median and max over axis 0."""
    a = np.asarray(curves, dtype=float)
    if a.ndim != 2 or a.shape[0] < 1:
        raise ValueError(f"expected curves of shape (S, P), S >= 1 (got shape {a.shape})")
    return Band(a.min(0), np.median(a, 0), a.max(0))


def _steps(runs) -> np.ndarray:
    steps = runs[0].steps
    if any(not np.array_equal(r.steps, steps) for r in runs):
        raise ValueError("expected runs probed at the same steps")
    return steps


def seed_band(runs, field: str = "test_acc") -> tuple[np.ndarray, Band]:
    """(steps, ``Band``) of a per-probe ``field`` over runs that differ only in their seed."""
    steps = _steps(runs)
    return steps, band([getattr(r, field) for r in runs])


def typical_percentiles(run, layer: int) -> np.ndarray:
    """The paper's Figure 1 (b, c): the 15th, 50th, 85th percentiles of the input of a typical
    unit of ``layer`` (``covariate_shift.typical_unit``) at each probe, shape (P, 3)."""
    return run.z.percentiles[:, layer, typical_unit(run.z, layer)]


def percentile_bands(runs, layer: int) -> tuple[np.ndarray, list[Band]]:
    """(steps, one ``Band`` per percentile) of each run's typical unit of ``layer``."""
    steps = _steps(runs)
    p = np.stack([typical_percentiles(r, layer) for r in runs])  # (S, P, 3)
    return steps, [band(p[:, :, k]) for k in range(p.shape[-1])]


def generalization_gap(run) -> np.ndarray:
    """Accuracy on training images minus test accuracy at each probe, (P,)."""
    return np.asarray(run.train_set_acc) - np.asarray(run.test_acc)


def paired_differences(without, with_bn, field: str = "test_acc", probe: int = -1) -> np.ndarray:
    """Seed by seed, with BN minus without, of ``field`` at one probe: a paired comparison
    (each seed's two networks share init weights and mini-batches), shape (S,)."""
    if len(without) != len(with_bn):
        raise ValueError(
            f"expected as many runs with BN as without (got {len(with_bn)} and {len(without)})"
        )
    a = np.array([getattr(r, field)[probe] for r in without], dtype=float)
    b = np.array([getattr(r, field)[probe] for r in with_bn], dtype=float)
    return b - a


def movement(run, layer: int, start: int, stop: int) -> np.ndarray:
    """How far the typical unit's 15th, 50th and 85th percentiles (``typical_percentiles``)
    move within the probed steps ``start`` to ``stop``: the largest |p(t) - p(start)|, (3,)."""
    steps = np.asarray(run.steps)
    if start not in steps or stop not in steps or stop <= start:
        raise ValueError(
            f"expected probed steps start < stop (got {start} and {stop}; "
            f"probed: {steps.min()}..{steps.max()})"
        )
    p = typical_percentiles(run, layer)[(steps >= start) & (steps <= stop)]  # (P_window, 3)
    return np.abs(p - p[0]).max(axis=0)


def fewer_steps_by_seed(baselines, runs) -> np.ndarray:
    """The paper's "N times fewer steps to 72.2%", seed by seed, shape (S,).

    Seed s's target is the best test accuracy of ``baselines[s]`` (as 72.2% is
    Inception's best); the ratio is the baseline's steps to it over ``runs[s]``'s,
    NaN where ``runs[s]`` never gets there. Runs pair up by position.
    """
    if len(baselines) != len(runs):
        raise ValueError(f"expected one baseline per run (got {len(baselines)} and {len(runs)})")
    out = []
    for base, run in zip(baselines, runs, strict=True):
        target = float(np.max(base.test_acc))
        out.append(fewer_steps(base.steps_to(target), run.steps_to(target)))
    return np.array(out, dtype=float)


class AtFit(NamedTuple):
    """A run at its first probe with accuracy on training images >= a level."""

    step: int
    train_acc: float  # on the N_FIT training images
    test_acc: float
    gap: float  # train_acc - test_acc


def at_fit(run, fit: float) -> AtFit | None:
    """The first probe at which ``run`` fits ``fit`` of its training images (None: never):
    a comparison at matched fit rather than at the same step."""
    hit = np.flatnonzero(np.asarray(run.train_set_acc) >= fit)
    if not hit.size:
        return None
    i = int(hit[0])
    a, t = float(run.train_set_acc[i]), float(run.test_acc[i])
    return AtFit(int(run.steps[i]), a, t, a - t)


def reach(runs, targets) -> np.ndarray:
    """Each run's first probed step with test accuracy >= its target (one target for all, or one
    per run), ``inf`` where never: shape (R,), for comparisons in which never is the slowest."""
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (len(runs),))
    hits = [r.steps_to(float(t)) for r, t in zip(runs, targets, strict=True)]
    return np.array([np.inf if h is None else h for h in hits], dtype=float)


def moved(runs, spans, layer: int) -> np.ndarray:
    """``movement`` of each run's typical unit over ``spans``: one (start, stop) for all runs or
    one per run; a row of NaN where stop is None or inf (never reached, as ``reach`` gives).
    Shape (R, 3): the 15th, 50th and 85th percentiles."""
    if len(spans) == 2 and np.isscalar(spans[0]):
        spans = [spans] * len(runs)
    out = []
    for r, (start, stop) in zip(runs, spans, strict=True):
        never = stop is None or not np.isfinite(stop)
        out.append(np.full(3, np.nan) if never else movement(r, layer, start, int(stop)))
    return np.stack(out)


def paired_gaps(without, with_bn, fit: float) -> np.ndarray:
    """Seed by seed, the gap (``gap``) at the last probe and at the first probe that fits
    ``fit`` of the training images (``at_fit``; NaN: never), without and with BN.
    Shape (S, 2, 2): seed, (at the end, at fit), (without, with BN)."""
    out = []
    for a, b in zip(without, with_bn, strict=True):
        fits = [at_fit(r, fit) for r in (a, b)]
        out.append(
            [
                [generalization_gap(a)[-1], generalization_gap(b)[-1]],
                [np.nan if m is None else m.gap for m in fits],
            ]
        )
    return np.array(out, dtype=float)
