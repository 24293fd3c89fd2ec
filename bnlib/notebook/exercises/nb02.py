"""Exercises of 02_normalize_scale_shift: Algorithm 1 forward, its output
statistics, and the γ, β that undo the normalisation."""

import numpy as np

from bnlib.functional import batch_mean, batch_norm_train, batch_var
from bnlib.notebook.checks import Exercise

_rng = np.random.default_rng(2)
# Test cases for the forward pass: (x, gamma, beta), features on different scales.
CASES = [
    (
        _rng.normal([5.0, -2.0, 0.0], [2.0, 0.1, 10.0], size=(16, 3)),
        np.array([1.0, 2.0, 0.5]),
        np.array([0.0, -1.0, 3.0]),
    ),
    (_rng.normal(0.0, 1.0, size=(4, 2)), np.ones(2), np.zeros(2)),
]


def _reference_forward(x, gamma, beta, eps=1e-5):
    return batch_norm_train(x, gamma, beta, eps)[0]


def _forward_solution(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)  # line 1: one mean per feature
    var = ((x - mu) ** 2).mean(axis=0)  # line 2: biased, divide by m
    x_hat = (x - mu) / np.sqrt(var + eps)  # line 3
    return gamma * x_hat + beta  # line 4


forward_pass = Exercise(
    "Algorithm 1, forward",
    "Statistics are per feature: take means over axis 0 (the batch), divide the variance "
    "by m (np.var's default, not ddof=1), and put eps inside the square root.",
    _reference_forward,
    cases=CASES,
    solution=_forward_solution,
)

# Predict: y = BN(x) with these gamma, beta and eps = 0; what are mean(y) and std(y) per feature?
PREDICT_GAMMA, PREDICT_BETA = np.array([2.0, 0.5]), np.array([-1.0, 3.0])
PREDICT_X = np.random.default_rng(3).exponential(4.0, size=(32, 2))


def _predicted_stats():
    y = batch_norm_train(PREDICT_X, PREDICT_GAMMA, PREDICT_BETA, eps=0.0)[0]
    return y.mean(axis=0), y.std(axis=0)


def _predict_solution():
    return PREDICT_BETA, PREDICT_GAMMA  # x_hat has mean 0, std 1: y = gamma x_hat + beta


predict_mean_std = Exercise(
    "predict mean(y) and std(y) per feature",
    "x_hat has mean 0 and standard deviation 1 in every feature, whatever x was.",
    _predicted_stats,
    solution=_predict_solution,
)

# Undo: find gamma, beta (one entry per feature) with BN(UNDO_X) == UNDO_X (eps = 1e-5).
UNDO_X = np.random.default_rng(4).normal([10.0, -3.0, 0.5], [3.0, 0.2, 1.0], size=(20, 3))


def _judge_undo(answer):
    gamma, beta = (np.asarray(a, dtype=np.float64) for a in answer)
    if gamma.shape != (3,) or beta.shape != (3,):
        return (
            "gamma and beta need one entry per feature, shape (3,) each "
            f"(got {gamma.shape} and {beta.shape})"
        )
    y = batch_norm_train(UNDO_X, gamma, beta)[0]
    worst = float(np.max(np.abs(y - UNDO_X)))
    return None if worst < 1e-6 else f"BN(x) differs from x by up to {worst:.3g}"


def _undo_solution():
    return np.sqrt(batch_var(UNDO_X) + 1e-5), batch_mean(UNDO_X)


undo_normalization = Exercise(
    "γ, β that give back the input",
    "Line 4 must undo line 3: multiply back by the standard deviation the normalisation "
    "divided by (with eps inside), then add back the mean it subtracted.",
    judge=_judge_undo,
    solution=_undo_solution,
)
