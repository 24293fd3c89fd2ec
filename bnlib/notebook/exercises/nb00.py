"""Warm-up exercises of 00_start_here: Algorithm 1's first three lines by hand."""

import numpy as np

from bnlib.functional import batch_mean, batch_var, normalize
from bnlib.notebook.checks import Exercise

BATCH = np.array([[1.0], [2.0], [3.0], [6.0]])  # one feature, m = 4 examples


def _mean_solution():
    return (1 + 2 + 3 + 6) / 4


def _var_solution():
    mu = (1 + 2 + 3 + 6) / 4
    return ((1 - mu) ** 2 + (2 - mu) ** 2 + (3 - mu) ** 2 + (6 - mu) ** 2) / 4


batch_mean_by_hand = Exercise(
    "μ_B of the mini-batch [1, 2, 3, 6]",
    "Add the four values and divide by m = 4.",
    lambda: batch_mean(BATCH)[0],
    solution=_mean_solution,
)

batch_var_by_hand = Exercise(
    "σ²_B of the mini-batch [1, 2, 3, 6]",
    "Average the squared distances to μ_B, dividing by m = 4 (not m - 1): "
    "Algorithm 1 uses the biased variance.",
    lambda: batch_var(BATCH)[0],
    solution=_var_solution,
)


def _x_hat_solution():
    mu = (1 + 2 + 3 + 6) / 4
    var = ((1 - mu) ** 2 + (2 - mu) ** 2 + (3 - mu) ** 2 + (6 - mu) ** 2) / 4
    return (6 - mu) / var**0.5


x_hat_by_hand = Exercise(
    "x̂ of the value 6 in the mini-batch [1, 2, 3, 6], with ε = 0",
    "Subtract μ_B, then divide by the square root of σ²_B (the biased variance of "
    "exercise 2), not by σ²_B itself.",
    lambda: normalize(BATCH, batch_mean(BATCH), batch_var(BATCH), eps=0.0)[3, 0],
    solution=_x_hat_solution,
)
