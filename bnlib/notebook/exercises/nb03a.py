"""Exercises of lab 03a (freezing γ and β): the symmetry on a new task, where the sigmoid
saturates, a ReLU unit's β."""

import math
from functools import cache
from statistics import NormalDist

import numpy as np

from bnlib.experiments.odd_symmetry import best_constant
from bnlib.nn.activations import active_fraction, saturation_threshold
from bnlib.nn.toys import disk
from bnlib.nn.train import fit_classifier
from bnlib.notebook.checks import Exercise

X_DISK, Y_DISK = disk(400, seed=0)  # class 1 inside the unit circle
DISK_SIZES, DISK_LR = [2, 16, 16, 1], 0.5  # the runs exercise 1 asks for


@cache
def disk_accuracy(frozen: tuple) -> float:
    """The accuracy of ``fit_classifier`` on the disk at DISK_LR with ``frozen`` kinds frozen."""
    return fit_classifier(X_DISK, Y_DISK, DISK_SIZES, freeze=frozen, lr=DISK_LR)[1]


def _majority_solution():
    # The label is the same at x and -x. If the data were exactly symmetric about 0, with
    # beta frozen at 0 the logit would be c + f(x), f odd, and with whole-data statistics
    # the convexity of the cross-entropy makes f = 0 best: a constant, which predicts one
    # class everywhere. The best constant predicts the larger class.
    share_1 = Y_DISK.mean()  # 0.3875: class 1 is the smaller class
    return 100 * max(share_1, 1 - share_1)  # 61.25 %: the best constant's accuracy


disk_only_gamma = Exercise(
    "accuracy on the disk with β frozen at 0, at the best loss with whole-data statistics",
    "Does the label change when x becomes -x? If not, the best odd f is f = 0 (section 6), "
    "and a constant logit predicts one class for every point. Which class, when the classes "
    "are unequal? Give the accuracy in %.",
    lambda: 100 * best_constant(Y_DISK)[1],
    solution=_majority_solution,
    rtol=0.0,
    atol=0.5,
)


def _beta_fits_solution():
    # Learning beta breaks the symmetry (sections 2 and 6: beta alone fitted XOR, another task
    # whose label does not change under x -> -x). A shift puts a unit's inputs on one
    # shoulder of the sigmoid, where the output has an even part; the disk's label
    # depends on |x|, an even function: expect a good fit, far above the constant.
    return True  # measured: disk_accuracy(("gamma",)) is 0.955


disk_beta_fits = Exercise(
    "the disk with β learned (γ frozen at 1) scores above 90 %",
    "Which of the two knobs broke the symmetry on XOR (sections 2 and 6)? The disk's label, like "
    "XOR's, is the same at x and -x. Answer True or False.",
    lambda: disk_accuracy(("gamma",)) > 0.9,
    solution=_beta_fits_solution,
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
