"""02_normalize_scale_shift: Algorithm 1's steps on one feature, the γ/β/ε
dashboard, and where BN sits in a layer."""

from __future__ import annotations

import numpy as np

from bnlib.functional import batch_mean, batch_var, normalize, scale_and_shift
from bnlib.nn.toys import standard_sample
from bnlib.notebook.viz import PALETTE, hist_outline, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, log_slider, register, slider


def skewed_feature(m: int = 1000, seed: int = 0) -> np.ndarray:
    """One feature of a mini-batch, (m, 1): right-skewed (log-normal), mean ~3, std ~1.6."""
    return np.random.default_rng(seed).lognormal(1.0, 0.5, size=(m, 1))


@styled
def algorithm_steps(x: np.ndarray, gamma: float, beta: float, eps: float = 1e-5):
    """One feature's histogram after each line of Algorithm 1 (x, x_hat, y)."""
    mu, var = batch_mean(x), batch_var(x)
    x_hat = normalize(x, mu, var, eps)
    y = scale_and_shift(x_hat, np.array([gamma]), np.array([beta]))
    fig, axes = new_figure(1, 3, width=13, height=3.6)
    y_title = rf"$y = \gamma\hat{{x}} + \beta$  ($\gamma$ = {gamma:g}, $\beta$ = {beta:g})"
    panels = [
        (x, "input $x$", PALETTE["black"]),
        (x_hat, r"$\hat{x} = (x - \mu_B)\,/\,\sqrt{\sigma_B^2 + \epsilon}$", PALETTE["blue"]),
        (y, y_title, PALETTE["orange"]),
    ]
    for ax, (v, title, color) in zip(axes, panels, strict=True):
        v = v[:, 0]
        ax.plot(*hist_outline(v, np.linspace(v.min(), v.max(), 26)), color=color)
        ax.axvline(v.mean(), color=color, ls=":", lw=1.5)
        ax.set(title=title, xlabel="value", ylabel="density")
        ax.text(
            0.97,
            0.93,
            f"mean {num(v.mean())}\nstd {num(v.std())}",
            transform=ax.transAxes,
            ha="right",
            va="top",
        )
    fig.suptitle(f"Algorithm 1 on one feature of a mini-batch (m = {len(x)}): the shape is kept")
    return fig


@register
@styled
def scale_shift_eps(m: int = 2000, seed: int = 0) -> Dashboard:
    """γ, β, ε and the feature's own spread σ drive y = γ·x̂ + β for one feature."""
    z = standard_sample(m, seed=seed)  # exactly mean 0, std 1: x = 3 + σ·z has std σ
    bins = np.linspace(-8, 10, 91)
    fig, ax = new_figure(width=9, height=3.8)
    (before,) = ax.plot([], [], color="0.55", ls="--", lw=1.5, label="input x = 3 + σ·z")
    (line,) = ax.plot([], [], color=PALETTE["orange"], label="output y = γ·x̂ + β")
    text = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top", family="monospace")
    top = 1.45
    ax.set(xlim=(-8, 10), ylim=(0, top), xlabel=f"value (one feature, m = {m})", ylabel="density")
    ax.legend(loc="upper right", frameon=False)
    # a narrow input is a spike far above the axis: say so instead of showing its cut-off sides
    arrow = {"arrowstyle": "->", "color": "0.3"}
    off_scale = ax.annotate(
        "", xy=(3.0, top), xytext=(3.5, 0.9), fontsize=11, va="top", color="0.3", arrowprops=arrow
    )

    def update(gamma: float, beta: float, eps: float, sigma: float) -> dict:
        x = 3.0 + sigma * z  # the feature before BN: mean 3, std sigma
        mu, var = batch_mean(x), batch_var(x)
        y = scale_and_shift(normalize(x, mu, var, eps), np.array([gamma]), np.array([beta]))[:, 0]
        predicted_std = gamma * sigma / np.sqrt(sigma**2 + eps)  # gamma * sqrt(var / (var + eps))
        before.set_data(*hist_outline(x[:, 0], bins))
        line.set_data(*hist_outline(y, bins))
        spike = bool(before.get_ydata().max() > top)  # the input's density leaves the axis
        off_scale.set_visible(spike)
        off_scale.set_text(
            f"input off scale: all {m} values\nwithin {num(x.min(), 4)} … {num(x.max(), 4)}"
        )
        shown = {
            "mean": float(y.mean()),
            "std": float(y.std()),
            "predicted_std": float(predicted_std),
            "input_off_scale": spike,
        }
        text.set_text(
            f"mean(y) = {num(shown['mean'])}   (β = {num(beta)})\n"
            f"std(y)  = {num(shown['std'], 3)}  (γ·σ/√(σ²+ε) = {num(predicted_std, 3)})"
        )
        ax.set_title(f"σ² = {sigma**2:.3g} vs ε = {eps:.3g}: ε matters when σ² is not much larger")
        return shown

    return Dashboard(
        "γ, β and ε acting on one feature",
        fig,
        update,
        gamma=slider("γ (scale)", 1.0, 0.3, 3.0, 0.1),
        beta=slider("β (shift)", 0.0, -5.0, 5.0, 0.1),
        eps=log_slider("ε", 1e-5, 1e-8, 1.0, fmt=".1e"),
        sigma=log_slider("σ of the feature", 1.0, 1e-3, 10.0),
    )


@styled
def placement_diagram():
    """Where BN goes: u → Linear (W, no bias) → BN (γ, β) → activation g → next layer."""
    fig, ax = new_figure(width=12, height=1.7)
    ax.set_axis_off()
    boxes = [
        ("Linear\n(no bias)", PALETTE["sky"]),
        ("BN\nγ·x̂ + β", PALETTE["orange"]),
        ("activation\ng(·)", PALETTE["green"]),
    ]
    arrows = ["u", "x = Wu", "BN(Wu)", "z = g(BN(Wu))"]
    for i, (label, color) in enumerate(boxes):
        ax.text(
            3 * i + 1.5,
            0,
            label,
            ha="center",
            va="center",
            fontsize=13,
            bbox=dict(boxstyle="round,pad=0.5", fc=color, ec="0.3"),
        )
    spans = [(-1.0, 0.6), (2.4, 3.6), (5.4, 6.6), (8.4, 10.0)]  # between and around the boxes
    for (x0, x1), label in zip(spans, arrows, strict=True):
        arrow = dict(arrowstyle="->", lw=2, color="0.3")
        ax.annotate("", xy=(x1, 0), xytext=(x0, 0), arrowprops=arrow)
        ax.text((x0 + x1) / 2, 0.35, label, ha="center", va="bottom", fontsize=12)
    ax.set(xlim=(-1.2, 10.2), ylim=(-0.8, 1.0))
    ax.set_title("Where BN sits: after the Linear (or Conv) layer, before the nonlinearity")
    fig.alt = (
        "Diagram: the input u goes into a Linear layer with no bias, giving x = Wu; BN "
        "(γ·x̂ + β) turns it into BN(Wu); the activation g gives z = g(BN(Wu)) for the next layer."
    )
    return fig
