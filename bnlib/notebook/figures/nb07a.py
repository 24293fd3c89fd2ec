"""07a_the_ics_debate: noisy BN (accuracy and drift), a typical unit's percentiles, ICS defined
by gradients, and the loss landscape of the deep linear network (L-smoothness, the edge of
stability). The numbers come in computed; these functions only draw them.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from bnlib.notebook.figures.nb01 import percentile_panels
from bnlib.notebook.viz import PALETTE, new_figure, styled

RUN_STYLE = {  # the four networks of the noisy-BN experiment
    "no BN": {"color": PALETTE["red"]},
    "BN": {"color": PALETTE["blue"]},
    "noisy BN": {"color": PALETTE["green"], "ls": "--"},
    "noise, no BN": {"color": PALETTE["black"], "ls": "--"},
}


@styled
def noisy_bn_runs(runs: dict, drift: dict, noise_floor: float | None = None):
    """Test accuracy, and the W1 distance between consecutive probes of the last hidden
    layer's input, for each run.

    Args: runs {name: a ``ProbedRun``}; drift {name: (P - 1,) W1 between probe k and k + 1,
    mean over the units (``covariate_shift.layer_drift(run.z).w1[:, 0]``)}; ``noise_floor``
    (``noisy_bn.noise_floor``), if given, as a dotted line: the W1 that two draws of the
    noise put between probes by themselves.
    """
    fig, (ax_a, ax_d) = new_figure(1, 2, width=10, height=4.2)
    for name, run in runs.items():
        ax_a.plot(run.steps, 100 * run.accuracy, label=name, **RUN_STYLE[name])
        ax_d.plot(run.steps[1:], drift[name], **RUN_STYLE[name])
    if noise_floor is not None:
        ax_d.axhline(noise_floor, color="0.3", ls=":", lw=2, label="two draws of the noise alone")
        ax_d.legend(loc="upper right", fontsize=11)
    gap = int(run.steps[1] - run.steps[0])
    ax_a.set(
        xlabel="training step",
        ylabel="test accuracy (%)",
        ylim=(0, 100),
        title="Accuracy: noisy BN trains like BN",
    )
    ylabel = f"W1 between consecutive probes\n({gap} steps apart; mean over the units)"
    ax_d.set(
        xlabel="training step (the later probe)",
        ylabel=ylabel,
        yscale="log",
        title="Drift of layer 3's sigmoid input",
    )
    ax_a.legend(loc="lower right")
    return fig


def unit_percentiles(runs: dict):
    """The 15th, 50th and 85th percentiles of a typical layer-3 unit's input, per run
    (the probes record layer 3 only: its index in ``run.z`` is 0)."""
    colors = {name: RUN_STYLE[name]["color"] for name in runs}
    return percentile_panels(
        runs, 0, colors, "input of a layer-3 sigmoid", panel_width=3.4, height=4.0
    )


@styled
def gradient_ics(series: dict, title: str):
    """Santurkar et al.'s ICS: ||G - G'|| / ||G|| and cos(G, G') over training.

    Args: series {label: (steps (P,), ics (P, 3))}, or {label: [(steps, ics), ...]}, one
    per seed (thin lines); labels "no BN" and "BN" in their colours.
    """
    fig, (ax_r, ax_c) = new_figure(1, 2, width=10, height=4.0)
    for label, runs in series.items():
        runs = runs if isinstance(runs, list) else [runs]
        color = RUN_STYLE.get(label, {"color": "0.3"})["color"]
        kw = {"color": color, "ms": 4 if len(runs) == 1 else 3, "lw": 2 if len(runs) == 1 else 1}
        for k, (steps, ics) in enumerate(runs):
            ax_r.plot(steps, ics[:, 1], "o-", label=None if k else label, **kw)
            ax_c.plot(steps, ics[:, 2], "o-", **kw)
    ax_r.set(
        xlabel="training step",
        ylabel="‖G − G′‖ / ‖G‖",
        yscale="log",
        title="How much the gradient changes",
    )
    ax_c.set(
        xlabel="training step",
        ylabel="cos(G, G′)",
        ylim=(-1.05, 1.05),
        title="Whether it still points the same way",
    )
    ax_r.legend(loc="best")
    fig.suptitle(title)
    return fig


@styled
def landscape(descents: dict, lr: float, distances=None):
    """Loss, L·η (L-smoothness), loss variation and gradient change along training, per seed.

    Args: descents {"BN" / "no BN": [Descent, one per seed]}, all at learning rate ``lr``,
    probed at the same ``distances`` d along -g (named in the titles if given). Each probe
    panel shows the largest value over the distances. One thin line per seed.
    """
    fig, axes = new_figure(2, 2, width=10, height=7.4, sharex=True)
    colors = {"BN": PALETTE["blue"], "no BN": PALETTE["red"]}
    over = "d" if distances is None else f"d = {min(distances):g}–{max(distances):g}"
    panels = [
        (
            "smoothness",
            f"effective L-smoothness × η\n(the largest over {over})",
            "η · ‖g(θ′) − g‖ / d",
        ),
        (
            "loss_range",
            f"loss variation\n(over θ and the points at {over})",
            "max − min of the loss (MSE)",
        ),
        ("grad_change", f"gradient change ‖g(θ′) − g‖\n(the largest over {over})", "‖g(θ′) − g‖"),
    ]
    for label, runs in descents.items():
        kw = {"color": colors[label], "lw": 1.2, "alpha": 0.85}
        for d in runs:
            axes[0, 0].plot(np.arange(1, len(d.loss) + 1), d.loss, **kw)
            for ax, (field, *_) in zip(axes.flat[1:], panels, strict=True):
                scale = lr if field == "smoothness" else 1.0
                ax.plot(d.steps, scale * getattr(d, field), "o-", ms=3, **kw)
    axes[0, 1].axhline(2, color="0.3", lw=1.5, ls="--", zorder=0)
    axes[0, 0].set(title="training loss", ylabel="MSE", ylim=(0, None))
    for ax, (_, title, ylabel) in zip(axes.flat[1:], panels, strict=True):
        ax.set(yscale="log", title=title, ylabel=ylabel)
    for ax in axes[1]:
        ax.set_xlabel("training step")
    n = len(next(iter(descents.values())))
    handles = [Line2D([], [], color=c, label=f"{k} ({n} seeds)") for k, c in colors.items()]
    handles.append(Line2D([], [], color="0.3", ls="--", label="L·η = 2, i.e. L = 2/η"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    fig.suptitle(f"A 25-layer deep linear network, full-batch gradient descent, η = {lr:g}")
    return fig
