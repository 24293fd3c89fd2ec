"""Lab 06a's method exercises: the range a rounded table allows, steps to a target accuracy,
and a paired comparison over seeds."""

import numpy as np

from bnlib.experiments.paper import IMAGENET, rounding_range
from bnlib.notebook.checks import Exercise

UNIT = 0.1e6  # the table's step counts are rounded to the nearest 0.1M


def _table_solution():
    # 31.0M means 30.95M to 31.05M, 2.7M means 2.65M to 2.75M: the ratio is smallest with the
    # smallest numerator over the largest denominator, and largest the other way round
    return np.array([30.95 / 2.75, 31.05 / 2.65])


def _imagenet_reference():
    rows = {r.model: r for r in IMAGENET}
    inception, x30 = rows["Inception"].steps_to_722, rows["BN-x30"].steps_to_722
    return np.array(rounding_range(inception, x30, UNIT))


fewer_steps_x30 = Exercise(
    "Inception's 31.0M and BN-x30's 2.7M steps are rounded to the nearest 0.1M: which range "
    "of 'times fewer steps' do they allow?",
    "31.0M stands for anything from 30.95M to 31.05M, 2.7M for 2.65M to 2.75M. The smallest "
    "ratio divides the smallest numerator by the largest denominator; the largest, the other "
    "way round. Answer np.array([smallest, largest]); one decimal is enough (checked to 0.5%).",
    _imagenet_reference,
    solution=_table_solution,
    rtol=5e-3,
)


def _steps_to_solution(steps, accuracy, target):
    # the first probed step whose accuracy reaches the target; None if none does
    reached = np.flatnonzero(np.asarray(accuracy) >= target)
    return int(np.asarray(steps)[reached[0]]) if reached.size else None


def _steps_to_reference(steps, accuracy, target):
    hit = np.asarray(accuracy) >= target
    return int(np.asarray(steps)[np.argmax(hit)]) if hit.any() else None


steps_to_target = Exercise(
    "Steps to a target accuracy (the paper's 'steps to 72.2%'): the first probed step with "
    "accuracy >= target",
    "steps and accuracy are 1-D numpy arrays of the same length (ints, increasing; floats in "
    "[0, 1]). Find the first position where accuracy >= target (np.flatnonzero or np.argmax "
    "on a boolean array) and return the step at that position as an int; return None if the "
    "target is never reached (as Run.steps_to does).",
    _steps_to_reference,
    cases=[
        (np.arange(0, 600, 100), np.array([0.1, 0.5, 0.85, 0.92, 0.9, 0.95]), 0.9),
        (np.arange(0, 300, 100), np.array([0.1, 0.5, 0.8]), 0.9),
        (np.array([0, 50, 100]), np.array([0.95, 0.2, 0.3]), 0.9),
        (np.arange(0, 400, 100), np.array([0.1, 0.9, 0.95, 0.97]), 0.9),  # reached at equality
    ],
    solution=_steps_to_solution,
)


def _paired_solution(without, with_bn):
    # one difference per seed: the two networks of a seed share init and mini-batches
    d = np.asarray(with_bn, float) - np.asarray(without, float)
    return np.array([d.mean(), np.mean(d > 0)])


def _paired_reference(without, with_bn):
    d = np.subtract(with_bn, without, dtype=float)
    return np.array([np.mean(d), np.count_nonzero(d > 0) / d.size])


paired_comparison = Exercise(
    "Paired over seeds: the mean of (with BN - without) and the share of seeds where BN is ahead",
    "Subtract seed by seed (with_bn[i] - without[i]); return [mean of the differences, fraction "
    "of the differences that are > 0] as one array.",
    _paired_reference,
    cases=[
        (np.array([0.90, 0.92, 0.91]), np.array([0.93, 0.93, 0.90])),
        (np.array([0.5, 0.6]), np.array([0.9, 0.95])),
    ],
    solution=_paired_solution,
)
