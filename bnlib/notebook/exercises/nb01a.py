"""Exercises of labs/01a_measuring_ics: the W1 distance, the lab's drift measure."""

import numpy as np

from bnlib.experiments.covariate_shift import wasserstein1
from bnlib.notebook.checks import Exercise


def _w1_solution(a, b):
    return np.mean(np.abs(np.sort(a) - np.sort(b)))


def _samples(seed, shift, scale, n=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), shift + scale * rng.standard_normal(n)


w1_of_two_samples = Exercise(
    "W1 distance between two samples of the same size",
    "Pair the values up in order: the smallest of a with the smallest of b, and so on "
    "(np.sort). W1 is the average distance between the pairs.",
    wasserstein1,
    cases=[_samples(0, 0.0, 1.0), _samples(1, 2.0, 1.0), _samples(2, -1.0, 3.0)],
    solution=_w1_solution,
)
