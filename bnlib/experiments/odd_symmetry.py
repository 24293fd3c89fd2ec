"""The symmetry that defeats β = 0 on XOR (lab 03a): with β frozen at 0, data symmetric
about 0 and BN using their statistics, a sigmoid network's logit is c + f(x), f odd.

Split any logit q into its even part (q(x) + q(-x)) / 2, which is the constant c for such
a network, and its odd part (q(x) - q(-x)) / 2 = f(x); compare with the best constant.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def even_odd_parts(q: Callable, x) -> tuple[np.ndarray, np.ndarray]:
    """(even, odd) parts of the logit q at the points x: q(x) = even + odd.

    Args: q maps (N, D) points to N logits (or (N, 1)); x (N, D).
    Returns two (N,) arrays: (q(x) + q(-x)) / 2 and (q(x) - q(-x)) / 2.
    """
    x = np.asarray(x, dtype=float)
    here, mirror = (np.ravel(q(v)) for v in (x, -x))
    return (here + mirror) / 2, (here - mirror) / 2


def best_constant(labels) -> tuple[float, float, float]:
    """The best constant logit for 0/1 labels under cross-entropy, and how it does.

    Returns (logit log(s / (1 - s)), accuracy max(s, 1 - s), loss -(s log s + (1-s) log(1-s)))
    with s the share of class 1 (0 < s < 1).
    """
    s = float(np.mean(np.ravel(labels) > 0.5))
    if not 0 < s < 1:
        raise ValueError(f"expected both classes among the labels (got a class-1 share of {s})")
    loss = -(s * np.log(s) + (1 - s) * np.log(1 - s))  # the labels' entropy
    return float(np.log(s / (1 - s))), max(s, 1 - s), float(loss)
