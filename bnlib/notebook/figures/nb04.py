"""04_learning_gamma_and_beta: the computational graph, gamma/beta trajectories under
SGD, the learning-rate sweep and the learning-rate dashboard (the runs themselves are
``bnlib.experiments.gamma_beta_sgd``)."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from bnlib.experiments.gamma_beta_sgd import STEPS, toy_run
from bnlib.nn.toys import best_gamma_beta, shifted_scaled_targets
from bnlib.nn.train import TrainResult
from bnlib.notebook.viz import PALETTE, freeze_layout, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, log_slider, register

FEATURE_COLOURS = (PALETTE["blue"], PALETTE["orange"])


# (label, x, y) of each node of Algorithm 1; arrows are (from, to)
_NODES = {
    "x": ("$x_i$", 0.0, 1.0),
    "mu": ("$\\mu_B = \\frac{1}{m}\\sum_i x_i$", 2.6, 2.2),
    "var": ("$\\sigma^2_B = \\frac{1}{m}\\sum_i (x_i-\\mu_B)^2$", 5.6, 2.2),
    "xhat": ("$\\hat x_i = \\frac{x_i-\\mu_B}{\\sqrt{\\sigma^2_B+\\epsilon}}$", 5.6, 0.0),
    "y": ("$y_i = \\gamma\\,\\hat x_i + \\beta$", 8.3, 0.0),
    "gb": ("$\\gamma, \\beta$", 8.3, 1.6),
    "loss": ("$\\ell$", 10.3, 0.0),
}
_EDGES = [("x", "mu"), ("x", "var"), ("mu", "var"), ("x", "xhat"), ("mu", "xhat"),
          ("var", "xhat"), ("xhat", "y"), ("gb", "y"), ("y", "loss")]  # fmt: skip
# what flows back to each node, and where its label sits: (text, dx, dy, ha, va)
_D = r"\partial\ell/\partial "
_BACKWARD = {
    "loss": (f"${_D}y_i$ (given)", 0, -0.5, "center", "top"),
    "xhat": (f"${_D}\\hat x_i = {_D}y_i\\cdot\\gamma$", 0, -0.5, "center", "top"),
    "var": (f"${_D}\\sigma^2_B$: a sum over the batch", 0, 0.45, "center", "bottom"),
    "mu": (f"${_D}\\mu_B$: a sum over the batch, directly\nand via $\\sigma^2_B$", 0, 0.45,
           "center", "bottom"),
    "x": (f"${_D}x_i$: via $\\hat x_i$, $\\sigma^2_B$ and $\\mu_B$", -0.4, -0.45, "left", "top"),
    "gb": (
        f"${_D}\\gamma = \\sum_i {_D}y_i\\,\\hat x_i$\n${_D}\\beta = \\sum_i {_D}y_i$",
        0.4, 0, "left", "center",
    ),
}  # fmt: skip


@styled
def computational_graph():
    """Algorithm 1 as a graph: forward formulas in boxes, what flows back beside them.

    The per-example nodes (x_i, x_hat_i, y_i) are drawn as stacks: one per example.
    """
    fig, ax = new_figure(width=13, height=4.8)
    ax.set_axis_off()
    ax.set(xlim=(-0.6, 11.2), ylim=(-0.9, 3.3))
    box = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": PALETTE["blue"], "lw": 1.5}
    texts = {
        key: ax.text(x, y, label, ha="center", va="center", fontsize=13, bbox=box, zorder=3)
        for key, (label, x, y) in _NODES.items()
    }
    FigureCanvasAgg(fig).draw()  # lay the boxes out, so arrows can stop at their edges
    to_data = ax.transData.inverted()
    for key in ("x", "xhat", "y"):  # a stack of boxes: one node per example i = 1..m
        (x0, y0), (x1, y1) = to_data.transform(texts[key].get_bbox_patch().get_window_extent())
        for k in (2, 1):
            ax.add_patch(FancyBboxPatch(
                (x0 + 0.1 * k, y0 + 0.07 * k), x1 - x0, y1 - y0, boxstyle="round,pad=0",
                fc="white", ec=PALETTE["blue"], lw=1.0, alpha=0.8, zorder=1.9 - 0.1 * k,
            ))  # fmt: skip
    for a, b in _EDGES:
        (_, x0, y0), (_, x1, y1) = _NODES[a], _NODES[b]
        ax.add_patch(FancyArrowPatch(
            (x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=16, color="0.35", lw=1.3,
            patchA=texts[a].get_bbox_patch(), patchB=texts[b].get_bbox_patch(), zorder=2,
        ))  # fmt: skip
    for key, (text, dx, dy, ha, va) in _BACKWARD.items():
        _, x, y = _NODES[key]
        ax.text(x + dx, y + dy, text, ha=ha, va=va, fontsize=12, color=PALETTE["red"])
    ax.text(0.9, -0.8, "stacked boxes: one node per example i = 1…m;\n"
            "$\\mu_B$ and $\\sigma^2_B$ feed every $\\hat x_j$ of the batch", fontsize=11,
            color="0.3", ha="left", va="bottom")  # fmt: skip
    ax.set_title("Algorithm 1 as a computational graph: forward in the boxes, "
                 "backward (what flows back) in orange")  # fmt: skip
    return fig


def _trajectory_axes(best_gamma, best_beta, best_loss: float, steps: int):
    """Loss over the full width, gamma and beta below (vs step); the line artists to update.

    9 inches wide: an ipympl canvas is drawn at its pixel size and must fit a notebook.
    """
    fig, grid = new_figure(2, 2, width=9, height=7.0)
    for ax in grid[0]:
        ax.remove()
    axes = [fig.add_subplot(grid[0, 0].get_gridspec()[0, :]), grid[1, 0], grid[1, 1]]
    loss_lines = {
        "batch": axes[0].plot([], [], color="0.6", lw=0.8, label="mini-batch loss")[0],
        "smooth": axes[0].plot([], [], color=PALETTE["black"], lw=2,
                               label="mini-batch loss, mean of the last 10")[0],
        "full": axes[0].axhline(np.nan, color=PALETTE["blue"], ls="-.", lw=1.8,
                                label="over all data, after training"),
        "best": axes[0].axhline(best_loss, color=PALETTE["green"], ls="--", lw=1.8,
                                label=f"best possible: {num(best_loss, 4)}"),
    }  # fmt: skip
    axes[0].set(yscale="log", xlim=(0, steps), xlabel="SGD step",
                ylabel="loss ½·mean_i ‖y_i − t_i‖²", title="loss")  # fmt: skip
    _loss_legend(axes[0], list(loss_lines.values()), "upper center")
    lines = {}
    for ax, name, best, lim in (
        (axes[1], "γ", best_gamma, (-1.5, 6)),
        (axes[2], "β", best_beta, (-4, 5)),
    ):
        for k, (b, c) in enumerate(zip(best, FEATURE_COLOURS, strict=True)):
            lines[name, k] = ax.plot([], [], color=c, label=f"{name}{k + 1}")[0]
            ax.axhline(b, color="black", ls=(0, (4, 3)), lw=1.3, zorder=4)
        ax.axhline(1.0 if name == "γ" else 0.0, color="0.5", ls=":", lw=1.5, zorder=1)
        shown = ", ".join(num(b) for b in best)
        ax.set(ylim=lim, xlim=(0, steps), xlabel="SGD step", ylabel=name,
               title=f"{name} per feature (best: {shown})")  # fmt: skip
    handles = [
        Line2D([], [], color=FEATURE_COLOURS[0], label="feature 1"),
        Line2D([], [], color=FEATURE_COLOURS[1], label="feature 2"),
        Line2D([], [], color="black", ls=(0, (4, 3)), lw=1.3, label="best value"),
        Line2D([], [], color="0.5", ls=":", lw=1.5, label="start (γ = 1, β = 0)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    return fig, axes, loss_lines, lines


def _loss_legend(ax, handles, loc: str) -> None:
    """The loss panel's legend, naming only the lines that are drawn."""
    ax.legend(handles=handles, loc=loc, ncols=2, framealpha=0.9, edgecolor="none", fontsize=11)


def _draw(result: TrainResult, final_loss: float, loss_lines, lines, axes) -> None:
    """Set the lines' data and the loss axis' range; on divergence, zoom the step axis to
    the steps run and move the loss legend to where a rising curve is not."""
    loss, steps = result.loss, np.arange(result.steps)
    smooth = np.convolve(loss, np.ones(10), "full")[: len(loss)] / np.minimum(steps + 1, 10)
    loss_lines["batch"].set_data(steps, loss)
    loss_lines["smooth"].set_data(steps, smooth)
    loss_lines["full"].set_ydata([final_loss, final_loss])
    finite = loss[np.isfinite(loss)]
    if result.diverged:  # a rising curve: the message goes top left, the legend bottom right;
        # no loss over all data, and the best loss is far below the axis: not in the legend
        axes[0].set_ylim(finite.min() / 2, finite.max() * 2)
        _loss_legend(axes[0], [loss_lines["batch"], loss_lines["smooth"]], "lower right")
    else:  # keep the top third of the (log) axis free for the legend
        lo, hi = min(finite.min(), loss_lines["best"].get_ydata()[0]) / 2, finite.max() * 2
        axes[0].set_ylim(lo, hi * (hi / lo) ** 0.5)
        _loss_legend(axes[0], list(loss_lines.values()), "upper center")
    t = np.arange(len(result.gamma[0]))
    for (name, k), line in lines.items():
        line.set_data(t, (result.gamma if name == "γ" else result.beta)[0][:, k])
    right = max(result.steps, 10) if result.diverged else result.steps
    for ax in axes:
        ax.set_xlim(0, right)


@styled
def trajectories(result: TrainResult, best_gamma, best_beta, best_loss: float, final_loss: float):
    """Loss, gamma and beta over the SGD steps of one toy run, against the best values."""
    fig, axes, loss_lines, lines = _trajectory_axes(best_gamma, best_beta, best_loss, result.steps)
    _draw(result, final_loss, loss_lines, lines, axes)
    fig.suptitle(f"SGD with learning rate {result.lr:g}: γ and β start at (1, 0) and move")
    return fig


@styled
def lr_sweep(lrs, final_losses, diverged, start_loss: float, best_loss: float):
    """Full-data loss after training against the learning rate; divergence marked."""
    lrs, final, div = np.asarray(lrs), np.asarray(final_losses), np.asarray(diverged, bool)
    fig, ax = new_figure(width=9, height=4.8)
    ax.plot(lrs[~div], final[~div], "o-", color=PALETTE["blue"],
            label="loss over all data after training")  # fmt: skip
    top = 3 * start_loss
    ax.plot(lrs[div], np.full(div.sum(), top), "x", ms=10, mew=2.5, color=PALETTE["red"],
            label="diverged (drawn at the top)")  # fmt: skip
    ax.axhline(start_loss, color="0.5", ls=":", label=f"at the start: {num(start_loss)}")
    ax.axhline(
        best_loss, color=PALETTE["green"], ls="--", label=f"best possible: {num(best_loss, 4)}"
    )
    ax.axvline(2.0, color=PALETTE["red"], ls="--", lw=1.2,
               label="lr = 2: beyond it each step overshoots by more than it corrects")  # fmt: skip
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylim=(best_loss / 2, top * 2),
           ylabel="loss over all data",
           title=f"Toy task after {STEPS} SGD steps, by learning rate")  # fmt: skip
    fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=11)
    return fig


@register
@styled
def learning_rate(lr: float = 0.1) -> Dashboard:
    """Learning-rate slider: retrains the toy (300 SGD steps) and redraws loss, gamma, beta."""
    data = shifted_scaled_targets()
    best_gamma, best_beta, best_loss = best_gamma_beta(*data)
    fig, axes, loss_lines, lines = _trajectory_axes(best_gamma, best_beta, best_loss, STEPS)
    box = {"fc": "white", "ec": PALETTE["red"], "alpha": 0.95}
    warning = axes[0].text(0.02, 0.96, "", ha="left", va="top", fontsize=12,
                           color=PALETTE["red"], bbox=box, zorder=10,
                           transform=axes[0].transAxes)  # fmt: skip

    def update(lr: float) -> dict:
        result, final = toy_run(lr, data=data)
        _draw(result, final, loss_lines, lines, axes)
        text = result.message.replace(": ", ":\n", 1).replace("; ", ";\n")
        warning.set_text(text + "\n(step axes zoomed to the steps run)" if result.diverged else "")
        warning.set_visible(result.diverged)
        done = f"loss over all data after training {num(final, 3)}"
        status = "DIVERGED" if result.diverged else done
        fig.suptitle(f"learning rate {lr:.4g}: {status}", fontsize=14)
        return {"diverged": result.diverged, "final_loss": final, "steps": result.steps,
                "gamma": result.gamma[0][-1], "beta": result.beta[0][-1],
                "message": result.message}  # fmt: skip

    fig.suptitle("learning rate", fontsize=14)  # room for the title before the layout freezes
    freeze_layout(fig)
    return Dashboard("learning rate: slow, good, diverging", fig, update, target_ms=500,
                     lr=log_slider("learning rate", lr, 1e-3, 10.0, fmt=".4g"))  # fmt: skip
