"""Lab 06a's text tables (``bnlib.notebook.tables.text_table``): each seed's Figure 1 numbers,
the percentile windows, the input levels, the learning-rate variants, depth and the gaps.
Formatting only: the numbers come from ``bnlib.experiments``."""

from __future__ import annotations

import numpy as np

from bnlib.experiments.covariate_shift import PERCENTILES
from bnlib.experiments.learning_rates import broken, by_rate
from bnlib.experiments.paper import (
    at_fit,
    fewer_steps_by_seed,
    moved,
    paired_gaps,
    typical_percentiles,
)
from bnlib.experiments.sigmoid_depth import sigma_b
from bnlib.notebook.figures.nb01 import BN_LABEL
from bnlib.notebook.figures.nb06 import (
    BASE_LR,
    INIT_NAME,
    LAYER,
    TARGET,
    med_range,
    pct,
    short_tag,
    split_bn,
    steps_text,
)
from bnlib.notebook.tables import text_table
from bnlib.notebook.viz import num


def _acc(run, step) -> str:
    return f"{num(100 * run.test_acc[list(run.steps).index(step)], 1)}%"


def _hit(run, target) -> str:
    hit = run.steps_to(target)
    return steps_text(hit) if hit else "never"


def figure1_table(runs, target: float = TARGET, at=(200, 500, 900, 1500)) -> str:
    """Per seed: test accuracy at some steps and the steps to ``target``, without and with BN."""
    head = ["seed", "", *(f"step {s:,}" for s in at), f"to {pct(target)}"]
    rows = [
        [r.config.seed, BN_LABEL[r.config.bn], *(_acc(r, s) for s in at), _hit(r, target)]
        for pair in zip(*split_bn(runs), strict=True)
        for r in pair
    ]
    return text_table(head, rows, left=2)


def movement_table(runs, windows, until: float, layer: int = LAYER) -> str:
    """How far the typical unit's percentiles move (``paper.moved``) within each window of
    steps, and from step 0 to each run's first probe with test accuracy >= ``until`` (the same
    progress, not the same steps): median (range) over the seeds, without and with BN."""
    head = ["", "steps", *(f"{p}th percentile" for p in PERCENTILES)]
    rows, reached = [], []
    for bn, group in enumerate(split_bn(runs)):
        stops = [r.steps_to(until) for r in group]
        spans = [(a, b) for a, b in windows] + [[(0, s) for s in stops]]
        names = [f"{a:,}–{b:,}" for a, b in windows] + [f"0 to {pct(until)}"]
        for span, name in zip(spans, names, strict=True):
            m = moved(group, span, layer)
            rows.append(
                [BN_LABEL[bn], name, *(med_range(m[:, j], lambda v: num(v, 2)) for j in range(3))]
            )
        at = med_range([np.nan if s is None else s for s in stops], steps_text)
        reached.append(f"{at} {BN_LABEL[bn]}")
    note = f"'0 to {pct(until)}': from step 0 to the first probe with test accuracy >= {pct(until)}"
    return f"{text_table(head, rows, left=2)}\n{note}, step {', '.join(reached)}"


def input_levels(runs, at, layer: int = LAYER) -> str:
    """Where the typical unit's input sits: its median (50th percentile) at some steps, median
    (range) over the seeds, and the lowest 15th percentile of any seed at any probe."""
    head = ["", *(f"median input at step {s:,}" for s in at), "lowest 15th percentile"]
    rows = []
    for bn, group in enumerate(split_bn(runs)):
        p = np.stack([typical_percentiles(r, layer) for r in group])  # (S, P, 3)
        steps = list(group[0].steps)
        rows.append(
            [
                BN_LABEL[bn],
                *(med_range(p[:, steps.index(s), 1]) for s in at),
                num(p[..., 0].min(), 2),
            ]
        )
    return text_table(head, rows)


def variants_table(runs, baselines, base_lr: float = BASE_LR) -> str:
    """Per variant, over its seeds: how many train, the test accuracy at the end, the steps to
    the target (seed by seed, the best accuracy of that seed's baseline) and how many times
    fewer than the baseline: median (range). Variants trained fewer steps are tagged."""
    head = ["", "learning rate", "trains", "accuracy (%)", "steps to target", "times fewer"]
    base = {r.config.seed: r for r in baselines}
    end, notes, rows = max(r.steps[-1] for r in runs), {}, []
    for (bn, label), group in by_rate(runs, base_lr).items():
        bases = [base[r.config.seed] for r in group]
        if "/" in label and group[0].config.lr_invariant is None:
            notes[label] = (
                f"{label}: the rate {group[0].config.lr:g}, {label[1:]} of the base {base_lr:g}"
            )
        tag = short_tag(group[0], end)
        if tag:
            s = group[0].steps[-1]
            notes[s] = (
                f"({s:,} steps): trained {s:,} steps only: the accuracy is at step {s:,}, "
                "and 'never' means not by then"
            )
        steps = [r.steps_to(float(b.test_acc.max())) for r, b in zip(group, bases, strict=True)]
        reached = [s for s in steps if s is not None]
        ok = sum(not broken(r) for r in group)
        rows.append(
            [
                BN_LABEL[bn],
                label + tag,
                f"{ok} of {len(group)}",
                med_range([100 * r.test_acc[-1] for r in group]),
                med_range(reached, steps_text) if reached else "never",
                med_range(fewer_steps_by_seed(bases, group)),
            ]
        )
    return "\n".join([text_table(head, rows, left=2), *notes.values()])


def depth_table(runs, target: float = TARGET, at=(200, 400)) -> str:
    """Per network: accuracy at some steps, steps to ``target``, and sigma_B of the last hidden
    layer's input at step 0 and at the end (float32, as trained)."""
    head = [
        "layers",
        "",
        "init",
        *(f"step {s:,}" for s in at),
        f"to {pct(target)}",
        "σ_B at 0",
        "at end",
    ]
    rows = [
        [
            r.config.depth,
            BN_LABEL[r.config.bn],
            INIT_NAME[r.config.init],
            *(_acc(r, s) for s in at),
            _hit(r, target),
            f"{sigma_b(r):.2g}",
            f"{sigma_b(r, -1):.2g}",
        ]
        for r in sorted(runs, key=lambda r: (r.config.depth, r.config.bn, r.config.init))
    ]
    return text_table(head, rows, left=3)


def gap_table(runs, fit: float) -> str:
    """Seed by seed, at the first probe with ``fit`` of the training images right
    (``paper.at_fit``): the step, both accuracies and the gap, without and with BN."""
    head = ["seed", "", "step", "train", "test", "gap"]
    without, with_bn = split_bn(runs)
    rows = []
    for r in (r for pair in zip(without, with_bn, strict=True) for r in pair):
        m = at_fit(r, fit)
        cells = ["never", "", "", ""] if m is None else [f"{m.step:,}"]
        if m is not None:
            cells += [num(100 * v, 1) for v in (m.train_acc, m.test_acc, m.gap)]
        rows.append([r.config.seed, BN_LABEL[r.config.bn], *cells])
    d = 100 * (paired_gaps(without, with_bn, fit)[:, 1] @ [1, -1])  # (S,) without minus with BN
    smaller = f"the gap is smaller with BN in {int(np.sum(d > 0))} of {len(d)} seeds"
    note = f"{smaller}, by {med_range(d)} points (median, range)"
    return f"{text_table(head, rows, left=2)}\n{note}"


def end_gap_table(runs) -> str:
    """At the last probe, median over the seeds: accuracy and loss on training images and on
    test images, and the median of the per-seed gaps (not the difference of the medians); in
    how many seeds BN's gap is the larger, in accuracy and in loss."""
    head = ["", "training acc", "test acc", "gap", "training loss", "test loss", "loss gap"]
    rows, gaps = [], []
    for bn, group in enumerate(split_bn(runs)):
        fa, ta, fl, tl = (
            np.array([getattr(r, f)[-1] for r in group], float)
            for f in ("train_set_acc", "test_acc", "train_set_loss", "test_loss")
        )
        gaps.append((fa - ta, tl - fl))
        accs = [f"{num(100 * np.median(v), 1)}%" for v in (fa, ta)]
        losses = [num(np.median(v), 3) for v in (fl, tl, tl - fl)]
        rows.append([BN_LABEL[bn], *accs, num(100 * np.median(fa - ta), 1), *losses])
    larger = [int(np.sum(gaps[1][k] > gaps[0][k])) for k in (0, 1)]
    n = len(gaps[0][0])
    note = f"the gap is larger with BN in {larger[0]} of {n} seeds in accuracy, "
    note += f"in {larger[1]} of {n} in loss"
    return f"{text_table(head, rows)}\n{note}"
