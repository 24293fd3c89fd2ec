"""Santurkar et al. (2018)'s "noisy BN": distributional instability added on purpose. numpy.

A ``NoisyShift`` layer goes where the activation's input is formed (after BN,
or after the Linear layer in a network without BN). At every training step it
draws, for each unit j, a shift mu_j ~ U(-0.5, 0.5) and a scale s_j ~ U(1, 1.25),
plus a small jitter per element, so the next layer sees a distribution that
moves from step to step however well BN fixed it: more internal covariate
shift by the distributional definition. (The paper's recipe in our reading;
the jitter's size is our choice.) ``noise_floor``: how far apart two draws of the
noise put the same layer input, the part of a measured drift that is noise alone.
"""

from __future__ import annotations

import numpy as np

from bnlib import _check
from bnlib.experiments.covariate_shift import summarize, w1_from_quantiles
from bnlib.nn.mlp import Activation, Net

MEAN_SHIFT = 0.5  # mu_j ~ U(-0.5, 0.5)
SCALE = (1.0, 1.25)  # s_j ~ U(1, 1.25)
JITTER = 0.1  # per element: + N(0, 0.1^2)


class NoisyShift:
    """y_ij = s_j x_ij + mu_j + jitter * xi_ij in training mode, s, mu drawn anew each call.

    Eval mode applies the expected map, y = E[s] x (the shift and jitter average
    to 0), as dropout does. No parameters. Backward: dl/dx = s_j dl/dy (the
    noise is a constant of the step). Shape: x (N, C) -> y (N, C).
    """

    weight = bias = None

    def __init__(self, *, mean_shift=MEAN_SHIFT, scale=SCALE, jitter=JITTER, seed=0):
        lo, hi = scale
        if not (0 < lo <= hi and mean_shift >= 0 and jitter >= 0):
            raise ValueError(
                "expected 0 < scale[0] <= scale[1], mean_shift >= 0 and jitter >= 0 "
                f"(got scale={scale!r}, mean_shift={mean_shift!r}, jitter={jitter!r})"
            )
        self.mean_shift, self.scale, self.jitter = float(mean_shift), (lo, hi), float(jitter)
        self.rng = np.random.default_rng(seed)
        self.training = True
        self._s = None

    def forward(self, x) -> np.ndarray:
        x = _check.float_array(x)
        if not self.training:
            self._s = np.full(x.shape[1], np.mean(self.scale), x.dtype)
            return x * self._s
        c = x.shape[1]
        self._s = self.rng.uniform(*self.scale, c).astype(x.dtype)  # (C,) this step's scales
        mu = self.rng.uniform(-self.mean_shift, self.mean_shift, c).astype(x.dtype)  # (C,)
        xi = self.rng.standard_normal(x.shape).astype(x.dtype)  # (N, C) per element
        return x * self._s + mu + self.jitter * xi

    __call__ = forward

    def backward(self, dy) -> np.ndarray:
        if self._s is None:
            raise RuntimeError("call forward(x) before backward(dy)")
        return dy * self._s

    def train(self, mode: bool = True):
        self.training = bool(mode)
        return self


def insert_noise(net: Net, *, seed: int = 0, **noise) -> Net:
    """``net`` with a ``NoisyShift`` before every Activation (after BN where there is one).

    The new Net shares the other layers with ``net`` (not copies). Each noise layer
    gets its own generator, seeded from ``seed``. Keyword arguments go to ``NoisyShift``.
    """
    seeds = np.random.SeedSequence(seed).spawn(len(net.layers))
    layers = []
    for layer, s in zip(net.layers, seeds, strict=True):
        if isinstance(layer, Activation):
            layers.append(NoisyShift(seed=s, **noise))
        layers.append(layer)
    return Net(*layers)


def noise_floor(x, *, pairs: int = 20, seed: int = 0, **noise) -> float:
    """The W1 distance between two draws of ``NoisyShift`` on the same x, as ``layer_drift``
    measures it (per unit, then the mean over units and ``pairs`` pairs of draws): what a
    probe of a noisy layer records from the noise alone, nothing else changed.

    Keyword arguments go to ``NoisyShift``. Shape: x (N, C), N >= 2. Returns a float.
    """
    x = _check.float_array(x)
    if x.ndim != 2 or len(x) < 2 or not isinstance(pairs, int) or pairs < 1:
        raise ValueError(
            f"expected x (N, C) with N >= 2 and pairs >= 1 (got x of shape "
            f"{x.shape} and pairs={pairs!r})"
        )
    layer = NoisyShift(seed=seed, **noise)
    # W1(noise(x), noise'(x)) per unit, averaged
    w1 = [
        w1_from_quantiles(summarize(layer(x)).quantiles, summarize(layer(x)).quantiles)
        for _ in range(pairs)
    ]
    return float(np.mean(w1))
