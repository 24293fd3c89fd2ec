"""00_start_here: BN in one figure, and the setup-check dashboard."""

from __future__ import annotations

import numpy as np

from bnlib.functional import batch_norm_train, scale_and_shift
from bnlib.nn.toys import standard_sample
from bnlib.notebook.viz import hist_outline, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, register, slider

MEANS, STDS = np.array([6.0, -3.0, 0.5]), np.array([2.0, 0.5, 4.0])


def three_features(m: int = 2000, seed: int = 0) -> np.ndarray:
    """A mini-batch (m, 3) whose features have very different means and scales."""
    rng = np.random.default_rng(seed)
    return MEANS + STDS * rng.standard_normal((m, 3))


@styled
def bn_overview(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray):
    """Per-feature distributions: the input, after normalising, after scale and shift."""
    x_hat, _ = batch_norm_train(x, None, None)
    y = scale_and_shift(x_hat, gamma, beta)
    fig, axes = new_figure(1, 3, width=13, height=3.8, sharey=False)
    panels = [
        (x, "1. mini-batch input x"),
        (x_hat, "2. normalised x̂ (per feature)"),
        (y, "3. y = γ·x̂ + β"),
    ]
    for ax, (data, title) in zip(axes, panels, strict=True):
        bins = np.linspace(data.min(), data.max(), 60)
        for j in range(data.shape[1]):
            mu, sd = num(data[:, j].mean()), num(data[:, j].std())
            ax.plot(*hist_outline(data[:, j], bins), label=f"feature {j + 1}: mean {mu}, std {sd}")
        ax.set(title=title, xlabel="value", ylabel="density")
        ax.legend(loc="upper left", frameon=False)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # room for the legend
    fig.suptitle(f"Batch normalization of three features with different scales (m = {len(x)})")
    return fig


@register
@styled
def setup_check(m: int = 2000, seed: int = 0) -> Dashboard:
    """γ and β sliders move a histogram of y = γ·x̂ + β: checks that widgets render."""
    x_hat = standard_sample(m, seed=seed)  # exactly mean 0, std 1
    bins = np.linspace(-8, 8, 81)
    fig, ax = new_figure(width=8, height=3.4)
    z = np.linspace(-8, 8, 400)
    pdf = np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi)
    ax.plot(z, pdf, ls="--", color="0.5", label="N(0, 1) density")
    (line,) = ax.plot([], [], label="y = γ·x̂ + β")
    ax.set(xlim=(-8, 8), ylim=(0, 1.2), xlabel="value", ylabel="density")
    ax.legend(loc="upper right", frameon=False)

    def update(gamma: float, beta: float) -> dict:
        y = scale_and_shift(x_hat, np.array([gamma]), np.array([beta]))[:, 0]
        line.set_data(*hist_outline(y, bins))
        shown = {"mean": float(y.mean()), "std": float(y.std())}
        ax.set_title(f"y has mean {num(shown['mean'])} and std {num(shown['std'])}")
        return shown

    return Dashboard(
        "setup check: γ and β move the histogram",
        fig,
        update,
        gamma=slider("γ (scale)", 1.0, 0.2, 3.0, 0.1),
        beta=slider("β (shift)", 0.0, -4.0, 4.0, 0.1),
    )
