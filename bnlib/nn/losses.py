"""Losses for ``bnlib.nn.mlp`` networks: each returns (loss, dl/dpred), averaged over the batch."""

from __future__ import annotations

import numpy as np

from bnlib import _check
from bnlib.nn.activations import sigmoid


def _pair(pred, target, name: str):
    """pred (N, K) and target as the same shape ((N,) is taken as (N, 1))."""
    pred = _check.float_array(pred, "pred")
    target = np.asarray(target, dtype=pred.dtype)
    if target.ndim == 1 and pred.ndim == 2 and pred.shape[1] == 1:
        target = target[:, None]
    if pred.ndim != 2 or target.shape != pred.shape:
        raise ValueError(
            f"{name}: expected pred (N, K) and target of the same shape "
            f"(got {pred.shape} and {target.shape})"
        )
    return pred, target


def mse(pred, target) -> tuple[float, np.ndarray]:
    """l = 1/(2N) sum_i ||pred_i - target_i||^2, and dl/dpred = (pred - target) / N."""
    pred, target = _pair(pred, target, "mse")
    r = pred - target
    return 0.5 * float(np.sum(r * r)) / len(r), r / len(r)


def bce_with_logits(logits, labels) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of sigmoid(logits) against 0/1 labels, mean over N.

    l = mean(log(1 + e^z) - y z) (stable form); dl/dz = (sigmoid(z) - y) / N. Shape: (N, 1).
    """
    z, y = _pair(logits, labels, "bce_with_logits")
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(loss.mean()), (sigmoid(z) - y) / len(z)


def cross_entropy(logits, labels) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy against integer class labels, mean over N (torch's F.cross_entropy).

    l = mean_i(logsumexp(z_i) - z_i[y_i]); dl/dz = (softmax(z) - onehot(y)) / N.
    Shape: z (N, K), y (N,) integers.
    """
    z = _check.float_array(logits, "logits")
    y = np.asarray(labels)
    if z.ndim != 2 or y.shape != (len(z),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"cross_entropy: expected logits (N, K) and integer labels (N,) "
            f"(got {z.shape} and {y.dtype} {y.shape})"
        )
    if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
        raise ValueError(
            f"labels must be class numbers 0..{z.shape[1] - 1} (got {y.min()}..{y.max()})"
        )
    zc = z - z.max(axis=1, keepdims=True)  # shifted: exp never overflows
    log_p = zc - np.log(np.exp(zc).sum(axis=1, keepdims=True))  # log softmax
    rows = np.arange(len(z))
    grad = np.exp(log_p)
    grad[rows, y] -= 1
    return float(-log_p[rows, y].mean()), grad / len(z)
