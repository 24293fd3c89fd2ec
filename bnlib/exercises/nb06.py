"""Exercises of 06_paper_experiments: the quoted table, why deep sigmoid networks without BN
do not train, steps to a target, and a paired comparison over seeds."""

import numpy as np

from bnlib.checks import Exercise
from bnlib.paper import IMAGENET, fewer_steps
from bnlib.shift import propagate, unit_weights

HALF_UNIT = 0.05e6  # the table's step counts are rounded to 0.1M


def _table_solution():
    # 31.0M means 30.95M to 31.05M, 2.1M means 2.05M to 2.15M: the ratio is smallest with the
    # smallest numerator over the largest denominator, and largest the other way round
    return np.array([30.95 / 2.15, 31.05 / 2.05])


def _imagenet_reference():
    rows = {r.model: r for r in IMAGENET}
    base, x5 = rows["Inception"].steps_to_722, rows["BN-x5"].steps_to_722
    return np.array([fewer_steps(base - HALF_UNIT, x5 + HALF_UNIT),
                     fewer_steps(base + HALF_UNIT, x5 - HALF_UNIT)])  # fmt: skip


fewer_steps_x5 = Exercise(
    "Inception's 31.0M and BN-x5's 2.1M steps are rounded to 0.1M: which range of 'times "
    "fewer steps' do they allow?",
    "31.0M stands for anything from 30.95M to 31.05M, 2.1M for 2.05M to 2.15M. The smallest "
    "ratio divides the smallest numerator by the largest denominator; the largest, the other "
    "way round. Answer np.array([smallest, largest]), one decimal is enough.",
    _imagenet_reference,
    solution=_table_solution,
    rtol=5e-3,
)


def _shrink_reference(depth: int = 9, seed: int = 0):
    """sigma_B(layer l+1) / sigma_B(layer l) of the paper's sigmoid MLP (std 0.01) at init,
    the median over layers 2..depth-1, for normalised test digits (float64)."""
    from bnlib.data import load_mnist, normalize_input

    x = normalize_input(load_mnist()).x_test[:256].astype(np.float64)
    p = propagate(x, unit_weights((784,) + (100,) * depth, seed), "sigmoid", "gaussian")
    return float(np.median(p.std[2:] / p.std[1:-1]))


def _shrink_solution():
    # z = W h: the digits' spread in h is multiplied by about std * sqrt(fan_in) = 0.01 * 10;
    # the sigmoid's slope near 0 is 1/4
    return 0.01 * np.sqrt(100) * 0.25


sigmoid_shrink = Exercise(
    "Without BN (weights of std 0.01, 100 units a layer): the ratio sigma_B(layer l+1) / "
    "sigma_B(layer l) of the inputs of two consecutive sigmoid layers at step 0",
    "Deep in the network the sigmoids' inputs sit near 0, where the slope is 1/4. A layer "
    "z = W h multiplies the spread of h by about std x sqrt(fan_in) = 0.01 x sqrt(100). "
    "Multiply the two.",
    _shrink_reference,
    solution=_shrink_solution,
    rtol=0.05,
)


def _steps_to_solution(steps, accuracy, target):
    # the first probed step whose accuracy reaches the target; None if none does
    reached = np.flatnonzero(np.asarray(accuracy) >= target)
    return int(np.asarray(steps)[reached[0]]) if reached.size else None


def _steps_to_reference(steps, accuracy, target):
    hit = np.asarray(accuracy) >= target
    return int(np.asarray(steps)[np.argmax(hit)]) if hit.any() else None


steps_to_target = Exercise(
    "Steps to a target accuracy (the paper's 'steps to 72.2%')",
    "Find the first position where accuracy >= target (np.flatnonzero or np.argmax on a "
    "boolean array) and return the step at that position; return None if the target is "
    "never reached (as Run.steps_to does).",
    _steps_to_reference,
    cases=[
        (np.arange(0, 600, 100), np.array([0.1, 0.5, 0.85, 0.92, 0.9, 0.95]), 0.9),
        (np.arange(0, 300, 100), np.array([0.1, 0.5, 0.8]), 0.9),
        (np.array([0, 50, 100]), np.array([0.95, 0.2, 0.3]), 0.9),
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
