"""Small generated tasks for the notebooks (no downloads): 2-D classification and
a regression whose best gamma, beta are known in closed form.
"""

from __future__ import annotations

import numpy as np


def _n(n) -> int:
    if not isinstance(n, int | np.integer) or n < 4:
        raise ValueError(f"n must be an integer >= 4 (got {n!r})")
    return int(n)


def standard_sample(n: int = 2000, *, seed: int = 0) -> np.ndarray:
    """n normal draws rescaled to mean exactly 0 and std exactly 1 (biased): (n, 1).

    What BN's x_hat is for one feature of a batch of n, so figures can show gamma and
    beta acting on it without the sample's own small offset and spread.
    """
    z = np.random.default_rng(seed).standard_normal((_n(n), 1))
    return (z - z.mean()) / z.std()


def xor(n: int = 400, *, noise: float = 0.35, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at (+-1, +-1); label 1 where x1 * x2 > 0 (the blob's sign).

    Returns x (n, 2) float64 and labels (n,) in {0., 1.}. The label of x and -x
    is the same: the task is even, so no odd function of x can fit it.
    """
    n, rng = _n(n), np.random.default_rng(seed)
    centres = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    k = np.arange(n) % 4
    x = centres[k] + noise * rng.standard_normal((n, 2))
    return x, (k < 2).astype(float)


def spirals(n: int = 400, *, turns: float = 1.5, noise: float = 0.1, seed: int = 0):
    """Two interleaved spirals, one per class; spiral 1 is spiral 0 turned by 180 degrees.

    Returns x (n, 2) and labels (n,) in {0., 1.}; radius grows from 0.1 to 2.
    """
    n, rng = _n(n), np.random.default_rng(seed)
    k = np.arange(n) % 2
    s = rng.uniform(0, 1, n)
    r, angle = 0.1 + 1.9 * s, 2 * np.pi * turns * s + np.pi * k
    x = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return x + noise * rng.standard_normal((n, 2)), k.astype(float)


def disk(n: int = 400, *, radius: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(0, I_2); label 1 inside the circle |x| < radius (1 - exp(-radius^2 / 2) of x).

    Like XOR, the label of x and -x is the same (even), but the classes are unequal:
    39 % in class 1 for radius 1. Returns x (n, 2) float64 and labels (n,) in {0., 1.}.
    """
    n, rng = _n(n), np.random.default_rng(seed)
    if not (np.isscalar(radius) and np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a finite number > 0 (got {radius!r})")
    x = rng.standard_normal((n, 2))
    return x, (np.hypot(x[:, 0], x[:, 1]) < radius).astype(float)


def shifted_scaled_targets(
    n: int = 512, *, mean=(2.0, -1.5), std=(3.0, 0.5), noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """x ~ N(0, I_2) and targets t_k = mean_k + std_k * (u_k . x) + noise, u_k unit vectors.

    A model y = BN(x W^T) can match t only if gamma_k ~ std_k and beta_k ~ mean_k:
    the best gamma, beta are far from their initial (1, 0). Returns x (n, 2), t (n, K).
    """
    n, rng = _n(n), np.random.default_rng(seed)
    mean, std = np.asarray(mean, float), np.asarray(std, float)
    if mean.shape != std.shape or mean.ndim != 1:
        raise ValueError(f"mean and std must be 1-D of one length (got {mean.shape}, {std.shape})")
    angles = np.linspace(0.3, 0.3 + np.pi / 2, len(mean))  # one direction per target
    u = np.column_stack([np.cos(angles), np.sin(angles)])  # (K, 2)
    x = rng.standard_normal((n, 2))
    t = mean + std * (x @ u.T) + noise * rng.standard_normal((n, len(mean)))
    return x, t


def best_gamma_beta(x, t) -> tuple[np.ndarray, np.ndarray, float]:
    """Optimal gamma, beta of y = BN(x W^T) for least squares (eps -> 0), and the least loss.

    The best affine fit of t_k on x is beta + gamma * x_hat with beta = mean(t_k)
    and gamma = std of the fitted values (x_hat standardises the fitted direction);
    the loss 1/(2N) sum ||t - fit||^2 (``mlp.mse``) cannot go lower. Returns (C,), (C,), float.
    """
    x1 = np.column_stack([x, np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(x1, t, rcond=None)
    fitted = x1 @ coef
    return fitted.std(axis=0), t.mean(axis=0), 0.5 * float(np.sum((t - fitted) ** 2)) / len(t)


def angle_to_best(w, x, t) -> np.ndarray:
    """Degrees between each row w_k of W (K, D) and the best direction for target k.

    The best direction is the least-squares slope of t_k on x (what BN(x w_k) scaled by
    gamma_k can fit). BN with gamma of either sign fits +w_k and -w_k alike, so the
    angle is taken between lines: 0 to 90 degrees. Returns (K,).
    """
    w, x = np.atleast_2d(np.asarray(w, float)), np.asarray(x, float)
    t = np.asarray(t, float).reshape(len(x), -1)
    if w.shape != (t.shape[1], x.shape[1]):
        raise ValueError(f"expected W of shape {(t.shape[1], x.shape[1])} (got {w.shape})")
    if not np.all(np.linalg.norm(w, axis=1) > 0):
        raise ValueError("expected every row of W to be non-zero: a zero row has no direction")
    coef, *_ = np.linalg.lstsq(np.column_stack([x, np.ones(len(x))]), t, rcond=None)
    best = coef[:-1].T  # (K, D): each target's slope on x
    # cos = |w_k . b_k| / (|w_k| |b_k|)
    norms = np.linalg.norm(w, axis=1) * np.linalg.norm(best, axis=1)
    cos = np.abs(np.sum(w * best, axis=1)) / norms
    return np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))


def grid(x, steps: int = 150, margin: float = 0.3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A steps x steps grid covering the 2-D points x: (xx, yy, points (steps^2, 2))."""
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def binary_accuracy(logits, labels) -> float:
    """Fraction of examples where logit > 0 agrees with label 1."""
    return float(np.mean((np.ravel(logits) > 0) == (np.ravel(labels) > 0.5)))


def linear_map(n: int = 1000, d: int = 10, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random linear map to fit: x ~ N(0, I_d), t = x A^T with A (d, d) ~ N(0, 1).

    Santurkar et al. (2018)'s deep-linear-network task. Returns x (n, d), t (n, d) float64.
    """
    n, rng = _n(n), np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    a = rng.standard_normal((d, d))
    return x, x @ a.T
