"""03_why_scale_and_shift: the sigmoid's linear range, decision boundaries with gamma,
beta frozen or learned, the gamma/beta dashboard, learned gamma/beta (lab 03a: ``nb03a``)."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import MaxNLocator

from bnlib.nn import activations as A
from bnlib.notebook.viz import PALETTE, freeze_layout, hist_outline, new_figure, num, pct, styled
from bnlib.notebook.widgets import Dashboard, log_slider, register, slider

X = np.linspace(-8, 8, 801)
ACT_NAMES = {"sigmoid": "sigmoid(y)", "tanh": "tanh(y)", "relu": "ReLU(y)"}  # y = γx̂ + β
ACT_COLOURS = {"sigmoid": PALETTE["blue"], "tanh": PALETTE["orange"], "relu": PALETTE["green"]}
LINEAR, SATURATED = PALETTE["green"], PALETTE["red"]
# delta is a share of the output span: tanh spans (-1, 1), twice the sigmoid's (0, 1)
SPAN = {"sigmoid": 1.0, "tanh": 2.0}


def normal_pdf(x, gamma, beta):
    """The density of N(beta, gamma^2) at x."""
    return np.exp(-0.5 * ((x - beta) / gamma) ** 2) / (gamma * np.sqrt(2 * np.pi))


def _band(lo, hi, gamma, beta):
    """Outline (x, y) of the N(beta, gamma^2) density between lo and hi, for a Polygon."""
    x = np.linspace(max(lo, X[0]), min(hi, X[-1]), 200) if lo < hi else np.array([0.0, 0.0])
    y = normal_pdf(x, gamma, beta)
    return np.column_stack([np.r_[x[0], x, x[-1]], np.r_[0, y, 0]])


@styled
def linear_range_figure(delta: float, deltas):
    """Left: sigmoid(y), its tangent at 0 and N(0, 1) inputs y, the linear range shaded.
    Right: the share of N(0, gamma^2) inputs in the linear range, against delta."""
    fig, (ax, ax2) = new_figure(1, 2, width=13, height=4.4)
    a, s = A.linear_range(delta), A.saturation_threshold()
    ax.plot(X, A.sigmoid(X), color="black", label="sigmoid(y)")
    ax.plot(X, A.tangent_at_zero(X), color="0.45", ls="--", label="tangent 1/2 + y/4")
    ax.axvspan(
        -a, a, color=LINEAR, alpha=0.15, label=f"|sigmoid(y) − tangent| < {delta:g}: |y| < {num(a)}"
    )
    for side in (-1, 1):
        ax.axvspan(side * s, side * 8, color=SATURATED, alpha=0.12,
                   label="saturated: g′(y) < g′(0)/10" if side == 1 else None)  # fmt: skip
    twin = ax.twinx()
    twin.fill_between(
        X, normal_pdf(X, 1, 0), color=PALETTE["sky"], alpha=0.5, label="N(0, 1) inputs"
    )
    twin.set(ylim=(0, 1.0), ylabel="input density")
    twin.grid(False)
    ax.set(xlim=(-6, 6), ylim=(-0.3, 1.3), xlabel="sigmoid input y", ylabel="sigmoid(y)",
           title="The sigmoid near 0 and normalised inputs")  # fmt: skip
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=11)
    for gamma, c in ((1.0, PALETTE["blue"]), (2.0, PALETTE["orange"]), (3.0, PALETTE["purple"])):
        ax2.plot(deltas, A.linear_fraction(gamma, 0.0, deltas), color=c, label=f"N(0, {gamma:g}²)")
    ax2.axhline(0.5, color="0.5", ls=":", label="half")
    ax2.axvline(delta, color=LINEAR, ls="--", lw=1.2, label=f"δ = {delta:g}")
    ax2.set(xscale="log", ylim=(0, 1), xlabel="δ (largest gap to the tangent)",
            ylabel="share of inputs in the linear range",
            title="How much is 'mostly'?")  # fmt: skip
    ax2.legend(loc="upper left", frameon=False)
    fig.alt = (
        "Two panels. Left: the sigmoid, its tangent 1/2 + y/4 at 0 and the density of N(0, 1) "
        f"inputs y; the linear range |y| < {num(a)} (gap to the tangent below δ = {delta:g}) is "
        f"shaded green, the saturated ends |y| > {num(s)} red. Right: the share of N(0, 1), "
        "N(0, 2²) and N(0, 3²) inputs in the linear range against δ (log axis), with a line "
        "at one half: the share falls as δ shrinks and as the inputs spread wider."
    )
    return fig


@styled
def decision_boundaries(rows, cols, panels):
    """A grid of decision regions: panels[r][c] = (xx, yy, p, x, y, accuracy).

    Shading: P(class 1); black line: p = 0.5, the decision boundary (where p never
    crosses 0.5 in the panel, a note says which class is predicted everywhere).
    """
    fig, axes = new_figure(len(rows), len(cols), width=13.5, height=4.3 * len(rows))
    axes = np.asarray(axes).reshape(len(rows), len(cols))
    classes = ((0, PALETTE["blue"], "o"), (1, PALETTE["orange"], "s"))
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            xx, yy, p, x, y, acc = panels[r][c]
            ax, p = axes[r, c], p.reshape(xx.shape)
            shading = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                                  alpha=0.45)  # fmt: skip
            if p.min() < 0.5 < p.max():
                ax.contour(xx, yy, p, levels=[0.5], colors="black", linewidths=1.8)
            else:
                side, k = ("> 0.5", 1) if p.min() >= 0.5 else ("< 0.5", 0)
                ax.text(0.5, 0.5, f"p {side} everywhere:\nclass {k} predicted,\nno boundary",
                        transform=ax.transAxes, ha="center", va="center", fontsize=12,
                        bbox={"fc": "white", "ec": "0.3", "alpha": 0.9})  # fmt: skip
            for label, colour, marker in classes:
                pts = x[y == label]
                ax.scatter(pts[:, 0], pts[:, 1], s=14, color=colour, marker=marker,
                           edgecolor="black", linewidth=0.4)  # fmt: skip
            ax.set(title=f"{row}, {col}\naccuracy {num(100 * acc, 1)} %", xlabel="x₁",
                   ylabel="x₂", aspect="equal")  # fmt: skip
            ax.grid(False)
    handles = [
        Line2D([], [], ls="", marker=m, color=col, mec="black", mew=0.4, ms=6, label=f"class {k}")
        for k, col, m in classes
    ] + [Line2D([], [], color="black", lw=1.8, label="p = 0.5: the decision boundary")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    bar = fig.colorbar(shading, ax=axes, shrink=0.8, pad=0.01, ticks=np.linspace(0, 1, 6))
    bar.set_label("P(class 1), the network's output")
    return fig


def _fractions(activation, gamma, beta, delta) -> dict:
    """The numbers the dashboard shows, from bnlib.nn.activations (delta: share of the span)."""
    shown = {
        "saturated": float(A.saturation_fraction(gamma, beta, activation)),
        "nonlinearity": float(A.nonlinearity_index(gamma, beta, activation)),
    }
    if activation == "relu":
        shown["active"] = float(A.active_fraction(gamma, beta))
    else:
        gap = delta * SPAN[activation]  # the largest gap, in the activation's own units
        shown["linear"] = float(A.linear_fraction(gamma, beta, gap, activation))
        shown["linear_range"] = float(A.linear_range(gap, activation))
    return shown


@register
@styled
def sigmoid_dashboard(gamma=1.0, beta=0.0, delta=0.02, activation="sigmoid", seed=0) -> Dashboard:
    """gamma, beta move the input distribution N(beta, gamma^2) over the activation; the
    linear-range, saturated and active fractions and the nonlinearity index follow."""
    z = np.random.default_rng(seed).standard_normal(20_000)  # x_hat: fixed samples
    fig, (ax, ax2) = new_figure(1, 2, width=9, height=5.1, gridspec_kw={"width_ratios": [3, 2]})
    curve = ax.plot([], [], color="black", lw=2, zorder=3)[0]
    tangent = ax.plot([], [], color="0.45", ls="--", lw=1.5, zorder=3)[0]
    twin = ax.twinx()
    twin.set(ylim=(0, 1.05), ylabel="input density")
    twin.grid(False)
    density = twin.plot(X, X * 0, color=PALETTE["sky"], lw=1.5)[0]
    lin_band, *sat_bands = (
        twin.add_patch(Polygon(np.zeros((3, 2)), color=c, alpha=0.45))
        for c in (LINEAR, SATURATED, SATURATED)
    )
    ax.set(xlim=(-8, 8), xlabel="input y = γx̂ + β", ylabel="activation g(y)")
    out_line = ax2.plot([], [], color=PALETTE["blue"])[0]
    ax2.set(xlabel="output g(y)", ylabel="density", title="output distribution")
    lines = [
        Line2D([], [], color="black", lw=2, label="activation g (left axis)"),
        Line2D([], [], color="0.45", ls="--", lw=1.5, label="tangent at 0"),
        Line2D([], [], color=PALETTE["sky"], lw=1.5, label="input density (right axis)"),
    ]
    bands = [
        Polygon(np.zeros((3, 2)), color=c, alpha=0.45, label=label)
        for c, label in ((LINEAR, "linear range: |g − tangent| < δ·span"),
                         (SATURATED, "saturated: g′ < max g′/10"))
    ]  # fmt: skip
    # legends fill column by column: this order reads as a row of lines, then a row of bands
    handles = [lines[0], bands[0], lines[1], bands[1], lines[2]]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    fig.suptitle(" \n ", fontsize=13)  # two lines of room before the layout is frozen
    freeze_layout(fig)

    def update(gamma: float, beta: float, delta: float, activation: str) -> dict:
        g = A.get(activation)[0]
        shown = _fractions(activation, gamma, beta, delta)
        curve.set_data(X, g(X))
        smooth = activation != "relu"
        tangent.set_visible(smooth)
        if smooth:
            tangent.set_data(X, A.tangent_at_zero(X, activation))
        density.set_ydata(normal_pdf(X, gamma, beta))
        a = shown.get("linear_range", 0.0)
        lin_band.set_xy(_band(-a, a, gamma, beta))
        s = A.saturation_threshold(activation) if smooth else 0.0
        sat_bands[0].set_xy(_band(-9, -s, gamma, beta))
        sat_bands[1].set_xy(_band(s, 9, gamma, beta) if smooth else _band(0, 0, gamma, beta))
        ax.set_ylim({"sigmoid": (-0.25, 1.25), "tanh": (-1.5, 1.5), "relu": (-1, 8)}[activation])
        out = g(beta + gamma * z)
        lo, hi = {"sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, 8)}[activation]
        out_line.set_data(*hist_outline(np.clip(out, lo, hi), np.linspace(lo, hi, 51)))
        ax2.set(xlim=(lo, hi), ylim=(0, 8 / (hi - lo)))
        first = (f"{pct(shown['linear'])} % in the linear range (δ = {100 * delta:.3g} % of "
                 "the span)" if smooth else f"{pct(shown['active'])} % active (y > 0)")  # fmt: skip
        rest = (f"{pct(shown['saturated'])} % saturated, "
                f"nonlinearity index {num(shown['nonlinearity'], 3)}")  # fmt: skip
        fig.suptitle(f"{ACT_NAMES[activation]}, inputs N({num(beta)}, {num(gamma)}²): {first},\n"
                     + rest, fontsize=13)  # fmt: skip
        return shown

    act = W.ToggleButtons(options=list(ACT_NAMES), value=activation, description="g")
    return Dashboard(
        "γ and β place the inputs on the activation", fig, update,
        gamma=slider("γ (scale)", gamma, 0.4, 5.0, 0.05),
        beta=slider("β (shift)", beta, -5.0, 5.0, 0.1),
        delta=log_slider("δ (share of the span)", delta, 0.005, 0.2),
        activation=act,
    )  # fmt: skip


@styled
def learned_gamma_beta(layers, start_linear=None, after_linear=None, title=None):
    """Left: learned (gamma, beta) per hidden unit and layer vs the start (1, 0).
    Right (when the shares are given): each unit's share of sigmoid inputs in the linear
    range, before and after."""
    if start_linear is None:
        fig, ax = new_figure(width=8, height=4.6)
    else:
        fig, (ax, ax2) = new_figure(1, 2, width=13, height=4.6)
    colours = (PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"])
    for k, (gamma, beta) in enumerate(layers):
        ax.scatter(gamma, beta, s=40, color=colours[k % 4], edgecolor="black", linewidth=0.3,
                   label=f"layer {k + 1}", zorder=3)  # fmt: skip
    ax.scatter([1], [0], marker="*", s=300, color="black", label="start (1, 0)", zorder=4)
    ax.set(xlabel="γ", ylabel="β", title=title or "γ and β after training, one dot per unit")
    ax.axhline(0, color="0.5", lw=1)
    ax.legend(loc="upper right", framealpha=0.9, edgecolor="none")
    if start_linear is None:
        return fig
    bins = np.linspace(0, 1, 21)
    ax2.hist(start_linear, bins=bins, histtype="step", lw=2.5, color="0.45",
             label="at the start (γ = 1, β = 0)")  # fmt: skip
    ax2.hist(after_linear, bins=bins, histtype="step", lw=2.5, color=PALETTE["purple"],
             label="after training")  # fmt: skip
    ax2.set(xlabel="share of the unit's inputs in the linear range", ylabel="units",
            title="Where the sigmoid inputs fall, per unit")  # fmt: skip
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.legend(loc="upper left", frameon=False)
    return fig
