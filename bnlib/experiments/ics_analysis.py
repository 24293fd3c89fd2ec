"""Internal covariate shift in numbers: what lesson 01 and lab 01a conclude from their runs.

numpy only. A run is a ``bnlib.experiments.mnist_net.Run`` (probes at ``run.steps``, each
hidden layer's input z as a ``Summary`` of (P, L, C, ...)); a traced run is a
``bnlib.experiments.ics.Traced`` (the run, and each layer's z with its previous
parameters on its new input). Drift is W1 between probes (``covariate_shift.layer_drift``).
"""

from __future__ import annotations

import functools

import numpy as np

from bnlib.experiments.covariate_shift import layer_drift, split_drift

LAYER = 2  # the last hidden layer (0-based), as in the paper's Figure 1
AFTER = 300  # "late" drift: probe intervals that end after this step
FROZEN = 1e-6  # W1 per probe interval below which a layer's input has stopped moving
SATURATED = 4.0  # |z| beyond which the sigmoid's slope is below 0.018 (7.07% of its maximum)
TINY = 0.01  # σ_B below which a drift in units of σ_B is not shown: it would measure the σ_B


def probe_every(run) -> int:
    """Steps between consecutive probes (the first two)."""
    return int(run.steps[1] - run.steps[0])


def late(values, run, after: int = AFTER) -> np.ndarray:
    """The mean of (P - 1, ...) per-interval ``values`` over the probe intervals that end
    after step ``after``, shape (...); NaN when the run has no such interval."""
    values, keep = np.asarray(values), np.asarray(run.steps[1:]) > after
    return values[keep].mean(axis=0) if keep.any() else np.full(values.shape[1:], np.nan)


def sigma_b_per_probe(run, layer: int = LAYER) -> np.ndarray:
    """σ_B of a layer's input at each probe, the RMS over its units, (P,). With BN this is
    the RMS of |γ| (z = γ x̂ + β), not a measurement of the earlier layers."""
    return np.sqrt(np.mean(run.z.std[:, layer] ** 2, axis=-1))


def first_jump(run, layer: int = LAYER) -> float:
    """W1 drift of a layer's input over the first probe interval."""
    return float(layer_drift(run.z).w1[0, layer])


def relative_drift(run, layer: int = LAYER) -> np.ndarray:
    """A layer's W1 drift per probe interval in units of each unit's σ at the interval's
    start, (P - 1,); NaN where the layer's σ_B there is below TINY (near 0, the ratio would
    measure how small σ_B is rather than the drift)."""
    rel = layer_drift(run.z, relative=True).w1[:, layer]
    return np.where(sigma_b_per_probe(run, layer)[:-1] < TINY, np.nan, rel)


def late_drift(run, layer: int = LAYER, relative: bool = False, after: int = AFTER) -> float:
    """The mean W1 drift of a layer's input per probe interval after step ``after``;
    ``relative``: of ``relative_drift`` (NaN if any late interval is masked)."""
    w1 = relative_drift(run, layer) if relative else layer_drift(run.z).w1[:, layer]
    return float(late(w1, run, after))


def outcome(run) -> str:
    """How a run ended. "broke": its loss became NaN/inf, or the network stopped moving (every
    layer's input drifts less than FROZEN per probe interval over the second half), or its
    test loss ended more than 10% above where it started; "stuck": not broken but at chance
    (test accuracy < 20%); else "trains"."""
    if run.diverged_at is not None or not np.isfinite(run.test_loss[-1]):
        return "broke"
    w1 = layer_drift(run.z).w1
    if np.all(w1[len(w1) // 2 :] < FROZEN) or run.test_loss[-1] > 1.1 * run.test_loss[0]:
        return "broke"
    return "stuck" if run.test_acc[-1] < 0.2 else "trains"


def saturated_share(run, layer: int = LAYER, threshold: float = SATURATED) -> float:
    """The share of a layer's inputs with |z| > ``threshold`` at the last probe (from the 20
    quantiles kept per unit, so in steps of 5%). Lesson 01 passes lesson 03's threshold,
    ``bnlib.nn.activations.saturation_threshold()`` (slope below a tenth of its maximum)."""
    return float(np.mean(np.abs(run.z.quantiles[-1, layer]) > threshold))


def select(runs, **fields) -> list:
    """The runs whose config has every given field value (e.g. lr=3, bn=True), by seed."""
    hits = [r for r in runs if all(getattr(r.config, k) == v for k, v in fields.items())]
    return sorted(hits, key=lambda r: r.config.seed)


def by_lr(runs, bn: bool) -> dict:
    """{lr: [runs by seed]} of the runs without (``bn=False``) or with BN, lr ascending."""
    out: dict[float, list] = {}
    for r in sorted(runs, key=lambda r: (r.config.lr, r.config.seed)):
        if r.config.bn == bn:
            out.setdefault(r.config.lr, []).append(r)
    return out


def run_numbers(run, layer: int = LAYER, target: float = 0.8) -> dict:
    """A run in numbers: its outcome, final accuracy, first probed step at ``target``
    accuracy, σ_B of ``layer``'s input at the start and the end, and its drift per probe
    interval after step AFTER, in units of z and relative to σ_B."""
    sig = sigma_b_per_probe(run, layer)
    return {
        "outcome": outcome(run),
        "accuracy": float(run.test_acc[-1]),
        "steps_to": run.steps_to(target),
        "sigma_start": float(sig[0]),
        "sigma_end": float(sig[-1]),
        "late": late_drift(run, layer),
        "late_rel": late_drift(run, layer, relative=True),
    }


def split_numbers(traced, after: int = AFTER) -> dict:
    """Per layer, each (L,): a traced run's drift per probe interval after step ``after``,
    "total" and its two parts, "ics" (from the earlier layers: ICS in the strict sense) and
    "own" (from the layer's parameters); "ics_rel", the ICS part in units of each unit's σ;
    "ics_shape", the ICS part of the shape alone (each distribution standardised first);
    "sigma_end", σ_B at the last probe (RMS over units)."""
    run, cross = traced.run, traced.cross
    parts = split_drift(run.z, cross)
    rel, shape = split_drift(run.z, cross, relative=True), split_drift(run.z, cross, shape=True)
    return {
        "total": late(parts.total, run, after),
        "ics": late(parts.earlier, run, after),
        "own": late(parts.own, run, after),
        "ics_rel": late(rel.earlier, run, after),
        "ics_shape": late(shape.earlier, run, after),
        "sigma_end": np.sqrt(np.mean(run.z.std[-1] ** 2, axis=-1)),
    }


def bn_cut(traces: dict, key: str = "ics", after: int = AFTER) -> np.ndarray:
    """Per layer (L,): the median over seeds of ``split_numbers(...)[key]`` without BN
    divided by the median with BN; ``traces`` is {False: [traced...], True: [traced...]}.
    NaN where the median with BN is 0 (layer 1's ICS: nothing to cut)."""
    med = {
        bn: np.median([split_numbers(t, after)[key] for t in runs], axis=0)
        for bn, runs in traces.items()
    }
    with_bn = np.where(med[True] > 0, med[True], np.nan)
    return med[False] / with_bn


@functools.lru_cache(maxsize=1)
def quick_lr_grid(steps: int = 200) -> tuple:
    """A small learning-rate grid of the paper's network (seed 0): without BN at 0.3, 3 and
    10, with BN at 0.3, 3, 10 and 100, probed every 50 steps. For tests and the default
    state of lesson 01's learning-rate dashboard."""
    from bnlib.experiments.mnist_net import NetConfig
    from bnlib.experiments.torch_nets import train_many
    from bnlib.nn.data import load_mnist, normalize_input

    configs = [NetConfig(lr=lr) for lr in (0.3, 3, 10)]
    configs += [NetConfig(lr=lr, bn=True) for lr in (0.3, 3, 10, 100)]
    data = normalize_input(load_mnist())
    return tuple(train_many(configs, data, steps, range(0, steps + 1, 50)))
