"""The loss landscape along the gradient, and ICS defined by gradients (Santurkar et al. 2018).

For a ``bnlib.mlp.Net`` and one batch (x, t):

- ``along_gradient``: step from the parameters theta by -eta * g for several
  eta; the loss there (its range: "loss variation"), the gradient's change
  ||g(theta - eta g) - g(theta)|| ("gradient predictiveness": small = the
  gradient stays a good guide), and that change per unit of distance, an
  "effective beta-smoothness" max_eta ||g(theta - eta g) - g|| / ||eta g||.
- ``gradient_shift``: layer i's weight gradient G before and G' after the
  earlier layers take their gradient step: ||G - G'|| and cos(G, G').

Every probe restores the parameters and BN's running statistics exactly. ``descend`` runs
full-batch gradient descent with both probes along the way, numpy's BLAS on one thread.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from bnlib.losses import mse
from bnlib.mlp import Linear, Net
from bnlib.train import sgd


def loss_and_grad(net: Net, x, t, loss_fn) -> tuple[float, np.ndarray]:
    """The loss on (x, t) and dl/dtheta for every parameter, flattened into one vector."""
    loss, dout = loss_fn(net.forward(x), t)
    net.backward(dout)
    return float(loss), np.concatenate([p.grad.ravel() for p in net.parameters()])


class _Restore:
    """Context: on exit, every parameter and every BN running statistic as on entry."""

    def __init__(self, net: Net):
        self.params = net.parameters()
        self.values = [p.value.copy() for p in self.params]
        self.stats = [(bn, bn.running_mean, bn.running_var, bn.num_batches_tracked)
                      for bn in net.bn_layers]  # fmt: skip

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p, v in zip(self.params, self.values, strict=True):
            p.value[...] = v
        for bn, mean, var, n in self.stats:
            bn.running_mean, bn.running_var, bn.num_batches_tracked = mean, var, n

    def move(self, flat_step: np.ndarray) -> None:
        """theta <- theta_entry + flat_step (one flat vector over all parameters)."""
        at = 0
        for p, v in zip(self.params, self.values, strict=True):
            p.value[...] = v + flat_step[at : at + v.size].reshape(v.shape)
            at += v.size


class Probe(NamedTuple):
    """Along -g from theta, for each eta (K,): loss, ||g(eta) - g||, that over ||eta g||."""

    loss: float  # at theta
    grad_norm: float  # ||g||
    losses: np.ndarray
    grad_change: np.ndarray
    smoothness: np.ndarray


def along_gradient(net: Net, x, t, loss_fn, etas) -> Probe:
    """The loss and gradient at theta - eta g for each step size in ``etas`` (K,)."""
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or not etas.size or np.any(~(etas > 0)):
        raise ValueError(f"etas must be a non-empty 1-D array of step sizes > 0 (got {etas!r})")
    with _Restore(net) as r:
        loss, g = loss_and_grad(net, x, t, loss_fn)
        losses, change = [], []
        for eta in etas:
            r.move(-eta * g)
            loss_eta, g_eta = loss_and_grad(net, x, t, loss_fn)
            losses.append(loss_eta)
            change.append(np.linalg.norm(g_eta - g))
    gn, change = float(np.linalg.norm(g)), np.array(change)
    # beta_eff = ||g(theta - eta g) - g(theta)|| / ||eta g||
    smooth = change / np.maximum(etas * gn, np.finfo(float).tiny)
    return Probe(loss, gn, np.array(losses), change, smooth)


class GradientShift(NamedTuple):
    """Layer i's weight gradient before (G) and after (G') the earlier layers' step."""

    change: float  # ||G - G'||
    relative: float  # ||G - G'|| / ||G||
    cosine: float  # G . G' / (||G|| ||G'||)


def gradient_shift(net: Net, x, t, loss_fn, lr: float, layer: int) -> GradientShift:
    """Santurkar et al.'s ICS: G = dl/dW_i at theta; G' after the layers before i step by -lr g.

    ``layer``: which Linear layer (0 = first, -1 = last), by position among the Linear layers.
    Only parameters of layers before it move (weights, biases, gamma, beta).
    """
    linears = [i for i, layer_ in enumerate(net.layers) if isinstance(layer_, Linear)]
    if not -len(linears) <= layer < len(linears):
        raise ValueError(f"layer must index one of the {len(linears)} Linear layers (got {layer})")
    target = net.layers[linears[layer]]
    with _Restore(net) as r:
        _, g = loss_and_grad(net, x, t, loss_fn)
        G = target.grad_weight.copy()
        before = np.concatenate([np.full(p.value.size, int(p.name.split(".")[0]) < linears[layer])
                                 for p in r.params])  # fmt: skip
        r.move(-lr * g * before)
        loss_and_grad(net, x, t, loss_fn)
        G2 = target.grad_weight.copy()
    d, n1, n2 = np.linalg.norm(G - G2), np.linalg.norm(G), np.linalg.norm(G2)
    return GradientShift(float(d), float(d / n1), float(np.sum(G * G2) / (n1 * n2)))


def one_blas_thread(fn):
    """Run fn with numpy's BLAS on one thread (restored afterwards)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(1):
            return fn(*args, **kwargs)

    return wrapper


class Descent(NamedTuple):
    """loss (T,) per step; per probe (P,): loss_range (max - min of the loss at theta and
    theta - eta g), grad_change (max ||g(theta - eta g) - g||), smoothness (max of that /
    ||eta g||); ics (P, 3) as ``gradient_shift``; diverged: training stopped early."""

    steps: np.ndarray
    loss: np.ndarray
    loss_range: np.ndarray
    grad_change: np.ndarray
    smoothness: np.ndarray
    ics: np.ndarray
    diverged: bool


@one_blas_thread
def descend(
    net, x, t, *, lr: float, steps: int, every: int, etas=None, ics_layer: int = 12,
) -> Descent:  # fmt: skip
    """Gradient descent on all of (x, t) with ``mse``, probing ``along_gradient`` at the step
    sizes ``etas`` (default: 0.5, 1, 2, 4 and 8 times lr) and ``gradient_shift`` of Linear
    layer ``ics_layer``."""
    etas = lr * np.array([0.5, 1, 2, 4, 8]) if etas is None else np.asarray(etas, np.float64)
    rows, ics, losses, diverged = [], [], [], False
    for k in range(steps // every + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
            p = along_gradient(net, x, t, mse, etas)
            ics.append(tuple(gradient_shift(net, x, t, mse, lr, ics_layer)))
        rows.append((np.ptp(np.r_[p.loss, p.losses]), p.grad_change.max(), p.smoothness.max()))
        if k == steps // every or not np.isfinite(p.loss):
            break
        r = sgd(net, x, t, mse, lr=lr, steps=every, batch_size=len(x))
        losses.append(r.loss)
        if r.diverged:
            diverged = True
            break
    rows = np.array(rows)
    return Descent(np.arange(len(rows)) * every, np.concatenate(losses), *rows.T,
                   np.array(ics), diverged)  # fmt: skip
