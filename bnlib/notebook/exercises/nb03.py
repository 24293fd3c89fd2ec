"""Exercises of 03_why_scale_and_shift: how much of N(β, γ²) lies in the sigmoid's linear
range, what scaling the weights before BN does, and γ, β that saturate a quarter of the inputs."""

from statistics import NormalDist

import numpy as np

from bnlib.functional import batch_norm_train
from bnlib.nn.activations import linear_fraction, linear_range, saturation_fraction
from bnlib.notebook.checks import Exercise

DELTA = 0.02  # the lesson's δ: the linear range is |y| < linear_range(DELTA) = 1.020
SHARE_GAMMA, SHARE_BETA = 2.0, 1.0  # exercise 1: inputs N(1, 2²)


def _share_solution():
    # y ~ N(beta, gamma^2) is in the linear range when -a < y < a:
    # P = Phi((a - beta) / gamma) - Phi((-a - beta) / gamma)
    a, phi = linear_range(DELTA), NormalDist().cdf
    return phi((a - SHARE_BETA) / SHARE_GAMMA) - phi((-a - SHARE_BETA) / SHARE_GAMMA)  # 0.348


linear_share = Exercise(
    "the share of N(1, 2²) inputs in the sigmoid's linear range (δ = 0.02)",
    "The linear range is the interval -a < y < a with a = 1.020. Standardise its ends for "
    "y ~ N(β, γ²): (±a - β) / γ, then take the difference of the normal CDF, "
    "statistics.NormalDist().cdf, at the two ends. A fraction from 0 to 1, not a percentage.",
    lambda: float(linear_fraction(SHARE_GAMMA, SHARE_BETA, DELTA)),
    solution=_share_solution,
    rtol=0.0,
    atol=5e-4,
)

# Exercise 2: a batch of Wu (64 examples, 3 units) into BN with gamma = 2, beta = 1.
WU = np.random.default_rng(3).normal([0.5, -1.0, 2.0], [0.2, 1.5, 4.0], size=(64, 3))
SCALE, GAMMA, BETA = 10.0, 2.0, 1.0


def _scaled_reference():
    y = batch_norm_train(SCALE * WU, np.full(3, GAMMA), np.full(3, BETA))[0]
    return float(y.mean()), float(y.std(axis=0).mean())


def _scaled_solution():
    # BN(a Wu) = BN(Wu): the scale a is divided out with the batch's spread, so y = gamma
    # x_hat + beta has mean beta and standard deviation gamma, whatever a is (eps aside).
    return BETA, GAMMA


scaled_weights = Exercise(
    "the mean and standard deviation of y = BN(10·Wu) with γ = 2, β = 1",
    "x_hat has mean 0 and standard deviation 1 per unit whatever the weights' scale (BN(aWu) "
    "= BN(Wu)); y = γ x_hat + β. Give (mean, std), the same for every unit.",
    _scaled_reference,
    solution=_scaled_solution,
    rtol=0.0,
    atol=1e-3,
)

QUARTER = 0.25  # exercise 3: the saturated share to reach


def _judge_quarter(answer):
    gamma, beta = (float(v) for v in answer)
    if not gamma > 0:
        return f"γ must be above 0 (got {gamma:g})"
    got = float(saturation_fraction(gamma, beta))
    if abs(got - QUARTER) < 0.005:
        return None
    return f"N({beta:g}, {gamma:g}²) puts {100 * got:.1f} % of the inputs in saturation, not 25 %"


def _quarter_solution():
    # With beta = 0: P(|gamma Z| > s) = 2 (1 - Phi(s / gamma)) = 1/4, so s / gamma is the
    # normal's 7/8 quantile. s = 3.637 is where sigmoid' falls to a tenth of sigmoid'(0).
    s = 2 * np.arccosh(np.sqrt(10))
    return s / NormalDist().inv_cdf(1 - QUARTER / 2), 0.0  # gamma = 3.162, beta = 0


quarter_saturated = Exercise(
    "γ, β that put a quarter of the sigmoid's inputs in saturation",
    "Saturated means |y| > 3.637 (slope below a tenth of the largest). With β = 0 the share "
    "is 2·(1 - Φ(3.637/γ)): solve for γ with statistics.NormalDist().inv_cdf. Or keep γ = 1 "
    "and shift: which β puts a quarter of N(β, 1) above 3.637? Give (γ, β).",
    judge=_judge_quarter,
    solution=_quarter_solution,
)
