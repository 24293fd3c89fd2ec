"""Exercises of 05_moving_averages: Algorithm 2, the conventions, and the running variance."""

import numpy as np

from bnlib.checks import Exercise
from bnlib.inference import decay_to_momentum, population_stats, update_running_stats
from bnlib.tracking import steps_to_forget

BATCH_VARS = np.array([2.0, 2.4, 1.6, 2.0])  # biased sigma^2_B of four batches of m = 5
M = 5


def _population_var_solution():
    # Var[x] = m/(m-1) * mean of the batch variances
    return M / (M - 1) * (2.0 + 2.4 + 1.6 + 2.0) / 4


def _keras_solution():
    # Keras' momentum is a decay: new = 0.99 * old + 0.01 * batch
    return 1 - 0.99


def _forget_solution():
    # the smallest n with 0.95^n <= 0.01
    n = 1
    while 0.95**n > 0.01:
        n += 1
    return n


def _running_var_solution(running_var, x, momentum):
    m = x.shape[0]
    var_unbiased = x.var(axis=0) * m / (m - 1)  # torch averages the unbiased variance
    return (1 - momentum) * running_var + momentum * var_unbiased


population_variance = Exercise(
    "Algorithm 2's Var[x] from four batch variances (m = 5)",
    "Average the four biased batch variances, then multiply by m/(m-1) = 5/4.",
    lambda: population_stats(np.zeros((4, 1)), BATCH_VARS[:, None], M)[1][0],
    solution=_population_var_solution,
)

keras_to_pytorch = Exercise(
    "PyTorch momentum for Keras' BatchNormalization(momentum=0.99)",
    "Keras weights the OLD value by its momentum; PyTorch weights the NEW batch by its momentum.",
    lambda: decay_to_momentum(0.99),
    solution=_keras_solution,
)

steps_to_forget_start = Exercise(
    "Steps until the start weighs at most 1% (momentum 0.05)",
    "After n steps the start's weight is (1 - momentum)^n; find the first n with 0.95^n <= 0.01.",
    lambda: steps_to_forget(0.05, 0.01),
    solution=_forget_solution,
)

_CASES = [
    (np.ones(2), np.array([[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]]), 0.1),
    (np.array([4.0]), np.array([[1.0], [3.0]]), 0.5),
]


def _running_var_reference(running_var, x, momentum):
    mu, var = x.mean(axis=0), x.var(axis=0)
    return update_running_stats(running_var * 0, running_var, mu, var, len(x), momentum, 1)[1]


running_var_step = Exercise(
    "One training step of torch's running_var",
    "Use the batch variance with m/(m-1) (unbiased), then (1 - momentum) * old + momentum * new.",
    _running_var_reference,
    cases=_CASES,
    solution=_running_var_solution,
)
