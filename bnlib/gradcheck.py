"""Numerical gradients by central differences, to check analytic backward passes.

Use float64: with h = 1e-5 the central difference has error O(h^2) and a
correct backward pass agrees to a relative error of about 1e-9.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bnlib import _check


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], x, dy=None, h: float = 1e-5):
    """d(sum(f(x) * dy))/dx by central differences, one entry of x at a time.

    (f(x + h e_i) - f(x - h e_i)) / 2h, dotted with the upstream gradient dy
    (ones when None, i.e. the gradient of sum(f(x))). ``f`` may return a
    scalar or an array; it is called with a float64 copy of ``x``, which is
    perturbed in place, so ``x`` itself is never modified.
    Returns an array like x.
    """
    x = _check.float_array(x).astype(np.float64)  # a float64 copy: the caller's x stays as it is
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = np.asarray(f(x), dtype=np.float64)
        x[i] = old - h
        fm = np.asarray(f(x), dtype=np.float64)
        x[i] = old
        w = np.ones_like(fp) if dy is None else np.asarray(dy, dtype=np.float64)
        grad[i] = np.sum((fp - fm) * w) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    """Relative error ||a - b|| / (||a|| + ||b||) (0 when both are zero).

    Norms over whole arrays, so entries near zero do not inflate the error
    the way an elementwise ratio does.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape (got {a.shape} and {b.shape})")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
