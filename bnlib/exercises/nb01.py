"""Exercises of 01_internal_covariate_shift: init scales, how they compound, and W1 drift."""

import numpy as np

from bnlib.checks import Exercise
from bnlib.shift import init_std, propagate, unit_weights, wasserstein1


def _he_solution():
    return np.sqrt(2 / 784)


def _compound_solution():
    return 1.1**20


def _w1_solution(a, b):
    return np.mean(np.abs(np.sort(a) - np.sort(b)))


def _compound_reference():
    x = np.random.default_rng(0).standard_normal((64, 50))
    ws = unit_weights((50,) + (50,) * 20, seed=0)
    return propagate(x, ws, "relu", "he", 1.1).std[-1] / propagate(x, ws, "relu", "he").std[-1]


def _samples(seed, shift, scale, n=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), shift + scale * rng.standard_normal(n)


he_std = Exercise(
    "He init: the weight std of the first layer (784 inputs)",
    "He divides standard-normal weights by √(n/2), n = fan_in: the std is √(2/n).",
    lambda: init_std("he", 784, 100),
    solution=_he_solution,
)

gain_compounds = Exercise(
    "ReLU net, He init × 1.1: how many times larger is σ_B at layer 20?",
    "ReLU(a·z) = a·ReLU(z) for a > 0, and there are no biases: each layer passes a factor "
    "1.1 on to the next, so the factors multiply over 20 layers.",
    _compound_reference,
    solution=_compound_solution,
)

w1_of_two_samples = Exercise(
    "W1 distance between two samples of the same size",
    "Sort both samples; W1 is the mean absolute difference of the sorted values "
    "(the i-th smallest of one against the i-th smallest of the other).",
    wasserstein1,
    cases=[_samples(0, 0.0, 1.0), _samples(1, 2.0, 1.0), _samples(2, -1.0, 3.0)],
    solution=_w1_solution,
)
