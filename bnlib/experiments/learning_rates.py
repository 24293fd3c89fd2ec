"""Higher learning rates (paper §3.3, §4.2): variants named as the paper names them (BN-x5,
BN-x30), grouped by rate, and whether a run trained at all.

numpy only. Runs are ``bnlib.experiments.mnist_net.Run`` records (anything with their fields):
``config`` (``lr``, ``lr_invariant``, ``bn``, ``seed``), ``test_acc``, ``test_loss``,
``diverged_at``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

CHANCE = 0.15  # at most this test accuracy (10 balanced classes) counts as chance
UNIFORM_LOSS = float(np.log(10))  # the cross-entropy of a uniform guess over 10 classes


def times(m: float) -> str:
    """A learning-rate multiplier as the paper writes it: x5, x30; x8/3 for fractions."""
    f = Fraction(m).limit_denominator(10)
    if abs(float(f) - m) > 1e-9 * abs(m):
        return f"×{m:g}"
    return f"×{f.numerator}" if f.denominator == 1 else f"×{f.numerator}/{f.denominator}"


def rate_label(config, base_lr: float) -> str:
    """A network's learning rate as a multiple of ``base_lr``, "×5"; with a rate of its own for
    the weights before BN (``lr_invariant``), both: "×30 before BN, ×1 rest"."""
    rest = times(config.lr / base_lr)
    if config.lr_invariant is None:
        return rest
    return f"{times(config.lr_invariant / base_lr)} before BN, {rest} rest"


def by_rate(runs, base_lr: float) -> dict[tuple[bool, str], list]:
    """Runs grouped by (BN, ``rate_label``): without BN first, then by the rate of the weights
    before BN, variants with split rates last; each group's runs by seed."""
    groups: dict = {}
    for r in runs:
        groups.setdefault((r.config.bn, rate_label(r.config, base_lr)), []).append(r)

    def order(key):
        c = groups[key][0].config
        split = c.lr_invariant is not None
        return (c.bn, split, c.lr if c.lr_invariant is None else c.lr_invariant, c.lr)

    return {k: sorted(groups[k], key=lambda r: r.config.seed) for k in sorted(groups, key=order)}


def _no_better_than_chance(acc, loss, level: float) -> np.ndarray:
    # accuracy at chance, or a loss no lower than a uniform guess (NaN counts as not lower)
    return (np.asarray(acc) <= level) | ~(np.asarray(loss) < UNIFORM_LOSS)


def at_chance(run, level: float = CHANCE) -> bool:
    """No better than chance at every probe after step 0: test accuracy at most ``level``, or a
    test loss no lower than ln 10, what a uniform guess scores (NaN too). A network that answers
    one class for every digit scores exactly 10% (the classes are balanced); one whose outputs
    have blown up scatters around it, with a huge loss."""
    return bool(np.all(_no_better_than_chance(run.test_acc[1:], run.test_loss[1:], level)))


def broken(run, level: float = CHANCE) -> bool:
    """Training went nowhere: a NaN loss, or no better than chance (``at_chance``'s rule) at the
    last probe."""
    end = _no_better_than_chance(run.test_acc[-1:], run.test_loss[-1:], level)
    return run.diverged_at is not None or bool(end[0])
