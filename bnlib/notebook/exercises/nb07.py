"""Exercises of 07_beyond_the_paper: which values share a statistic, LayerNorm by hand,
folding BN into a Linear layer, SyncBN's pooled variance, and which remedy fits which case."""

import numpy as np

from bnlib.inference import fold_into_linear
from bnlib.norms import layer_norm, sync_batch_stats
from bnlib.notebook.checks import Exercise

SHAPE = (8, 6, 4, 4)  # (N, C, H, W)
GROUPS = 3


def _counts_reference():
    x = np.zeros(SHAPE)
    n, c, h, w = SHAPE
    # values per mean: BN over (N, H, W); LN over (C, H, W); IN over (H, W); GN over (C/G, H, W)
    return [x.size // c, x.size // n, h * w, x.size // (n * GROUPS)]


def _counts_solution():
    return [8 * 4 * 4, 6 * 4 * 4, 4 * 4, (6 // 3) * 4 * 4]


values_per_statistic = Exercise(
    "How many values share one mean: BN, LayerNorm, InstanceNorm, GroupNorm (3 groups)?",
    "x has shape (N, C, H, W) = (8, 6, 4, 4). BN: one channel over all examples and positions; "
    "LayerNorm: one example over all channels and positions; InstanceNorm: one example and "
    "one channel; GroupNorm: one example and C/G channels.",
    _counts_reference,
    solution=_counts_solution,
)

_rng = np.random.default_rng(7)
LN_CASES = [(_rng.normal(3.0, 2.0, size=(5, 4)),), (_rng.exponential(1.0, size=(3, 10)),)]


def _layer_norm_solution(x, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)  # one mean per example (row), over its features
    var = x.var(axis=1, keepdims=True)  # biased, as in BN
    return (x - mu) / np.sqrt(var + eps)


layer_norm_by_hand = Exercise(
    "LayerNorm of an (N, C) batch, without gamma and beta",
    "Like BN's x_hat, but the mean and variance are taken over axis 1 (each example's own "
    "features), with keepdims=True so they broadcast; the biased variance (divide by C, "
    "np.var's default), as BN's 1/m; eps inside the square root.",
    lambda x: layer_norm(x),
    cases=LN_CASES,
    solution=_layer_norm_solution,
)


def _fold_case(seed, c_in, c_out):
    r = np.random.default_rng(seed)
    return (
        r.standard_normal((6, c_in)),  # u
        r.standard_normal((c_out, c_in)),  # weight
        r.standard_normal(c_out),  # bias
        r.uniform(0.5, 2.0, c_out),  # gamma
        r.standard_normal(c_out),  # beta
        r.standard_normal(c_out),  # mean
        r.uniform(0.5, 3.0, c_out),  # var
    )


FOLD_CASES = [_fold_case(1, 3, 2), _fold_case(2, 5, 4)]


def _folded_reference(u, weight, bias, gamma, beta, mean, var):
    w, b = fold_into_linear(weight, bias, gamma, beta, mean, var)
    return u @ w.T + b


def _folded_solution(u, weight, bias, gamma, beta, mean, var, eps=1e-5):
    s = gamma / np.sqrt(var + eps)  # BN in eval mode: y = s * h + (beta - s * mean)
    w_folded = weight * s[:, None]  # row j of W scaled by s_j
    b_folded = s * (bias - mean) + beta
    return u @ w_folded.T + b_folded


folded_layer = Exercise(
    "Fold an eval-mode BN into the Linear layer before it; return the folded layer's output",
    "BN in eval mode is y = s * h + (beta - s * mean) with s = gamma / sqrt(var + eps), and "
    "h = u W^T + b. Scale row j of W by s_j; the new bias is s * (b - mean) + beta.",
    _folded_reference,
    cases=FOLD_CASES,
    solution=_folded_solution,
)

SYNC_CASES = [
    (np.array([2, 2, 2]), np.array([[0.0], [1.0], [5.0]]), np.array([[1.0], [0.25], [4.0]])),
    (np.array([3, 1]), np.array([[1.0, -2.0], [2.0, 0.0]]), np.array([[0.5, 1.0], [0.0, 2.0]])),
]


def _pooled_var_solution(counts, means, variances):
    w = counts[:, None] / counts.sum()  # each device's share of the whole batch
    mean = (w * means).sum(axis=0)
    # within the devices + between their means
    return (w * variances).sum(axis=0) + (w * (means - mean) ** 2).sum(axis=0)


sync_variance = Exercise(
    "SyncBN: the whole batch's (biased) variance from each device's count, mean and variance",
    "Not the mean of the variances: add the spread of the device means around the pooled "
    "mean. Weight each device by its share of the examples, counts / counts.sum().",
    lambda counts, means, variances: sync_batch_stats(counts, means, variances)[1],
    cases=SYNC_CASES,
    solution=_pooled_var_solution,
)

SCENARIOS = "ABCD"
_REMEDY = (1, 2, 3, 4)  # 1 LayerNorm/GroupNorm, 2 SyncBN, 3 fold BN, 4 keep BN as it is


def _remedy_solution():
    return [
        1,  # A: 2 images at a time: BN's statistics come from two alike images, noisy and
        #      unlike the population's -> GroupNorm, which needs no batch
        2,  # B: 8 GPUs x 2 images: the whole batch of 16 is there, spread out -> SyncBN
        3,  # C: inference too slow -> fold BN into the layer before: a pass over the
        #      activations fewer, and plain conv layers for fused or quantised kernels
        4,  # D: batches of 256 on one machine: BN's statistics are fine
    ]


def _judge_remedy(answer) -> str | None:
    got = list(answer)
    if len(got) != len(SCENARIOS):
        return f"expected {len(SCENARIOS)} numbers, one per case A-D (got {len(got)})"
    if any(float(g) != int(g) or not 1 <= int(g) <= 4 for g in got):
        return f"each answer is a number from 1 to 4 (got {got})"
    wrong = [s for s, g, w in zip(SCENARIOS, got, _REMEDY, strict=True) if int(g) != w]
    return f"case {', '.join(wrong)} needs another remedy" if wrong else None


which_remedy = Exercise(
    "Which remedy fits each case?",
    "Ask: is there a batch at all at training time (no: a norm that needs none)? Is the batch "
    "there but spread over devices? Is the problem training or inference?",
    judge=_judge_remedy,
    solution=_remedy_solution,
)
