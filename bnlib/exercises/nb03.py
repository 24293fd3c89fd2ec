"""Exercises of 03_why_scale_and_shift: the symmetry on a new task, saturation, ReLU's β."""

import math
from statistics import NormalDist

import numpy as np

from bnlib.activations import active_fraction, saturation_threshold
from bnlib.checks import Exercise
from bnlib.toys import disk

X_DISK, Y_DISK = disk(400, seed=0)  # class 1 inside the unit circle


def _majority_solution():
    # The label is the same at x and -x, and disk data are symmetric about 0: with beta
    # frozen at 0 the logit is c + f(x), f odd, and convexity of the cross-entropy makes
    # f = 0 best. The best constant predicts the larger class everywhere.
    share_1 = Y_DISK.mean()  # 0.3875: class 1 is the smaller class
    return 100 * max(share_1, 1 - share_1)  # 61.25 %
    # then run: fit_classifier(X_DISK, Y_DISK, [2, 16, 16, 1], freeze=("beta",))[1]
    # and freeze=("gamma",): beta learned breaks the symmetry and fits the disk


disk_only_gamma = Exercise(
    "accuracy on the disk with β frozen at 0, at the network's best loss",
    "Does the label change when x becomes -x? If not, the best odd f is f = 0 (section 2), "
    "and a constant logit predicts one class for every point. Which class, when the classes "
    "are unequal? Give the accuracy in %.",
    lambda: 100 * max(Y_DISK.mean(), 1 - Y_DISK.mean()),
    solution=_majority_solution,
    rtol=0.0,
    atol=0.5,
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


def _beta_solution():
    # P(gamma * z + beta > 0) = Phi(beta / gamma) = 1/4  =>  beta = gamma * Phi^-1(1/4)
    return 2.0 * NormalDist().inv_cdf(0.25)  # -1.349


def _beta_reference():
    # the beta whose active share is 1/4, by bisection on bnlib's Phi(beta / |gamma|)
    lo, hi = -10.0, 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if active_fraction(2.0, mid) < 0.25 else (lo, mid)
    return float(np.mean([lo, hi]))


relu_quarter_active = Exercise(
    "β for a ReLU unit with γ = 2 that fires for a quarter of its inputs",
    "The unit is active when gamma * x_hat + beta > 0; for x_hat ~ N(0, 1) that happens with "
    "probability Phi(beta / |gamma|). Invert Phi: statistics.NormalDist().inv_cdf(p). "
    "Three decimals are enough.",
    _beta_reference,
    solution=_beta_solution,
    rtol=0.0,
    atol=5e-4,
)
