"""01_internal_covariate_shift: the depth dashboard, a unit's input over training (the paper's
Figure 1 b, c), and the learning-rate dashboard. Plot only: the numbers come from
``bnlib.experiments.covariate_shift`` and ``ics_analysis``; the tables are in ``nb01_tables``."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from bnlib.experiments import ics_analysis as A
from bnlib.experiments.covariate_shift import (
    PERCENTILES,
    layer_drift,
    propagate,
    typical_unit,
    unit_weights,
)
from bnlib.nn.data import load_mnist, normalize_input
from bnlib.notebook.viz import PALETTE, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, choice_slider, register, slider

ACTS = ("sigmoid", "tanh", "relu")
INIT_LABEL = {
    "gaussian": "small Gaussian, std 0.01",
    "xavier": "Xavier √(2/(n_in+n_out))",
    "he": "He √(2/n_in)",
}
INIT_SHORT = {"gaussian": "small", "xavier": "Xavier", "he": "He"}
INIT_COLOR = {"gaussian": PALETTE["orange"], "xavier": PALETTE["green"], "he": PALETTE["blue"]}
BN_COLOR = {False: PALETTE["red"], True: PALETTE["blue"]}
BN_LABEL = {False: "without BN", True: "with BN"}
PERCENTILE_STYLE = (":", "-", "--")  # 15th, 50th, 85th


def sci(v: float) -> str:
    """A number of any size in 2 significant digits (1e-20 and 1e+05 as well as 0.42)."""
    return f"{v:.2g}" if (v != 0 and not 1e-2 <= abs(v) < 1e3) else num(v, 2)


def sigma_text(v: float, floor: float = 1e-12) -> str:
    """``sci`` for a σ_B at init, "< 1e-12" below ``floor``: a display floor. For the sigmoid,
    whose outputs sit near 0.5 where float64 resolves no differences below ~1e-16, smaller
    values are rounding noise; for tanh and ReLU they are exact but too small to matter."""
    return f"< {floor:.0e}" if v < floor else sci(v)


@functools.lru_cache(maxsize=1)
def digits(n: int = 256) -> np.ndarray:
    """The first n test images, normalised over all pixels: the input at init (float64)."""
    return normalize_input(load_mnist()).x_test[:n].astype(np.float64)


@register
@styled
def propagation(depth: int = 20, max_depth: int = 25, width: int = 100, seed: int = 0) -> Dashboard:
    """σ_B of each layer's input at init, for 3 activations x 3 inits; depth and scale sliders."""
    x = digits()
    weights = [w.astype(x.dtype) for w in unit_weights((x.shape[1],) + (width,) * max_depth, seed)]
    fig, axes = new_figure(1, 3, width=9.5, height=5.6, sharey=True)
    lines, notes, heads = {}, {}, []
    box = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
    for ax, act in zip(axes, ACTS, strict=True):
        ax.axhline(
            1.0, ls="--", color="0.4", lw=1.2, label=r"with BN: $\sigma_B$ = 1 in every layer"
        )
        for k, (init, label) in enumerate(INIT_LABEL.items()):
            (lines[act, init],) = ax.plot([], [], "o-", ms=3, color=INIT_COLOR[init], label=label)
            kw = {"ha": "right", "va": "top", "color": INIT_COLOR[init], "bbox": box}
            notes[act, init] = ax.text(0.97, 0.89 - 0.075 * k, "", transform=ax.transAxes, **kw)
        heads.append(
            ax.text(0.97, 0.97, "", transform=ax.transAxes, ha="right", va="top", bbox=box)
        )
        ax.set(yscale="log", ylim=(1e-12, 1e8), title=act, xlabel="layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("$\\sigma_B$ of $z_l = W_l u_l$\n(RMS over its units)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    cache: dict[float, dict] = {}

    def update(depth: int, gain: float) -> dict:
        if gain not in cache:  # the depth slider only shows more or fewer layers
            cache.clear()
            cache[gain] = {(a, i): propagate(x, weights, a, i, gain) for a, i in lines}
        shown = {}
        for (act, init), p in cache[gain].items():
            lines[act, init].set_data(np.arange(1, depth + 1), p.std[:depth])
            shown[f"{act}/{init}"] = float(p.std[depth - 1])
        for ax in axes:
            ax.set_xlim(0.5, depth + 0.5)
        for (act, init), note in notes.items():
            note.set_text(f"{INIT_SHORT[init]}: {sigma_text(shown[f'{act}/{init}'])}")
        for head in heads:
            head.set_text(f"$\\sigma_B$ at layer {depth}:")
        fig.suptitle(f"Normalised digits through {depth} layers at init, weight stds × {gain:.2f}")
        return shown

    depth_slider = slider("depth (layers)", depth, 2, max_depth, 1)
    gain = slider("init scale ×", 1.0, 0.5, 2.0, 0.05)
    title = "input normalised, deeper layers not"
    return Dashboard(title, fig, update, target_ms=1000, depth=depth_slider, gain=gain)


@styled
def percentiles_over_steps(runs: dict, layer: int = A.LAYER):
    """The paper's Figure 1 (b, c): a typical unit's 15th/50th/85th input percentiles."""
    colors = {title: BN_COLOR[run.config.bn] for title, run in runs.items()}
    return percentile_panels(
        runs, layer, colors, "input z of the sigmoid", f" of layer {layer + 1}"
    )


def percentile_panels(
    runs: dict,
    layer: int,
    colors: dict,
    ylabel: str,
    where: str = "",
    panel_width: float = 5.0,
    height: float = 4.4,
):
    """One panel per run (``runs``: title -> a run with ``steps`` and a ``z`` Summary): the
    15th, 50th and 85th percentiles of the typical unit's input in ``layer`` over training,
    in ``colors[title]``; the unit is named in the title, followed by ``where``."""
    n = len(runs)
    fig, axes = new_figure(1, n, width=panel_width * n, height=height, sharey=True)
    for ax, (title, run) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        u = typical_unit(run.z, layer)
        for k, ls in enumerate(PERCENTILE_STYLE):
            ax.plot(run.steps, run.z.percentiles[:, layer, u, k], ls, color=colors[title])
        ax.set(title=f"{title}: unit {u}{where}", xlabel="training step")
    np.atleast_1d(axes)[0].set_ylabel(ylabel)
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    labels = [f"{p}th percentile" for p in PERCENTILES]
    fig.legend(styles, labels, loc="outside lower center", ncol=3)
    return fig


PHRASE = {
    "trains": "trains",
    "stuck": "is stuck at chance",
    "broke": "breaks",
    None: "was not trained",
}
BOTH = {"trains": "both networks train", "stuck": "both are stuck at chance", "broke": "both break"}


def verdict(states: dict) -> str:
    """The dashboard's headline from {bn: outcome, or None when not trained at that rate}."""
    a, b = states[False], states[True]
    if a is not None and a == b:
        return BOTH[a]
    return f"without BN it {PHRASE[a]}, with BN it {PHRASE[b]}"


@register
@styled
def lr_explorer(runs=None, lr: float = 3.0) -> Dashboard:
    """Pick a learning rate from a trained grid (seed 0): accuracy, drift, and a unit's
    percentiles without BN and with BN (the paper's Figure 1 b, c at that rate)."""
    runs = list(A.quick_lr_grid() if runs is None else runs)
    grid = {(r.config.lr, r.config.bn): r for r in runs}
    floor = 1e-3  # drift below this (a frozen, broken network) is drawn at the floor
    drift = {key: np.maximum(layer_drift(r.z).w1[:, A.LAYER], floor) for key, r in grid.items()}
    fig, axes = new_figure(2, 2, width=9.5, height=7.6)
    (ax_a, ax_d), pct_axes = axes
    pct_axes[1].sharey(pct_axes[0])
    lines = {}
    for bn, ax_p in zip((False, True), pct_axes, strict=True):
        kw = {"color": BN_COLOR[bn], "label": BN_LABEL[bn]}
        (lines["acc", bn],), (lines["drift", bn],) = (
            ax_a.plot([], [], **kw),
            ax_d.plot([], [], **kw),
        )
        for p, ls in zip(PERCENTILES, PERCENTILE_STYLE, strict=True):
            (lines[p, bn],) = ax_p.plot([], [], ls, color=BN_COLOR[bn])
        ax_p.set(xlabel="training step")
    end = max(r.steps[-1] for r in runs)  # runs that broke may have stopped early
    for ax in axes.flat:
        ax.set_xlim(0, end)
    every = A.probe_every(runs[0])
    ax_a.set(ylim=(0, 100), ylabel="test accuracy (%)")
    ax_d.set(ylim=(floor / 2, 2e2), yscale="log")
    ax_d.set_ylabel(
        f"total earth mover's distance,\nlayer 3's z per {every} steps (floor {floor:g})"
    )
    pct_axes[0].set_ylabel("input z of a typical\nlayer-3 sigmoid")
    handles = [Line2D([], [], color=BN_COLOR[bn], label=BN_LABEL[bn]) for bn in (False, True)]
    handles += [
        Line2D([], [], ls=ls, color="0.3", label=f"{p}th percentile")
        for p, ls in zip(PERCENTILES, PERCENTILE_STYLE, strict=True)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3)

    def curves(r, d) -> tuple[list, int]:
        """(x, y) of run r's lines: accuracy, drift, the typical unit's three percentiles."""
        u = typical_unit(r.z, A.LAYER)
        pct = [(r.steps, r.z.percentiles[:, A.LAYER, u, k]) for k in range(len(PERCENTILES))]
        return [(r.steps, 100 * r.test_acc), (r.steps[1:], d), *pct], u

    def update(lr: float) -> dict:
        shown, z, states = {}, [], {}
        for bn, ax_p in zip((False, True), pct_axes, strict=True):
            r = grid.get((lr, bn))  # None: not trained at this learning rate
            data, u = ([([], [])] * 5, None) if r is None else curves(r, drift[lr, bn])
            for key, xy in zip(["acc", "drift", *PERCENTILES], data, strict=True):
                lines[key, bn].set_data(*xy)
            ax_p.set_title(f"{BN_LABEL[bn]}: " + ("not trained" if r is None else f"unit {u}"))
            states[bn] = None if r is None else A.outcome(r)
            if r is not None:
                z += [y for _, y in data[2:]]
                s = {"accuracy": float(r.test_acc[-1]), "outcome": states[bn]}
                shown[BN_LABEL[bn]] = s | {"drift": A.late_drift(r)}
        lo, hi = np.nanmin(np.concatenate(z)), np.nanmax(np.concatenate(z))
        pct_axes[0].set_ylim(lo - 0.1 * (hi - lo) - 0.1, hi + 0.1 * (hi - lo) + 0.1)
        ab = [shown.get(BN_LABEL[bn]) for bn in (False, True)]
        acc = [f"{num(100 * s['accuracy'], 1)}%" if s else "—" for s in ab]
        ax_a.set_title(f"at the end: {acc[0]} vs {acc[1]}")
        drift_text = [sci(s["drift"]) if s and s["outcome"] != "broke" else "—" for s in ab]
        ax_d.set_title(f"after step {A.AFTER}: " + " vs ".join(drift_text))
        fig.suptitle(f"learning rate {lr:g}: {verdict(states)}")
        return shown

    lrs = sorted({r.config.lr for r in runs})
    choice = choice_slider("learning rate", lrs, lr if lr in lrs else lrs[0])
    return Dashboard("learning rate, drift and breaking", fig, update, target_ms=1000, lr=choice)
