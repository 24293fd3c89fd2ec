"""Lab 06a (Figure 1 in depth): the percentile bands of Figure 1 (b, c) and the train/test gap.
Plots only: the numbers come from ``bnlib.experiments.paper``. Text tables: ``nb06a_tables``."""

from __future__ import annotations

import numpy as np

from bnlib.experiments.paper import paired_gaps, percentile_bands, seed_band
from bnlib.notebook.figures.nb01 import BN_COLOR, BN_LABEL, PERCENTILE_STYLE
from bnlib.notebook.figures.nb06 import BAND, LAYER, legend_percentiles, pct, split_bn
from bnlib.notebook.viz import new_figure, styled

FIT = 0.9  # the training accuracy at which the gaps are compared


@styled
def percentile_band_panels(runs, layer: int = LAYER):
    """The paper's Figure 1 (b, c): a typical last-layer sigmoid's input percentiles, each
    percentile's median over the seeds with the band from the lowest to the highest seed."""
    fig, axes = new_figure(1, 2, width=11, height=4.6, sharey=True)
    for ax, (bn, group) in zip(axes, enumerate(split_bn(runs)), strict=True):
        steps, bands = percentile_bands(group, layer)
        for b, ls in zip(bands, PERCENTILE_STYLE, strict=True):
            ax.fill_between(steps, b.lo, b.hi, color=BN_COLOR[bn], alpha=0.18, lw=0)
            ax.plot(steps, b.mid, ls, color=BN_COLOR[bn])
        ax.set(title=f"({'bc'[bn]}) {BN_LABEL[bn]}", xlabel="training step", xlim=(0, steps[-1]))
    axes[0].set_ylabel(f"input z of a typical\nlayer-{layer + 1} sigmoid")
    legend_percentiles(fig)
    fig.suptitle(f"Median of {len(split_bn(runs)[0])} seeds ({BAND})")
    return fig


@styled
def gap_figure(runs, fit: float = FIT):
    """Left: accuracy on training images and on test images over training (seed bands).
    Right: each seed's gap at the last step and at ``fit`` training accuracy, a line a seed."""
    fig, (ax_a, ax_g) = new_figure(1, 2, width=11, height=4.6)
    without, with_bn = split_bn(runs)
    for bn, group in enumerate((without, with_bn)):
        steps, test = seed_band(group, "test_acc")
        _, fits = seed_band(group, "train_set_acc")
        for b, ls, what in ((fits, "--", "training"), (test, "-", "test")):
            ax_a.fill_between(steps, 100 * b.lo, 100 * b.hi, color=BN_COLOR[bn], alpha=0.15, lw=0)
            ax_a.plot(steps, 100 * b.mid, ls, color=BN_COLOR[bn], label=f"{BN_LABEL[bn]}, {what}")
    pairs = paired_gaps(without, with_bn, fit)  # (S, 2, 2): seed, (end, at fit), (without, with)
    for x0, k in ((0, 0), (2.5, 1)):
        for g in pairs[:, k]:
            ax_g.plot([x0, x0 + 1], 100 * g, "-", color="0.6", lw=1)
        for bn in (False, True):
            label = BN_LABEL[bn] if k == 0 else None
            xs = np.full(len(pairs), x0 + bn)
            ax_g.plot(xs, 100 * pairs[:, k, int(bn)], "o", ms=9, color=BN_COLOR[bn], label=label)
    end = without[0].steps[-1]
    ticks = [
        f"at step {end:,}\n(the same step)",
        f"at {pct(fit)} training\naccuracy (the same fit)",
    ]
    ax_g.set_xticks([0.5, 3], ticks)
    ax_a.set(xlabel="training step", ylabel="accuracy (%)", ylim=(0, 100), title="accuracy")
    ylabel = "training minus test accuracy\n(percentage points)"
    ax_g.set(xlim=(-0.6, 4.1), ylabel=ylabel, title="the gap, each line a seed")
    ax_a.legend(loc="lower right", fontsize=11)
    ax_g.legend(loc="lower center", fontsize=11)
    return fig
