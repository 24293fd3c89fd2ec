"""Exercises of 05_moving_averages: Algorithm 2, the review's std slip, forgetting, the running
variance, and diagnosing the pitfalls."""

import numpy as np

from bnlib.experiments.tracking import steps_to_forget
from bnlib.inference import population_stats, update_running_stats
from bnlib.notebook.checks import Exercise

BATCH_VARS = np.array([2.0, 2.4, 1.6, 2.0])  # biased sigma^2_B of four batches of m = 5
M = 5


def _population_var_solution():
    # Var[x] = m/(m-1) * mean of the batch variances
    return M / (M - 1) * (2.0 + 2.4 + 1.6 + 2.0) / 4


population_variance = Exercise(
    "Algorithm 2's Var[x] from four batch variances (m = 5)",
    "Average the four biased batch variances, then multiply by m/(m-1) = 5/4.",
    lambda: population_stats(np.zeros((4, 1)), BATCH_VARS[:, None], M)[1][0],
    solution=_population_var_solution,
)


def _std_from_stored_stds_solution(batch_stds, m):
    # average VARIANCES, not standard deviations: square, average, correct, take the root
    variances = np.asarray(batch_stds) ** 2  # sigma^2_B of each batch, (B, C)
    return np.sqrt(m / (m - 1) * variances.mean(axis=0))


def _std_from_stored_stds_reference(batch_stds, m):
    batch_vars = np.asarray(batch_stds, dtype=np.float64) ** 2
    return np.sqrt(population_stats(np.zeros_like(batch_vars), batch_vars, m)[1])


std_from_stored_stds = Exercise(
    "Algorithm 2's sigma from stored batch standard deviations (the review's §3.3 slip)",
    "Averaging the stds (even times sqrt(m/(m-1))) comes out too small. Square each sigma_B, "
    "average the variances, multiply by m/(m-1), then take the square root.",
    _std_from_stored_stds_reference,
    cases=[
        (np.array([[1.0], [2.0], [1.0], [2.0]]), 4),
        (np.array([[0.5, 3.0], [1.5, 1.0], [1.0, 2.0]]), 8),
    ],
    solution=_std_from_stored_stds_solution,
)


def _forget_solution():
    # the smallest n with 0.95^n <= 0.01
    n = 1
    while 0.95**n > 0.01:
        n += 1
    return n


steps_to_forget_start = Exercise(
    "The fewest steps n with (1 - momentum)^n <= 0.01, at momentum 0.05",
    "After n steps the start's weight is (1 - momentum)^n; find the first n with 0.95^n <= 0.01.",
    lambda: steps_to_forget(0.05, 0.01),
    solution=_forget_solution,
)

_CASES = [
    (np.ones(2), np.array([[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]]), 0.1),
    (np.array([4.0]), np.array([[1.0], [3.0]]), 0.5),
]


def _running_var_solution(running_var, x, momentum):
    m = x.shape[0]
    var_unbiased = x.var(axis=0) * m / (m - 1)  # torch averages the unbiased variance
    return (1 - momentum) * running_var + momentum * var_unbiased


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

REPORTS = "ABCD"
_DIAGNOSIS = (2, 5, 4, 1)  # the pitfall behind each report, in the notebook's numbering


def _diagnosis_solution():
    return [
        2,  # A: a last batch of one image, in training mode -> drop_last=True
        5,  # B: momentum 0.001 for 300 steps: the start still weighs 0.999^300 = 0.74 -> precise BN
        4,  # C: new inputs, same classes: the running statistics are stale -> re-estimate them
        1,  # D: train mode at evaluation, batches of 64: outputs depend on batch-mates -> eval()
    ]


def _judge_diagnosis(answer) -> str | None:
    got = list(answer)
    if len(got) != len(REPORTS):
        return f"expected {len(REPORTS)} pitfall numbers, one per report A-D (got {len(got)})"
    if any(float(g) != int(g) or not 1 <= int(g) <= 5 for g in got):
        return f"each answer is a pitfall number from 1 to 5 (got {got})"
    wrong = [r for r, g, w in zip(REPORTS, got, _DIAGNOSIS, strict=True) if int(g) != w]
    if wrong:
        return f"report {', '.join(wrong)} points to another pitfall"
    return None


diagnose_the_pitfall = Exercise(
    "Which pitfall is behind each report?",
    "Ask of each report: is it an error or an accuracy? Train or eval mode? "
    "Did the data change, or only the running statistics?",
    judge=_judge_diagnosis,
    solution=_diagnosis_solution,
)
