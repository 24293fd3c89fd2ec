"""Lab 04a_how_the_weights_grow: who carries the loss decrease when parameters are frozen."""

from __future__ import annotations

import numpy as np

from bnlib.experiments.gamma_beta_sgd import share_of_decrease
from bnlib.notebook.viz import PALETTE, new_figure, num, styled


@styled
def freeze_bars(labels, losses, start_loss: float):
    """Loss after training with some parameters frozen: who carries the decrease.

    Each bar says its share of the largest decrease (start_loss - min(losses)).
    """
    fig, ax = new_figure(width=9, height=3.6)
    y = np.arange(len(labels))[::-1]
    ax.barh(
        y, losses, color=[PALETTE[c] for c in ("green", "blue", "orange", "sky")][: len(labels)]
    )
    for yi, v in zip(y, losses, strict=True):
        share = num(100 * share_of_decrease(start_loss, v, min(losses)), 1)
        ax.text(
            v,
            yi,
            f"  {num(v, 3)}: {share} % of the decrease",
            va="center",
            fontsize=11,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1},
            zorder=3,
        )
    ax.axvline(start_loss, color="0.4", ls=":", label=f"before training: {num(start_loss)}")
    ax.set(
        yticks=y,
        yticklabels=labels,
        xlabel="loss over all data after training",
        xlim=(0, start_loss * 1.75),
        title="What is left of the loss when parameters are frozen",
    )
    ax.legend(loc="upper right", framealpha=0.9, edgecolor="none")
    return fig
