"""07_beyond_the_paper: which axes each norm normalises over, the batch-size sweep, and the
small-batches dashboard (a batch-size slider and one example's BN output over its batch-mates).

The ICS debate's figures (lab 07a) are in ``nb07a``.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure

from bnlib.experiments.numpy_mnist import batch_size_sweep
from bnlib.nn.data import load_mnist
from bnlib.nn.mlp import mlp
from bnlib.norms import batch_mates
from bnlib.notebook.viz import PALETTE, freeze_layout, hist_outline, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, choice_slider, register

NORM_STYLE = {  # batch-size sweep
    "batch": ("BatchNorm", PALETTE["blue"], "o"),
    "layer": ("LayerNorm", PALETTE["green"], "s"),
    "group": ("GroupNorm (10 groups)", PALETTE["purple"], "D"),
    None: ("no normalisation", PALETTE["red"], "v"),
}
BATCH_SIZES = (2, 4, 16, 64)  # the notebook's sweep


def _cube(ax, shade: np.ndarray, title: str, color: str):
    """One (N, C, H·W) block as voxels, the set one mean is taken over shaded."""
    faces = np.where(shade[..., None], np.array([*_rgb(color), 0.9]), np.array([0.85] * 3 + [0.25]))
    ax.voxels(np.ones(shade.shape, bool), facecolors=faces, edgecolor="0.35", linewidth=0.4)
    ax.set(xlabel="N", ylabel="C", zlabel="H·W", xticks=[], yticks=[], zticks=[])
    ax.xaxis.labelpad = ax.yaxis.labelpad = ax.zaxis.labelpad = -10
    ax.set_title(title, y=1.0)
    ax.view_init(elev=22, azim=-125)  # N to the right, C to the left, H·W up
    ax.set_box_aspect(shade.shape)


def _rgb(hex_color: str) -> tuple[float, float, float]:
    return tuple(int(hex_color[k : k + 2], 16) / 255 for k in (1, 3, 5))


@styled
def norm_axes(n: int = 5, c: int = 6, hw: int = 4, groups: int = 2):
    """Which values share one mean and variance: BN, LayerNorm, InstanceNorm, GroupNorm.

    One block of shape (N, C, H·W); shaded: the values normalised together with
    the first value (example 0, channel 0).
    """
    fig = Figure(figsize=(12, 4.2))  # no constrained layout: it clips the 3-D axes' labels
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.0, top=0.8, wspace=0.12)
    sets = {
        "BatchNorm\nover N, H, W": np.s_[:, :1, :],
        "LayerNorm\nover C, H, W": np.s_[:1, :, :],
        "InstanceNorm\nover H, W": np.s_[:1, :1, :],
        f"GroupNorm, G = {groups}\nover C/G, H, W": np.s_[:1, : c // groups, :],
    }
    colors = [PALETTE["blue"], PALETTE["green"], PALETTE["orange"], PALETTE["purple"]]
    shaded = [
        "BatchNorm: channel 0 of every example, all positions (the only set that crosses N)",
        "LayerNorm: every channel and position of example 0",
        "InstanceNorm: channel 0 of example 0, all positions",
        f"GroupNorm with {groups} groups: example 0's first {c // groups} of {c} channels "
        "(channel 0's group), all positions",
    ]
    fig.alt = (
        "Four panels, left to right, each a 3-D block of N examples × C channels × H·W "
        "positions with the values normalised together with example 0, channel 0 shaded. "
        + ". ".join(f"Panel {k}, {text}" for k, text in enumerate(shaded, 1))
        + "."
    )
    for k, ((title, where), color) in enumerate(zip(sets.items(), colors, strict=True)):
        shade = np.zeros((n, c, hw), bool)
        shade[where] = True
        _cube(fig.add_subplot(1, 4, k + 1, projection="3d"), shade, title, color)
    fig.suptitle(
        "A block of N examples × C channels × H·W positions. Shaded: the values "
        "normalised\ntogether with example 0, channel 0 (one mean, one variance)"
    )

    return fig


def _spread(acc: np.ndarray):
    """Median over the seeds (last axis) and its distance to the min and max, in %."""
    med, lo, hi = (100 * f(acc, axis=-1) for f in (np.median, np.min, np.max))
    return med, np.array([med - lo, hi - med]), lo, hi


def _accuracy_panel(ax, sweep, floor: float = 70.0):
    """Eval-mode accuracy per norm against m: median over seeds, bars from min to max;
    zoomed to [floor, 95]; a median below the floor is written at the bottom instead."""
    ms = np.array(sweep.batch_sizes)
    for i, norm in enumerate(sweep.norms):
        label, color, marker = NORM_STYLE[norm]
        x = ms * 2.0 ** (0.07 * (i - 1.5))  # side by side, so the bars do not hide each other
        med, bars, lo, hi = _spread(sweep.eval_acc[i])
        ax.errorbar(
            x, med, yerr=bars, fmt=marker + "-", color=color, label=label, ms=5, capsize=3, lw=1.5
        )
        short = {"batch": "BN", "layer": "LN", "group": "GN"}.get(norm, "none")
        for xj, m, a, b in zip(x, med, lo, hi, strict=True):
            if m < floor:
                ax.annotate(
                    f"↓ {short}: {a:.0f}–{b:.0f}%",
                    (1.04 * xj, floor + 0.5),
                    color=color,
                    fontsize=11,
                    va="bottom",
                    ha="left",
                )
    ax.set_xscale("log", base=2)
    ax.set_xticks(ms, [str(m) for m in ms])
    ax.minorticks_off()
    ax.set(ylim=(floor, 95), ylabel="test accuracy (%)")


@styled
def batch_sizes(sweep):
    """Eval-mode test accuracy against batch size per norm; BN's eval vs train-mode accuracy.

    Median over the seeds, bars from the lowest to the highest seed.
    """
    fig, (ax_a, ax_b) = new_figure(1, 2, width=10, height=4.8)
    ms = np.array(sweep.batch_sizes)
    _accuracy_panel(ax_a, sweep)
    b = sweep.norms.index("batch")
    for acc, label, color, ls in (
        (sweep.eval_acc[b], "eval mode (population statistics)", PALETTE["blue"], "-"),
        (sweep.train_acc[b], "train mode, test batches of m", PALETTE["sky"], "--"),
    ):
        med, bars, _, _ = _spread(acc)
        ax_b.errorbar(ms, med, yerr=bars, fmt="o" + ls, color=color, label=label, capsize=3)
    ax_b.set_xscale("log", base=2)
    ax_b.set_xticks(ms, [str(m) for m in ms])
    ax_b.minorticks_off()
    ax_b.set(ylim=(0, 100), ylabel="test accuracy (%)")
    for ax in (ax_a, ax_b):
        ax.set_xlabel("batch size m (training)")
    fig.legend(*ax_a.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    ax_b.legend(loc="lower right")
    n = len(sweep.seeds)
    ax_a.set_title(f"Same examples seen, lr ∝ m ({n} seeds)")
    ax_b.set_title("BatchNorm at test time")
    med = np.median(sweep.eval_acc, axis=-1)  # (norm, m)
    best = "; ".join(
        f"at m = {m}: {NORM_STYLE[sweep.norms[i]][0]}"
        for m, i in zip(ms, med.argmax(0), strict=True)
    )
    marks = ("blue circles", "green squares", "purple diamonds", "red triangles")
    legend = "; ".join(
        f"{label}: {mark}" for (label, _, _), mark in zip(NORM_STYLE.values(), marks, strict=True)
    )
    fig.alt = (
        f"Left: test accuracy in eval mode (%) against the training batch size m "
        f"({', '.join(str(m) for m in ms)}), median of {n} seeds with bars from the lowest to the "
        f"highest seed, zoomed to 70-95% (a median below is written at the bottom), for four "
        f"norms ({legend}). Highest median {best}. Right: BatchNorm's test accuracy against m, "
        "in eval mode (population statistics, solid) and in train mode with test batches of m "
        "(dashed)."
    )
    return fig


@functools.lru_cache(maxsize=1)
def quick_sweep(examples: int = 600):
    """The notebook's batch-size sweep on fewer examples (tests and benchmarks)."""
    return batch_size_sweep(load_mnist(), examples=examples, batch_sizes=BATCH_SIZES, seeds=(0, 1))


@functools.lru_cache(maxsize=1)
def first_layer_inputs(seed: int = 0) -> np.ndarray:
    """x W^T of the test images for the first layer of an initialised 784-100 ReLU net."""
    lin = mlp([784, 100, 10], activation="relu", norm=None, gain=np.sqrt(2), seed=seed).layers[0]
    return load_mnist().x_test.astype(np.float64) @ lin.weight.T  # (1000, 100)


@register
@styled
def small_batches(sweep=None, m: int = 4, unit: int = 0, draws: int = 400) -> Dashboard:
    """Pick a batch size: the accuracies there, and one example's BN output over batch-mates."""
    sweep = quick_sweep() if sweep is None else sweep
    h = first_layer_inputs()
    ms = np.array(sweep.batch_sizes)
    fig, (ax_a, ax_h) = new_figure(1, 2, width=9.5, height=4.8)
    _accuracy_panel(ax_a, sweep)
    marker_line = ax_a.axvline(m, color="0.3", lw=1.2)
    ax_a.set_xlabel("batch size m")
    fig.legend(*ax_a.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    bins = np.linspace(-3, 3, 61)  # 0.1 wide
    (hist,) = ax_h.plot([], [], color=PALETTE["blue"], label="BN in training, each batch")
    eval_bn = (h[0, unit] - h[:, unit].mean()) / np.sqrt(h[:, unit].var() + 1e-5)
    ax_h.axvline(eval_bn, color=PALETTE["sky"], lw=2, ls="--", label="BN in eval mode")
    ln = (h[0, unit] - h[0].mean()) / np.sqrt(h[0].var() + 1e-5)  # over example 0's features
    ax_h.axvline(ln, color=PALETTE["green"], lw=2.5, label="LayerNorm, any batch")
    ax_h.set(
        xlim=(-3, 3),
        xlabel=f"normalised value of example 0, unit {unit}",
        ylabel="share of the batches (bins of 0.1)",
    )
    ax_h.legend(loc="upper left", fontsize=11)
    ax_a.set_title("m = 64: BN 00.0%, LN 00.0%")  # room for the titles update() writes
    ax_h.set_title("BN in training: std 0.00 over 400 batches")
    freeze_layout(fig)

    def update(m: int) -> dict:
        j = int(np.flatnonzero(ms == m)[0])
        marker_line.set_xdata([m, m])
        shown = {
            str(norm): float(np.median(sweep.eval_acc[i, j])) for i, norm in enumerate(sweep.norms)
        }
        ax_a.set_title(
            f"m = {m}: BN {num(100 * shown['batch'], 1)}%, LN {num(100 * shown['layer'], 1)}%"
        )
        v = batch_mates(h, 0, m, draws=draws)[:, unit]
        edges, density = hist_outline(v, bins)
        hist.set_data(edges, 0.1 * density)  # density x bin width = share of the batches
        ax_h.set_ylim(0, max(0.1, 1.5 * 0.1 * density.max()))  # room for the legend
        shown.update(bn_std=float(v.std()), at_one=float(np.mean(np.abs(np.abs(v) - 1) < 1e-3)))
        ax_h.set_title(f"BN in training: std {num(shown['bn_std'], 2)} over {draws} batches")
        return shown

    return Dashboard(
        "small batches", fig, update, m=choice_slider("batch size m", ms.tolist(), m, "d")
    )
