"""What holds on any CPU: claim checks, and the switch that disturbs rounding on purpose.

Float rounding differs between CPUs and BLAS kernels, and training amplifies
the last bit into visibly different numbers. So a notebook states a training
result only in a form that survives that (a comparison that is not close, a
count over seeds with margin, a coarse range) and checks it right where the
prose makes it: ``claim(...)`` shows "✓ <the sentence>" when it holds and
raises ``ClaimFailed`` (with what was measured) when this machine disagrees.

``BNLIB_DISTURB=<relative size>`` (e.g. ``1e-6``) makes every seeded initial
weight in bnlib come out multiplied by ``1 + size * u``, ``u ~ U(-1, 1)``:
what another CPU's kernels do to a run after its first steps, done at step 0.
``make test`` executes every notebook once more with it set (README,
"Portable results").
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

DISTURB_ENV = "BNLIB_DISTURB"
_MAX_DISTURB = 1e-3  # above this it is no longer rounding noise but another init


class ClaimFailed(AssertionError):
    """A sentence of a notebook's prose does not hold on this machine."""


@dataclass(frozen=True)
class Claim:
    """A checked sentence; its repr is what the notebook shows."""

    statement: str

    def __repr__(self) -> str:
        return f"✓ {self.statement}"


class Claims(tuple):
    """Several checked sentences, shown one per line."""

    def __repr__(self) -> str:
        return "\n".join(repr(c) for c in self)


def claim(holds, statement: str, measured: str = "") -> Claim:
    """Check one sentence of the prose: return it when ``holds``, else raise ``ClaimFailed``.

    Args:
        holds: the check, a bool (numpy bools too); anything else is a TypeError,
            so a forgotten comparison cannot pass silently.
        statement: the sentence as the prose states it.
        measured: what was measured, for the error message (not shown on success,
            since its digits may depend on rounding).
    """
    if not isinstance(holds, bool | np.bool_):
        raise TypeError(f"claim: expected a bool for 'holds' (got {type(holds).__name__})")
    if not statement.strip():
        raise ValueError("claim: expected the sentence being checked (got an empty statement)")
    if not holds:
        detail = f" (measured: {measured})" if measured else ""
        raise ClaimFailed(f"does not hold on this machine: {statement}{detail}")
    return Claim(statement)


def between(value: float, low: float, high: float, statement: str) -> Claim:
    """``claim(low <= value <= high, ...)``: a coarse range that rounding cannot cross."""
    if not low < high:
        raise ValueError(f"between: expected low < high (got {low} and {high})")
    value = float(value)
    return claim(bool(low <= value <= high), statement, f"{value:.6g}, not in [{low}, {high}]")


def at_least(flags, k: int, statement: str) -> Claim:
    """``claim(sum(flags) >= k, ...)``: a count over seeds (or runs) with margin."""
    flags = np.asarray(flags, dtype=bool).ravel()
    if not 0 < k <= flags.size:
        raise ValueError(f"at_least: expected 1 <= k <= {flags.size} (got k = {k})")
    n = int(flags.sum())
    return claim(bool(n >= k), statement, f"{n} of {flags.size}, needed {k}")


def claims(*items: Claim) -> Claims:
    """Show several checked sentences together (each already checked)."""
    for item in items:
        if not isinstance(item, Claim):
            raise TypeError(f"claims: expected Claim objects (got {type(item).__name__})")
    return Claims(items)


def disturbance() -> float:
    """The relative size set by ``BNLIB_DISTURB`` (0.0 when unset or empty)."""
    raw = os.environ.get(DISTURB_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        size = float(raw)
    except ValueError:
        raise ValueError(f"{DISTURB_ENV}: expected a number such as 1e-6 (got {raw!r})") from None
    if not 0.0 <= size <= _MAX_DISTURB:
        raise ValueError(f"{DISTURB_ENV}: expected a size in [0, {_MAX_DISTURB}] (got {raw})")
    return size


def disturbed(w):
    """``w * (1 + size * u)`` with ``u ~ U(-1, 1)`` fixed by w's shape; ``w`` itself when off.

    Works on numpy arrays and torch tensors alike (dtype kept); called by every
    seeded initialiser in bnlib, after it has drawn its weights.
    """
    size = disturbance()
    if size == 0.0:
        return w
    shape = tuple(w.shape)
    u = np.random.default_rng([0xB0, len(shape), *shape]).uniform(-1.0, 1.0, shape)
    factor = 1.0 + size * u
    if isinstance(w, np.ndarray):
        return (w * factor).astype(w.dtype, copy=False)
    return w * w.new_tensor(factor)  # a torch tensor: same dtype and device
