"""Exercises of lab 04a_how_the_weights_grow: one SGD step of weights before BN, without and
with weight decay."""

import numpy as np

from bnlib.notebook.checks import Exercise

W_NORM, G_NORM, LR, DECAY = 0.5, 20.0, 0.1, 0.5
# a W and a gradient orthogonal to it, as BN makes dl/dW (paper section 3.3)
_W = W_NORM * np.array([[0.6, 0.8], [0.0, 0.0]])
_G = G_NORM * np.array([[0.8, -0.6], [0.0, 0.0]])


def _step_reference(decay: float) -> float:
    return float(np.linalg.norm(_W - LR * (_G + decay * _W)))


def _norm_solution():
    # <W, g> = 0, so |W - lr g|^2 = |W|^2 + lr^2 |g|^2
    return np.sqrt(W_NORM**2 + (LR * G_NORM) ** 2)


norm_after_one_step = Exercise(
    "|W| after one plain SGD step, |W| = 0.5, |g| = 20, lr = 0.1",
    "g is orthogonal to W, so the step is at right angles: |W - lr g|^2 = |W|^2 + lr^2 |g|^2.",
    lambda: _step_reference(0.0),
    solution=_norm_solution,
    atol=1e-3,
)


def _decay_solution():
    # W - lr (g + decay W) = (1 - lr decay) W - lr g: W shrinks, then the orthogonal step
    return np.sqrt(((1 - LR * DECAY) * W_NORM) ** 2 + (LR * G_NORM) ** 2)


norm_after_one_step_with_decay = Exercise(
    "|W| after one SGD step with weight decay 0.5",
    "Weight decay multiplies W by (1 - lr * decay) = 0.95 before the orthogonal step adds "
    "lr * g: |W'|^2 = (0.95 |W|)^2 + lr^2 |g|^2.",
    lambda: _step_reference(DECAY),
    solution=_decay_solution,
    atol=1e-3,
)
