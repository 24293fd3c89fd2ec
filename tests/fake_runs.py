"""Runs with known answers for the ICS analysis and its figures: each unit's z is Gaussian,
N(mean, sigma^2), recorded by its exact quantiles, so every W1 drift has a closed form.

W1 between N(m, s^2) and N(m, t^2), measured on the 20 midpoint quantiles that bnlib keeps,
is |s - t| * K with K = mean |Phi^-1(q_i)| (about 0.78): ``w1_of_sigma_change``.
"""

import numpy as np
from scipy.stats import norm

from bnlib.experiments.covariate_shift import Summary
from bnlib.experiments.ics import Traced
from bnlib.experiments.mnist_net import NetConfig, Run

LEVELS = (np.arange(20) + 0.5) / 20  # the quantile levels bnlib keeps per unit
K = float(np.mean(np.abs(norm.ppf(LEVELS))))  # W1 per unit change of sigma


def w1_of_sigma_change(s, t):
    """W1 between N(m, s^2) and N(m, t^2) on the 20 midpoint quantiles."""
    return abs(t - s) * K


def fake_run(acc, sigma, mean=0.0, lr=1.0, bn=False, loss=None, every=100, **config):
    """A Run with P = len(acc) probes of 3 layers x 4 units; ``sigma`` and ``mean`` (P,), or
    anything that broadcasts to (P, 3, 4), give each unit's z ~ N(mean, sigma^2)."""
    p = len(acc)
    shape = (p, 3, 4)

    def per_unit(v):
        v = np.asarray(v, float)
        return np.broadcast_to(v.reshape(p, 1, 1) if v.shape == (p,) else v, shape)

    sigma, mean = per_unit(sigma), per_unit(mean)
    q = mean[..., None] + sigma[..., None] * norm.ppf(LEVELS)
    pct = mean[..., None] + sigma[..., None] * norm.ppf([0.15, 0.5, 0.85])
    loss = np.linspace(2.3, 1.0, p) if loss is None else np.asarray(loss, float)
    cfg = NetConfig(lr=lr, bn=bn, **config)
    z = Summary(mean.copy(), sigma.copy(), pct, q)
    return Run(cfg, np.arange(p) * every, loss, np.asarray(acc, float), np.ones(every * (p - 1)), z)


def traced(run, held):
    """A Traced record whose cross z (the layer's old parameters on its new input) is
    ``held``: "then" (only the layer's own parameters moved: the cross z is the old z) or
    "now" (only its input moved: the cross z is the new z)."""
    cut = slice(None, -1) if held == "then" else slice(1, None)
    return Traced(run, Summary(*(a[cut] for a in run.z)))
