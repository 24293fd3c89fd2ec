"""Exercises of lab 07a_the_ics_debate (method, not BN itself): why a gradient step is stable
only below L = 2/eta, and ICS defined by gradients, computed from G and G'."""

import numpy as np

from bnlib.notebook.checks import Exercise

STEP_CASES = [
    (np.array([500.0, 1900.0, 2100.0, 19000.0]), 1e-3),  # the lab's BN networks at eta = 0.001
    (np.array([50.0, 150.0, 250.0]), 1e-2),
]


def _error_factor_solution(L, lr):
    # loss (L/2) e^2 has gradient L e; one step: e <- e - lr * L * e = (1 - lr * L) e
    return 1 - lr * L


error_factor = Exercise(
    "One gradient step on a quadratic of curvature L: the factor it multiplies the error by",
    "The loss (L/2)·e² has gradient L·e, so a step of size lr gives e - lr·L·e. The error "
    "shrinks while |1 - lr·L| < 1, i.e. L < 2/lr: the edge of stability.",
    lambda L, lr: 1.0 - lr * np.asarray(L),
    cases=STEP_CASES,
    solution=_error_factor_solution,
)

_rng = np.random.default_rng(11)
_G = _rng.normal(size=(4, 3))
SHIFT_CASES = [
    (_G, _G + 0.1 * _rng.normal(size=(4, 3))),  # a small change
    (_G, -2.0 * _G),  # turned around and doubled: relative change 3, cosine -1
    (np.array([1.0, 0.0]), np.array([0.0, 1.0])),  # at right angles
]


def _gradient_shift_reference(G, G_new):
    G, G_new = np.ravel(G), np.ravel(G_new)
    norm, norm_new = np.linalg.norm(G), np.linalg.norm(G_new)
    return np.array([np.linalg.norm(G - G_new) / norm, G @ G_new / (norm * norm_new)])


def _gradient_shift_solution(G, G_new):
    g, g_new = G.ravel(), G_new.ravel()  # a weight matrix's gradient, as one vector
    relative = np.linalg.norm(g - g_new) / np.linalg.norm(g)
    cosine = g @ g_new / (np.linalg.norm(g) * np.linalg.norm(g_new))
    return np.array([relative, cosine])


gradient_ics = Exercise(
    "ICS defined by gradients: the relative change ||G - G'|| / ||G|| and cos(G, G')",
    "Flatten both gradients into vectors (np.ravel): the norm and the cosine are over all "
    "the entries of the weight matrix, not per row. Divide the change by ||G||, the "
    "gradient before the earlier layers stepped.",
    _gradient_shift_reference,
    cases=SHIFT_CASES,
    solution=_gradient_shift_solution,
)
