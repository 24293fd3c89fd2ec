"""05_moving_averages: the averaged-std slip, forgetting the start, the EMA dashboard, pitfalls."""

from __future__ import annotations

import numpy as np

from bnlib.experiments.tracking import (
    drifting_moments,
    ema_error,
    ema_trace,
    simulated_batch_stats,
    start_weight,
    steps_to_forget,
)
from bnlib.inference import batch_std_ratio, momentum_to_decay, unbiased_var
from bnlib.notebook.viz import PALETTE, freeze_layout, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, choice_slider, log_slider, register

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512)


@styled
def std_slip(ms, mean_std, mean_std_corrected, alg2_std):
    """Estimate / true sigma against batch size m for three ways of averaging batches.

    Args: ms (K,) batch sizes; the other three (K,) simulated ratios to the true sigma.
    """
    fig, ax = new_figure(width=9, height=4.2)
    grid = np.unique(np.geomspace(2, max(ms), 200).astype(int))
    exact = np.array([batch_std_ratio(int(m)) for m in grid])
    ax.axhline(1.0, color="0.4", lw=1, ls=":", label="true σ")
    ax.plot(grid, exact, color=PALETTE["red"], label="mean of σ_B: exact E[σ_B]/σ")
    ax.plot(
        ms, mean_std, "o", color=PALETTE["red"], label="mean of σ_B (the review, §3.3), simulated"
    )
    ax.plot(grid, exact * np.sqrt(grid / (grid - 1)), color=PALETTE["orange"], ls="--")
    ax.plot(ms, mean_std_corrected, "s", color=PALETTE["orange"], label="mean of σ_B · √(m/(m−1))")
    ax.plot(ms, alg2_std, "D", color=PALETTE["blue"], label="Alg. 2: √(m/(m−1) · mean of σ²_B)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ms, [str(int(m)) for m in ms])
    ax.minorticks_off()
    ax.set(xlabel="batch size m", ylabel="estimated σ / true σ", ylim=(0.5, 1.05))
    ax.set_title("The mean of batch std's underestimates σ; Algorithm 2 does not")
    ax.legend(loc="lower right", frameon=False)
    return fig


@styled
def forgetting(momenta=(0.5, 0.1, 0.01, 0.001), steps: int = 10_000, fraction: float = 0.01):
    """Weight of the running average's start, (1 - momentum)^n, against steps n (log axes).

    Each curve's dot, labelled with its step count, is where the weight first falls to
    ``fraction``.
    """
    fig, ax = new_figure(width=9, height=4)
    n = np.geomspace(1, steps, 400)  # (1 - a)^n drawn as a smooth curve; dots at whole steps
    for a in momenta:
        k = steps_to_forget(a, fraction)
        (line,) = ax.plot(n, start_weight(a, n), label=f"momentum {a:g}")
        if k <= steps:
            ax.plot([k], [start_weight(a, k)], "o", ms=8, color=line.get_color())
            # left of the dot, below the line: the gap between this curve and the faster one
            ax.text(
                k / 1.2,
                fraction / 3,
                f"momentum {a:g}\n{k} steps",
                ha="right",
                va="center",
                color=line.get_color(),
                fontsize=11,
            )
    ax.axhline(fraction, color="0.4", lw=1, ls=":")
    ax.text(1.1, fraction * 1.3, f"{fraction:.0%} left", color="0.3", fontsize=11)
    ax.set(xscale="log", yscale="log", xlim=(1, steps), ylim=(1e-4, 1.5))
    decades = 10.0 ** np.arange(int(np.log10(steps)) + 1)
    ax.set_xticks(decades, [f"{d:,.0f}" for d in decades])
    ax.minorticks_off()
    ax.set(xlabel="training steps n", ylabel="weight of the start, (1 − momentum)ⁿ")
    ax.set_title("How long the running average remembers where it started (mean 0, var 1)")
    return fig


@styled
def pitfall_summary(rows: dict[str, tuple[float, float]], note: str = ""):
    """Test accuracy for each pitfall as reproduced and as fixed.

    Args: rows: {pitfall: (accuracy when it bites, accuracy after the fix)}, in [0, 1];
    note: a second title line (e.g. what the figure leaves out).
    """
    fig, ax = new_figure(width=10, height=0.6 * len(rows) + 1.6)
    names = list(rows)[::-1]
    y = np.arange(len(names))
    bad, good = (np.array([rows[k][i] for k in names]) * 100 for i in (0, 1))
    ax.barh(y + 0.2, good, 0.4, color=PALETTE["blue"], label="fixed")
    ax.barh(y - 0.2, bad, 0.4, color=PALETTE["orange"], label="pitfall")
    for yi, b, g in zip(y, bad, good, strict=True):
        ax.text(b + 0.5, yi - 0.2, f"{b:.1f}%", va="center", fontsize=11)
        ax.text(g + 0.5, yi + 0.2, f"{g:.1f}%", va="center", fontsize=11)
    ax.set_yticks(y, names)
    ax.set(xlabel="test accuracy (%)", xlim=(0, 112))
    title = "Pitfalls clinic: test accuracy with each pitfall and after its fix"
    ax.set_title(f"{title}\n{note}" if note else title)
    # "fixed" first: the legend lists the bars top-down, as they are drawn
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.grid(axis="y", visible=False)
    pairs = "; ".join(
        f"{name}: {100 * bad_acc:.1f}% with the pitfall, {100 * good_acc:.1f}% fixed"
        for name, (bad_acc, good_acc) in rows.items()
    )
    fig.alt = (
        "Pairs of horizontal bars, test accuracy (%) with each pitfall (orange) and after its "
        f"fix (blue). {pairs}." + (f" {note}" if note else "")
    )
    return fig


@register
@styled
def ema_tracking(steps: int = 600, seed: int = 0) -> Dashboard:
    """Momentum and batch-size sliders: the running mean and variance chase a drifting statistic."""
    true_mean, true_var = drifting_moments(steps)
    sims = {m: simulated_batch_stats(true_mean, true_var, m, seed) for m in BATCH_SIZES}
    grid = np.geomspace(1e-3, 1.0, 61)
    lag, _ = ema_error(true_mean, true_var, grid, start=0.0)  # the lag does not depend on m
    t = np.arange(1, steps + 1)

    # 9.4 in wide: fits JupyterLab's notebook column without a horizontal scrollbar
    fig, axes = new_figure(2, 2, width=9.4, height=6.6, gridspec_kw={"width_ratios": [1.45, 1]})
    gs = axes[0, 1].get_subplotspec().get_gridspec()
    axes[0, 1].remove()
    axes[1, 1].remove()
    ax_m, ax_v, ax_e = axes[0, 0], axes[1, 0], fig.add_subplot(gs[:, 1])
    lines = {}
    for ax, true, what in ((ax_m, true_mean, "mean"), (ax_v, true_var, "var")):
        lines[what, "batch"] = ax.plot(
            [], [], ".", ms=3, color=PALETTE["sky"], alpha=0.5, label="batch statistic"
        )[0]
        ax.plot(t, true, color="k", lw=1.5, label="true")
        lines[what, "cum"] = ax.plot(
            [], [], ls="--", color=PALETTE["orange"], label="cumulative (momentum=None)"
        )[0]
        lines[what, "ema"] = ax.plot([], [], color=PALETTE["blue"], label="running estimate")[0]
        forget = ax.axvline(0, color="0.3", lw=1.2, ls=":", label="start weighs < 1%")
        lines[what, "forget"] = forget
        ax.set(xlim=(0, steps), ylabel=f"running_{what}")
    ax_m.set(ylim=(-0.5, 6.5), yticks=[0, 2, 4, 6], title="mean (starts at 0)")
    ax_m.tick_params(labelbottom=False)
    ax_v.set(
        ylim=(0, 14),
        yticks=[0, 4, 8, 12],
        xlabel="training step",
        title="unbiased variance (starts at 1)",
    )
    fig.legend(handles=ax_m.lines, loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    # green, not orange: orange is the cumulative average on the left
    ax_e.plot(grid, np.maximum(np.abs(lag), 1e-4), color=PALETTE["green"], label="lag (bias)")
    noise_line = ax_e.plot([], [], color=PALETTE["sky"], label="noise (std)")[0]
    total_line = ax_e.plot([], [], color=PALETTE["blue"], lw=2.5, label="total (RMS)")[0]
    marker = ax_e.plot([], [], "o", ms=10, color=PALETTE["red"], label="this momentum")[0]
    best_marker = ax_e.plot([], [], "v", ms=11, color="k", label="lowest total")[0]
    now = ax_e.axvline(0.1, color=PALETTE["red"], lw=1)
    ax_e.set(xscale="log", yscale="log", xlim=(1e-3, 1), ylim=(5e-3, 30))
    ax_e.set(
        xlabel="momentum (PyTorch convention)",
        ylabel=f"expected error of running_mean\nafter {steps} steps (formula)",
    )
    decades = [1e-3, 1e-2, 1e-1, 1.0]  # plain labels: log-scale mathtext ticks are slow to redraw
    ax_e.set_xticks(decades, ["0.001", "0.01", "0.1", "1"])
    ax_e.set_yticks([*decades[1:], 10.0], ["0.01", "0.1", "1", "10"])
    ax_e.minorticks_off()
    ax_e.legend(loc="upper right", frameon=False, fontsize=11)

    def update(momentum: float, m: int) -> dict:
        batch_mean, batch_var = sims[m]
        var_u = unbiased_var(batch_var, m)  # what torch averages
        for what, s, start in (("mean", batch_mean, 0.0), ("var", var_u, 1.0)):
            lines[what, "batch"].set_data(t, s)
            lines[what, "ema"].set_data(t, ema_trace(s, momentum, start))
            lines[what, "cum"].set_data(t, np.cumsum(s) / t)
        k = steps_to_forget(momentum)
        for what in ("mean", "var"):
            lines[what, "forget"].set_xdata([k, k])
        _, noise = ema_error(true_mean, true_var / m, grid, start=0.0)
        total = np.hypot(lag, noise)
        noise_line.set_data(grid, noise)
        total_line.set_data(grid, total)
        best = float(grid[np.argmin(total)])  # best_momentum, from the curve just drawn
        best_marker.set_data([best], [total[grid == best][0] * 1.6])  # just above the curve
        bias, sd = (v[0] for v in ema_error(true_mean, true_var / m, [momentum], start=0.0))
        marker.set_data([momentum], [np.hypot(bias, sd)])
        now.set_xdata([momentum, momentum])
        trend = (
            "follows the drifting true mean but jitters around it (more noise than lag)"
            if sd > abs(bias)
            else "is smooth but trails behind the drifting true mean (more lag than noise)"
        )
        fig.alt = (
            f"Top left: running_mean against training step, {steps} steps at momentum "
            f"{momentum:.3g} and batch size m = {m}, with the batch means as dots, the true mean, "
            f"and the cumulative average (dashed). The running estimate {trend}; its start at 0 "
            f"weighs less than 1% after {k:,} steps. Bottom left: the same for running_var. "
            "Right: the expected error of the final running_mean against momentum (log axes), "
            f"split into lag and noise: at momentum {momentum:.3g}, lag {num(abs(bias), 3)} and "
            f"noise {num(sd, 3)}; the lowest total is at momentum {best:.2g}."
        )
        shown = {
            "momentum": momentum,
            "decay": momentum_to_decay(momentum),
            "m": m,
            "steps_to_forget": k,
            "lag": float(bias),
            "noise": float(sd),
            "rms": float(np.hypot(bias, sd)),
            "best_momentum": best,
        }
        fig.suptitle(f"momentum {momentum:.3g} = decay {shown['decay']:.3g}, batch size m = {m}")
        ax_e.set_title(
            f"at step {steps}: lag {num(abs(bias), 3)}, noise {num(sd, 3)}\n"
            f"lowest total at momentum {best:.2g} (▼)"
        )
        return shown

    # as long as the longest titles update() writes: the layout is solved once, for these
    fig.suptitle("momentum 0.00126 = decay 0.999, batch size m = 512")
    ax_e.set_title("at step 600: lag 0.000, noise 0.000\nlowest total at momentum 0.0001 (▼)")
    freeze_layout(fig)
    return Dashboard(
        "the running average chases a drifting statistic",
        fig,
        update,
        momentum=log_slider("momentum", 0.1, 1e-3, 1.0),
        m=choice_slider("batch size m", BATCH_SIZES, 32),
    )
