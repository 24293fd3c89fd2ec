"""labs/01a_measuring_ics: its plain-text tables (``bnlib.notebook.tables.text_table``) of
numbers computed by ``bnlib.experiments.covariate_shift`` and ``ics_analysis``."""

from __future__ import annotations

import numpy as np

from bnlib.experiments import ics_analysis as A
from bnlib.experiments.covariate_shift import layer_drift, propagate, typical_unit
from bnlib.experiments.paper import movement
from bnlib.notebook.figures.nb01 import ACTS, BN_LABEL, INIT_SHORT, sci, sigma_text
from bnlib.notebook.figures.nb01_tables import per_seed_steps
from bnlib.notebook.tables import text_table
from bnlib.notebook.viz import num


def span(values, fmt=sci) -> str:
    """The median and [min–max] of values over seeds, e.g. "0.18 [0.17–0.25]"."""
    v = np.asarray(values, dtype=float)
    return f"{fmt(np.median(v))} [{fmt(v.min())}–{fmt(v.max())}]"


def init_table(x, weights) -> str:
    """Every activation x init: σ_B at layers 1, 5, 10, 20 and μ_B at layers 1 and 20 (RMS
    over units), at init (``propagate``)."""
    rows = []
    for act in ACTS:
        for init in INIT_SHORT:
            p = propagate(x, weights, act, init)
            cols = [p.std[0], p.std[4], p.std[9], p.std[19], p.mean[0], p.mean[19]]
            rows.append([act, INIT_SHORT[init], *map(sigma_text, cols)])
    head = ["", "", "σ_B 1", "5", "10", "20", "μ_B 1", "20"]
    return text_table(head, rows, left=2)


def percentile_table(traces: dict, at=(0, 200), layer: int = A.LAYER) -> str:
    """Per run (``traces``: {bn: [traced...]}), its typical unit's 15th, 50th and 85th input
    percentiles at the steps ``at`` and at the end, and how far they moved from ``at[-1]``
    to the end (the largest of the three, ``paper.movement``)."""
    rows, end = [], None
    for bn, runs in traces.items():
        for t in runs:
            run = t.run
            end = int(run.steps[-1])
            u, steps = typical_unit(run.z, layer), list(run.steps)
            pct = [run.z.percentiles[steps.index(s), layer, u] for s in (*at, end)]
            moved = movement(run, layer, at[-1], end).max()
            cells = ["".join(f"{num(v):>6}" for v in p) for p in pct]
            rows.append([f"{BN_LABEL[bn]}, seed {run.config.seed}", *cells, num(moved)])
    head = ["", *(f"step {s}" for s in (*at, end)), "moved"]
    return text_table(head, rows)


def split_table(traces: dict, after: int = A.AFTER) -> str:
    """``split_numbers`` per layer, without and with BN: the median [min–max] over seeds."""
    keys = ("total", "ics", "own", "ics_rel", "ics_shape")
    rows = []
    for bn, runs in traces.items():
        nums = [A.split_numbers(t, after) for t in runs]
        for layer in range(len(nums[0]["total"])):
            cells = [span([n[k][layer] for n in nums]) for k in keys]
            sig = np.median([n["sigma_end"][layer] for n in nums])
            rows.append([BN_LABEL[bn], str(layer + 1), *cells, sci(sig)])
    head = ["", "layer", "total", "ICS (earlier)", "own", "ICS / σ", "ICS, shape", "σ_B end"]
    return text_table(head, rows)


def lr_table(runs: list) -> str:
    """One row per learning rate and BN: outcomes over seeds, the accuracy's range, layer 3's
    drift (first interval / after AFTER, medians), the median over units of each unit's median
    input z at the end, and the share of layer 3's inputs with |z| > SATURATED (medians)."""
    rows = []
    for lr in sorted({r.config.lr for r in runs}):
        for bn in (False, True):
            rs = A.by_lr(runs, bn).get(lr)
            if not rs:
                continue
            kinds = [A.outcome(r) for r in rs]
            verdict = ", ".join(f"{k} ×{kinds.count(k)}" for k in dict.fromkeys(kinds))
            acc = [100 * r.test_acc[-1] for r in rs]
            lates = [A.late_drift(r) for r in rs if A.outcome(r) != "broke"]
            late = sci(np.median(lates)) if lates else "(broke)"
            drift = f"{sci(np.median([A.first_jump(r) for r in rs]))} / {late}"
            z = np.median([np.median(r.z.percentiles[-1, A.LAYER, :, 1]) for r in rs])
            sat = np.median([A.saturated_share(r) for r in rs])
            accuracy = f"{num(min(acc), 1)}–{num(max(acc), 1)}%"
            cells = [verdict, accuracy, drift, sci(z), f"{100 * sat:.0f}%"]
            rows.append([f"{lr:g}", "yes" if bn else "no", *cells])
    every = A.probe_every(runs[0])
    drift_head = f"total drift: first {every} / after {A.AFTER}"
    head = ["lr", "BN", "outcome", "accuracy", drift_head, "median z", f"|z| > {A.SATURATED:g}"]
    return text_table(head, rows, left=5)


def lr_layer_table(runs: list) -> str:
    """Per learning rate and BN, each layer's total drift (medians over the seeds): first
    interval / after AFTER, the latter only for runs that did not break."""
    layers = runs[0].z.mean.shape[1]
    rows = []
    for lr in sorted({r.config.lr for r in runs}):
        for bn in (False, True):
            rs = A.by_lr(runs, bn).get(lr)
            if not rs:
                continue
            w1 = [layer_drift(r.z).w1 for r in rs]  # each (P - 1, L)
            first = np.median([w[0] for w in w1], axis=0)  # (L,)
            ok = [A.late(w, r) for w, r in zip(w1, rs, strict=True) if A.outcome(r) != "broke"]
            after = np.median(ok, axis=0) if ok else [None] * layers
            cells = [
                f"{sci(f)} / {'(broke)' if a is None else sci(a)}"
                for f, a in zip(first, after, strict=True)
            ]
            rows.append([f"{lr:g}", "yes" if bn else "no", *cells])
    head = ["lr", "BN", *(f"layer {k + 1}" for k in range(layers))]
    return text_table(head, rows, left=2 + layers)


def numbers_table(groups: dict, target: float = 0.8) -> str:
    """``run_numbers`` of each named group of runs (seeds): medians, ranges where they matter.
    A drift in units of σ_B is shown as "—" where σ_B was below TINY (``relative_drift``)."""
    rows, masked = [], False
    for name, runs in groups.items():
        if all(A.outcome(r) == "broke" for r in runs):
            at = [r.diverged_at for r in runs]
            why = f"(NaN by step {max(at)})" if None not in at else ""
            rows.append([name, f"broke ×{len(runs)}", "never", "—", why])
            continue
        ns = [A.run_numbers(r, target=target) for r in runs]
        keys = ("sigma_start", "sigma_end", "late", "late_rel")
        med = {k: np.median([n[k] for n in ns]) for k in keys}
        acc = [100 * n["accuracy"] for n in ns]
        rel = "—" if np.isnan(med["late_rel"]) else sci(med["late_rel"])
        masked |= rel == "—"
        rows.append(
            [
                name,
                f"{num(min(acc), 1)}–{num(max(acc), 1)}%",
                per_seed_steps([n["steps_to"] for n in ns]),
                f"{sci(med['sigma_start'])} → {sci(med['sigma_end'])}",
                f"{sci(med['late'])} / {rel}",
            ]
        )
    drift_head = f"total drift after {A.AFTER}: z / σ"
    head = ["", "accuracy", f"steps to {target:.0%}", "σ_B start → end", drift_head]
    table = text_table(head, rows, left=5)
    if masked:
        table += (
            f"\n—: σ_B below {A.TINY:g}: a drift in units of σ_B would measure how small σ_B is"
        )
    return table
