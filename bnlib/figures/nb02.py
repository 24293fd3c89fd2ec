"""02_normalize_scale_shift: Algorithm 1's steps on one feature, the γ/β/ε
dashboard, and where BN sits in a layer."""

from __future__ import annotations

import numpy as np

from bnlib.functional import batch_mean, batch_var, normalize, scale_and_shift
from bnlib.viz import PALETTE, hist_outline, new_figure, num, styled
from bnlib.widgets import Dashboard, log_slider, register, slider


def skewed_feature(m: int = 1000, seed: int = 0) -> np.ndarray:
    """One feature of a mini-batch, (m, 1): skewed (gamma-distributed), mean ~3, std ~2."""
    return np.random.default_rng(seed).gamma(2.0, 1.5, size=(m, 1))


@styled
def algorithm_steps(x: np.ndarray, gamma: float, beta: float, eps: float = 1e-5):
    """One feature's histogram after each line of Algorithm 1 (x, x_hat, y)."""
    mu, var = batch_mean(x), batch_var(x)
    x_hat = normalize(x, mu, var, eps)
    y = scale_and_shift(x_hat, np.array([gamma]), np.array([beta]))
    fig, axes = new_figure(1, 3, width=13, height=3.6)
    panels = [
        (x, "input x", PALETTE["black"]),
        (x_hat, "x̂ = (x − μ_B) / √(σ²_B + ε)", PALETTE["blue"]),
        (y, f"y = γ·x̂ + β  (γ = {gamma:g}, β = {beta:g})", PALETTE["orange"]),
    ]
    for ax, (v, title, color) in zip(axes, panels, strict=True):
        v = v[:, 0]
        ax.plot(*hist_outline(v, np.linspace(v.min(), v.max(), 40)), color=color)
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
    z = np.random.default_rng(seed).standard_normal((m, 1))
    z = (z - z.mean()) / z.std()  # exactly mean 0, std 1: x = 3 + σ·z has std σ
    bins = np.linspace(-10, 10, 101)
    fig, ax = new_figure(width=9, height=3.8)
    (line,) = ax.plot([], [], color=PALETTE["orange"], label="y = γ·x̂ + β")
    ax.plot(
        *hist_outline(z[:, 0], bins), color="0.6", ls="--", lw=1.5, label="N(0, 1) for reference"
    )
    text = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top", family="monospace")
    ax.set(xlim=(-10, 10), ylim=(0, 1.45), xlabel=f"y (one feature, m = {m})", ylabel="density")
    ax.legend(loc="upper right", frameon=False)

    def update(gamma: float, beta: float, eps: float, sigma: float) -> dict:
        x = 3.0 + sigma * z  # the feature before BN: mean 3, std sigma
        mu, var = batch_mean(x), batch_var(x)
        y = scale_and_shift(normalize(x, mu, var, eps), np.array([gamma]), np.array([beta]))[:, 0]
        predicted_std = gamma * sigma / np.sqrt(sigma**2 + eps)  # gamma * sqrt(var / (var + eps))
        line.set_data(*hist_outline(y, bins))
        shown = {
            "mean": float(y.mean()),
            "std": float(y.std()),
            "predicted_std": float(predicted_std),
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
    """Where BN goes: x → Linear (W, no bias) → BN (γ, β) → activation → next layer."""
    fig, ax = new_figure(width=12, height=2.2)
    ax.set_axis_off()
    boxes = [
        ("input u", "0.85"),
        ("Linear\nWu  (bias dropped)", PALETTE["sky"]),
        ("BN\nγ·x̂ + β", PALETTE["orange"]),
        ("activation\ng(·)", PALETTE["green"]),
        ("next layer", "0.85"),
    ]
    for i, (label, color) in enumerate(boxes):
        ax.text(i * 2.4, 0, label, ha="center", va="center", fontsize=13,
                bbox=dict(boxstyle="round,pad=0.6", fc=color, ec="0.3", alpha=0.9))  # fmt: skip
        if i:
            ax.annotate("", xy=(i * 2.4 - 1.05, 0), xytext=((i - 1) * 2.4 + 1.05, 0),
                        arrowprops=dict(arrowstyle="->", lw=2, color="0.3"))  # fmt: skip
    ax.set(xlim=(-1.2, 4 * 2.4 + 1.2), ylim=(-1, 1))
    ax.set_title(
        "Where BN sits: after the Linear (or Conv) layer, before the nonlinearity (paper §3.2)"
    )
    return fig
