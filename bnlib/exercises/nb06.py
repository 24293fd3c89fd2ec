"""Exercises of 06_paper_experiments: the quoted table, why BN allows larger learning rates,
steps to a target, and a paired comparison over seeds."""

import numpy as np

from bnlib.checks import Exercise
from bnlib.functional import batch_norm_backward, batch_norm_train
from bnlib.paper import IMAGENET, fewer_steps


def _table_solution():
    # Inception needs 31.0M steps to reach 72.2%, BN-x5 2.1M
    return 31.0e6 / 2.1e6


def _imagenet_reference():
    rows = {r.model: r for r in IMAGENET}
    return fewer_steps(rows["Inception"].steps_to_722, rows["BN-x5"].steps_to_722)


fewer_steps_x5 = Exercise(
    "From the quoted table: how many times fewer steps does BN-x5 need than Inception?",
    "Divide Inception's steps to 72.2% by BN-x5's (both in millions). The paper rounds the "
    "answer down to '14 times'; give the exact ratio.",
    _imagenet_reference,
    solution=_table_solution,
    rtol=1e-3,
)


def _scale_reference(a: float = 10.0, seed: int = 0):
    """|dL/dW| for BN(x (aW)) over |dL/dW| for BN(x W), the same x and upstream gradient."""
    rng = np.random.default_rng(seed)
    x, w, dy = (
        rng.standard_normal((64, 8)),
        rng.standard_normal((8, 5)),
        rng.standard_normal((64, 5)),
    )

    def grad_w(scale):
        _, cache = batch_norm_train(x @ (scale * w), None, None)
        return x.T @ batch_norm_backward(dy, cache)[0]  # dL/dW = x^T dL/dz

    return np.linalg.norm(grad_w(a)) / np.linalg.norm(grad_w(1.0))


def _scale_solution():
    # BN(x (aW)) = BN(x W), and dBN/d(aW) = (1/a) dBN/dW: ten times the weights, a tenth of
    # the gradient (paper §3.3)
    return 1 / 10


scale_invariance = Exercise(
    "With BN after a layer, its weights W become 10 W: by what factor does dL/dW change?",
    "BN(x (aW)) = BN(x W): the output, and so dL/dy, do not change. But z = x (aW) is a times "
    "larger and BN divides by its std, so dL/dz, and with it dL/dW = x^T dL/dz, is 1/a times "
    "smaller (paper §3.3). Larger weights get smaller gradients.",
    _scale_reference,
    solution=_scale_solution,
    rtol=1e-3,
)


def _steps_to_solution(steps, accuracy, target):
    # the first probed step whose accuracy reaches the target; -1 if none does
    reached = np.flatnonzero(np.asarray(accuracy) >= target)
    return int(np.asarray(steps)[reached[0]]) if reached.size else -1


def _steps_to_reference(steps, accuracy, target):
    hit = np.asarray(accuracy) >= target
    return int(np.asarray(steps)[np.argmax(hit)]) if hit.any() else -1


steps_to_target = Exercise(
    "Steps to a target accuracy (the paper's 'steps to 72.2%')",
    "Find the first position where accuracy >= target (np.flatnonzero or np.argmax on a "
    "boolean array) and return the step at that position; return -1 if the target is never "
    "reached.",
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
