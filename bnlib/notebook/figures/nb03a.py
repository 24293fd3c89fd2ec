"""Lab 03a (freezing gamma and beta): accuracy by model over seeds, the linear-range and
saturated shares against gamma and beta, and sigmoid / tanh / ReLU side by side."""

from __future__ import annotations

import textwrap

import numpy as np

from bnlib.nn import activations as A
from bnlib.notebook.figures.nb03 import ACT_COLOURS, ACT_NAMES, LINEAR, SATURATED, X, normal_pdf
from bnlib.notebook.viz import PALETTE, new_figure, styled


@styled
def accuracy_by_model(tasks, models, acc, seeds):
    """Accuracy (%) of each model on each task, one marker per seed; chance at 50 %.

    acc: (tasks, models, seeds) array of accuracies in [0, 1].
    """
    acc = 100 * np.asarray(acc, dtype=float)
    fig, axes = new_figure(1, len(tasks), width=13, height=4.0, sharey=True)
    axes = np.atleast_1d(axes)
    markers, colours = (
        ("o", "s", "^", "D", "v"),
        (PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"]),
    )
    offsets = np.linspace(-0.15, 0.15, len(seeds))
    xs = np.arange(len(models))
    for ax, task, a in zip(axes, tasks, acc, strict=True):
        ax.axhline(50, color="0.5", ls=":", lw=1.5, label="50 %: one class everywhere")
        for k, seed in enumerate(seeds):
            ax.scatter(
                xs + offsets[k],
                a[:, k],
                s=45,
                marker=markers[k % 5],
                color=colours[k % 4],
                edgecolor="black",
                linewidth=0.4,
                zorder=3,
                label=f"seed {seed}",
            )
        ax.set(xticks=xs, ylim=(40, 102), title=task, xlim=(-0.5, len(models) - 0.5))
        ax.set_xticklabels([textwrap.fill(m, 12) for m in models], fontsize=11)
    axes[0].set_ylabel("accuracy on the training points (%)")
    axes[-1].legend(loc="lower right", fontsize=11, framealpha=0.9)
    fig.suptitle("Accuracy by model, one marker per seed")
    return fig


@styled
def fractions_by_gamma_beta(delta: float):
    """Linear-range and saturated shares of sigmoid inputs, against gamma (beta = 0) and
    beta (gamma = 1), with the nonlinearity index."""
    fig, axes = new_figure(1, 2, width=12, height=3.9, sharey=True)
    gammas, betas = np.linspace(0.25, 6, 200), np.linspace(-6, 6, 241)
    for ax, xs, kw, label in (
        (axes[0], gammas, "gamma", "γ (β = 0)"),
        (axes[1], betas, "beta", "β (γ = 1)"),
    ):
        g, b = (xs, 0.0) if kw == "gamma" else (1.0, xs)
        ax.plot(
            xs,
            A.linear_fraction(g, b, delta),
            color=LINEAR,
            label=f"share in the linear range (δ = {delta:g})",
        )
        ax.plot(xs, A.saturation_fraction(g, b), color=SATURATED, label="share saturated")
        ax.plot(
            xs,
            A.nonlinearity_index(g, b),
            color="black",
            ls="--",
            label="nonlinearity index (0: linear)",
        )
        ax.set(xlabel=label, ylim=(0, 1), title=f"sigmoid inputs N(β, γ²), by {label.split()[0]}")
    axes[0].axvline(1.0, color="0.5", ls=":")
    axes[0].text(1.08, 0.97, "γ = 1: x̂ itself", va="top", fontsize=11, color="0.3")
    axes[0].set_ylabel("share of inputs; index (dashed)")
    axes[1].legend(loc="upper center", frameon=True, framealpha=0.9, edgecolor="none")
    return fig


@styled
def activation_contrast(betas, active_measured=None, active_start=None):
    """Left: sigmoid, tanh, ReLU over N(0, 1) inputs. Middle: nonlinearity index against beta.
    Right: ReLU's active share Phi(beta/|gamma|), with measured units if given (ratio, share):
    after training (``active_measured``) and at the start (``active_start``)."""
    fig, axes = new_figure(1, 3, width=14, height=4.2)
    for name, c in ACT_COLOURS.items():
        axes[0].plot(X, A.get(name)[0](X), color=c, label=ACT_NAMES[name])
        axes[1].plot(betas, A.nonlinearity_index(1.0, betas, name), color=c, label=ACT_NAMES[name])
    axes[0].fill_between(
        X, normal_pdf(X, 1, 0), color=PALETTE["sky"], alpha=0.4, label="N(0, 1) density"
    )
    axes[0].set(
        xlim=(-4, 4), ylim=(-1.2, 2.5), xlabel="input y", ylabel="g(y)", title="three activations"
    )
    axes[0].legend(loc="upper left", frameon=False)
    axes[1].set(
        xlabel="β (γ = 1)",
        ylabel="nonlinearity index",
        ylim=(0, 1),
        title="how nonlinear over N(β, 1)",
    )
    axes[1].legend(loc="upper left", frameon=False)
    r = np.linspace(-3, 3, 200)
    axes[2].plot(r, A.active_fraction(1.0, r), color=PALETTE["green"], label="Φ(β/|γ|), Gaussian x̂")
    if active_start is not None:
        axes[2].scatter(
            *active_start,
            s=25,
            marker="s",
            facecolor="white",
            edgecolor="0.3",
            label="units at the start (β = 0)",
            zorder=3,
        )
    if active_measured is not None:
        axes[2].scatter(
            *active_measured, s=25, color="black", label="units after training", zorder=3
        )
    axes[2].set(
        xlabel="β / |γ|",
        ylabel="share of active ReLU inputs",
        ylim=(0, 1),
        title="ReLU: β/|γ| sets the active share",
    )
    axes[2].legend(loc="upper left", frameon=False)
    return fig
