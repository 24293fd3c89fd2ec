"""Exercises of 03_why_scale_and_shift: identity recovery, saturation, ReLU's active share."""

import math

import numpy as np

from bnlib.activations import active_fraction, saturation_threshold
from bnlib.checks import Exercise
from bnlib.functional import batch_mean, batch_var

EPS = 1e-5
BATCH = np.array([[2.0, -1.0, 10.0], [4.0, 0.0, 30.0], [6.0, -3.0, 20.0], [8.0, -4.0, 40.0]])


def _identity_solution():
    mu = BATCH.mean(axis=0)
    var = ((BATCH - mu) ** 2).mean(axis=0)
    return np.sqrt(var + EPS), mu


identity_gamma_beta = Exercise(
    "γ and β that make BN give back BATCH",
    "BN divides by sqrt(var + eps) and subtracts the mean; gamma and beta must undo both, "
    "feature by feature (biased variance, 1/m). Answer (gamma, beta), each of shape (3,).",
    lambda: (np.sqrt(batch_var(BATCH) + EPS), batch_mean(BATCH)),
    solution=_identity_solution,
)


def _threshold_solution():
    # sigma'(x) = 1 / (4 cosh^2(x / 2)) < 1/40  <=>  cosh(x / 2) > sqrt(10)
    return 2 * math.acosh(math.sqrt(10))


sigmoid_saturation = Exercise(
    "where the sigmoid saturates",
    "sigma'(x) = sigma(x)(1 - sigma(x)) = 1 / (4 cosh^2(x/2)); its maximum is 1/4 at 0. "
    "Solve sigma'(x) = 1/40 for x > 0.",
    lambda: saturation_threshold("sigmoid"),
    solution=_threshold_solution,
)


def _active_solution():
    # P(gamma * z + beta > 0) = P(z > -beta / gamma) = Phi(beta / gamma)
    return 0.5 * (1 + math.erf(-0.5 / 2.0 / math.sqrt(2)))


relu_active_share = Exercise(
    "ReLU's active share for γ = 2, β = −0.5",
    "With x_hat ~ N(0, 1), the input is y = gamma * x_hat + beta; it is active when y > 0. "
    "Phi(t) = (1 + erf(t / sqrt(2))) / 2.",
    lambda: active_fraction(2.0, -0.5),
    solution=_active_solution,
)
