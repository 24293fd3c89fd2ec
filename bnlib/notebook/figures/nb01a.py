"""labs/01a_measuring_ics: every layer's drift over training, its split into ICS and the
layer's own part, the learning-rate grid, the remedies. Plot only: the numbers come from
``bnlib.experiments.ics_analysis``; the tables are in ``nb01a_tables``."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
)

from bnlib.experiments import ics_analysis as A
from bnlib.experiments.covariate_shift import layer_drift
from bnlib.notebook.figures.nb01 import BN_COLOR, BN_LABEL
from bnlib.notebook.viz import PALETTE, new_figure, styled

LAYER_COLORS = (PALETTE["sky"], PALETTE["green"], PALETTE["purple"], PALETTE["black"])
LR_TICKS = (0.1, 0.3, 1, 3, 10, 30, 100)


@styled
def drift_over_steps(runs: dict):
    """W1 drift of every layer's input between consecutive probes, one panel per run."""
    fig, axes = new_figure(1, len(runs), width=5 * len(runs), height=4.4, sharey=True)
    for ax, (title, run) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        w1 = layer_drift(run.z).w1  # (P - 1, L)
        for layer in range(w1.shape[1]):
            color = LAYER_COLORS[layer % 4]
            ax.plot(run.steps[1:], w1[:, layer], color=color, label=f"layer {layer + 1}")
        ax.set(title=title, xlabel="training step", yscale="log")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel(f"total W1 drift of z per {A.probe_every(run)} steps\n(mean over units)")
    fig.legend(*first.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    return fig


@styled
def split_figure(traces: dict, after: int = A.AFTER):
    """Per layer, the two parts of its input's drift after step ``after``, without and with BN
    (``traces``: {False: [traced...], True: [...]}): bars at the median over seeds, whiskers
    from the smallest to the largest."""
    fig, axes = new_figure(1, 2, width=10, height=4.4)
    titles = ("from the earlier layers (ICS)", "from the layer's own parameters")
    for bn, runs in traces.items():
        nums = [A.split_numbers(t, after) for t in runs]
        for ax, key in zip(axes, ("ics", "own"), strict=True):
            v = np.array([n[key] for n in nums])  # (seeds, L)
            x = np.arange(1, v.shape[1] + 1) + (0.2 if bn else -0.2)
            med = np.median(v, axis=0)
            err = [med - v.min(axis=0), v.max(axis=0) - med]
            label = f"{BN_LABEL[bn]} ({len(runs)} seeds)"
            ax.bar(x, med, width=0.4, yerr=err, capsize=4, color=BN_COLOR[bn], label=label)
    every = A.probe_every(next(iter(traces.values()))[0].run)
    arrow = {"arrowstyle": "->", "color": "0.3"}
    where = {"textcoords": ("data", "axes fraction"), "arrowprops": arrow, "ha": "center"}
    axes[0].annotate("0: layer 1's input\nis the image", (1, 0), (1, 0.2), **where)
    for ax, title in zip(axes, titles, strict=True):
        ax.set(title=title, xlabel="layer", ylim=(0, None))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel(f"W1 drift of z per {every} steps\n(mean after step {after})")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return fig


def lr_axis(ax) -> None:
    """A log learning-rate axis labelled 0.3, 1, 3, ... rather than 10^0, 10^1."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(LR_TICKS))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" for t in LR_TICKS])
    ax.set_xlabel("learning rate")


def _final_accuracy(run) -> float:
    return 100 * run.test_acc[-1]


@styled
def lr_summary(runs: list):
    """Against the lr, per seed (dots) and their median (line): layer 3's drift in the first
    interval and after step AFTER, and the final accuracy; × marks a run that broke (left
    out of the middle panel: a broken run's late drift is ~0 or NaN)."""
    fig, axes = new_figure(1, 3, width=10.5, height=4.4, sharex=True)
    values = (A.first_jump, A.late_drift, _final_accuracy)
    for bn in (False, True):
        groups = A.by_lr(runs, bn)
        lrs = np.array(list(groups))
        for ax, value in zip(axes, values, strict=True):
            for lr, rs in groups.items():
                ok = [value(r) for r in rs if A.outcome(r) != "broke"]
                bad = [value(r) for r in rs if A.outcome(r) == "broke"]
                ax.plot([lr] * len(ok), ok, "o", ms=5, alpha=0.6, color=BN_COLOR[bn])
                if value is not A.late_drift:
                    ax.plot([lr] * len(bad), bad, "x", ms=11, mew=2.5, color=BN_COLOR[bn])
            med = np.array([np.median([value(r) for r in rs]) for rs in groups.values()])
            keep = [
                value is not A.late_drift or all(A.outcome(r) != "broke" for r in rs)
                for rs in groups.values()
            ]
            ax.plot(lrs[keep], med[keep], "-", color=BN_COLOR[bn], label=BN_LABEL[bn])
    for ax in axes:
        lr_axis(ax)
    every = A.probe_every(runs[0])
    ylabel = f"total W1 drift of layer 3's input\nper {every} steps"
    axes[0].set(yscale="log", title=f"in the first {every} steps", ylabel=ylabel)
    axes[1].set(yscale="log", title=f"after step {A.AFTER}, per {every} steps")
    axes[1].yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))  # a narrow range: 0.05, 0.1, 0.2
    for ax in axes[:2]:
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axes[2].set(ylim=(0, 100), ylabel="test accuracy at the end (%)", title="accuracy")
    handles = [
        Line2D([], [], color=BN_COLOR[bn], marker="o", label=BN_LABEL[bn]) for bn in (False, True)
    ]
    handles.append(Line2D([], [], color="0.3", marker="x", ls="", mew=2.5, ms=9, label="broke"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    return fig


@styled
def remedies_figure(pairs: dict, layer: int = A.LAYER):
    """Per remedy (column; ``pairs``: name -> runs): the total drift of layer 3's input over
    training, in units of z (top) and of its σ_B (bottom, ``relative_drift``)."""
    n = len(pairs)
    fig, axes = new_figure(2, n, width=2.75 * n, height=6.6, sharex=True, sharey="row")
    axes = axes.reshape(2, n)
    every = A.probe_every(next(iter(pairs.values()))[0])
    for col, (name, runs) in enumerate(pairs.items()):
        for run in runs:
            kw = {"color": BN_COLOR[run.config.bn], "label": BN_LABEL[run.config.bn]}
            axes[0, col].plot(run.steps[1:], layer_drift(run.z).w1[:, layer], **kw)
            axes[1, col].plot(run.steps[1:], A.relative_drift(run, layer), **kw)
        axes[0, col].set(title=name, yscale="log")
        axes[1, col].set(xlabel="training step", yscale="log")
    axes[0, 0].set_ylabel(f"total W1 drift of layer 3's\ninput per {every} steps")
    axes[1, 0].set_ylabel(
        f"the same in units of its $\\sigma_B$\n(drawn where $\\sigma_B \\geq {A.TINY:g}$)"
    )
    handles = [Line2D([], [], color=BN_COLOR[bn], label=BN_LABEL[bn]) for bn in (False, True)]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    return fig
