"""Input checks shared by bnlib's modules: clear errors, never a silent NaN.

Every message says what was expected and what was got.
"""

from __future__ import annotations

import numbers

import numpy as np


def float_array(x, name: str = "x") -> np.ndarray:
    """``x`` as a floating-point ndarray; ``TypeError`` for anything else."""
    if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case, fast
        return x
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{name} must be a floating-point array, e.g. float32 or float64 (got dtype "
            f"{x.dtype}); convert it with {name}.astype(np.float64)"
        )
    return x


def layout(x: np.ndarray, name: str = "x") -> tuple[int, ...]:
    """The axes statistics are taken over: every axis but 1 (channels)."""
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"expected 2D, 3D or 4D input (got {x.ndim}D input); "
            f"layout is (N, C), (N, C, L) or (N, C, H, W)"
        )
    return (0, *range(2, x.ndim))


def per_channel(v, channels: int, name: str, dtype) -> np.ndarray:
    """A ``(C,)`` vector (gamma, beta, mean, var) checked against ``channels``."""
    v = float_array(v, name)
    if v.shape != (channels,):
        raise ValueError(
            f"{name} must have one entry per channel (feature), shape ({channels},) "
            f"(got shape {v.shape})"
        )
    return v.astype(dtype, copy=False)


def eps_value(eps) -> float:
    if not np.isscalar(eps) or not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number >= 0 (got {eps!r})")
    return float(eps)


def inv_std(var: np.ndarray, eps) -> np.ndarray:
    """1 / sqrt(var + eps), refusing channels where var + eps is not > 0 (no silent inf/NaN)."""
    eps = eps_value(eps)
    var_eps = var + eps
    if not (var_eps > 0).all():
        bad = np.flatnonzero(~(var_eps > 0))
        raise ValueError(
            f"expected var + eps > 0 in every channel (got {var_eps[bad].tolist()} in "
            f"channel(s) {bad.tolist()}): a channel that is constant in the batch has "
            "variance 0, so eps = 0 divides by zero; use eps > 0"
        )
    return (1.0 / np.sqrt(var_eps)).astype(var.dtype)


def momentum_value(momentum, allow_none: bool = True, name: str = "momentum"):
    """A number in [0, 1] (``momentum`` or ``decay``), or None where that is allowed."""
    if momentum is None and allow_none:
        return None
    real = isinstance(momentum, numbers.Real) and not isinstance(momentum, bool)
    if not real or not 0.0 <= momentum <= 1.0:
        expected = "in [0, 1] or None" if allow_none else "in [0, 1]"
        raise ValueError(f"{name} must be {expected} (got {momentum!r})")
    return float(momentum)


class NonFiniteError(ValueError):
    """A batch statistic is NaN or inf: the input held NaN or inf, or overflowed (e.g.
    activations of a diverging network). A ValueError, so callers that catch those still do;
    ``bnlib.nn.train`` catches this one to report divergence as a result."""


def finite_stats(name: str, **stats: np.ndarray) -> None:
    """Raise ``NonFiniteError`` when a per-channel statistic is NaN or inf, naming the channels."""
    for stat, value in stats.items():
        if not np.isfinite(value).all():
            bad = np.flatnonzero(~np.isfinite(value))
            raise NonFiniteError(
                f"expected finite {name} (got a non-finite {stat} in channel(s) "
                f"{bad.tolist()}: {name} holds NaN or inf, or values too large for "
                f"{value.dtype}); clean or rescale it first"
            )


def same_shape(a: np.ndarray, b_shape: tuple[int, ...], name: str, ref: str) -> None:
    if a.shape != tuple(b_shape):
        raise ValueError(f"{name} must have the shape of {ref}, {tuple(b_shape)} (got {a.shape})")
