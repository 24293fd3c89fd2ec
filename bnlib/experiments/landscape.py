"""The loss landscape along the gradient, and ICS defined by gradients (Santurkar et al. 2018).

For a ``bnlib.nn.mlp.Net`` and one batch (x, t):

- ``along_gradient``: step from the parameters theta along -g, by -eta * g for
  several eta (Santurkar et al.'s recipe: the distance eta ||g|| grows with the
  gradient) or by the same distances d for every network (-d g / ||g||); the loss
  there (its range: "loss variation"), the gradient's change ||g(theta') - g(theta)||
  (Santurkar et al.'s "gradient predictiveness": small = the gradient stays a good
  guide), and that change per unit of distance, an "effective L-smoothness"
  max ||g(theta') - g|| / ||theta' - theta||.
- ``gradient_shift``: layer i's weight gradient G before and G' after the
  earlier layers take their gradient step: ||G - G'|| and cos(G, G').

Every probe restores the parameters and BN's running statistics exactly. ``descend`` runs
full-batch gradient descent with both probes along the way, numpy's BLAS on one thread;
``descend_seeds`` runs several networks together (``many_at_once.side_by_side``), each on its own.
A plain loss is computed as a ``Blockwise`` loss of one network, so each function has one body.
About 280 lines, over CONTRIBUTING's ~250: the two probes, the descent that runs them and
the restoring and per-network bookkeeping they share are one piece of work.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from bnlib.experiments.many_at_once.side_by_side import (
    BlockLinear,
    Blockwise,
    block_of,
    copy_back,
    inputs,
    side_by_side,
)
from bnlib.nn.losses import mse
from bnlib.nn.mlp import Linear, Net
from bnlib.nn.train import forward_backward


def loss_and_grad(net: Net, x, t, loss_fn) -> tuple[float | np.ndarray, np.ndarray]:
    """The loss on (x, t) and dl/dtheta for every parameter, flattened into one vector.

    With a ``Blockwise`` loss (S networks side by side), each network's loss, (S,).
    """
    if isinstance(loss_fn, Blockwise):
        loss, dout = loss_fn.per_block(net.forward(x), t)
    else:
        loss, dout = loss_fn(net.forward(x), t)
        loss = float(loss)
    net.backward(dout)
    return loss, np.concatenate([p.grad.ravel() for p in net.parameters()])


def _one_block(loss_fn, t):
    """A plain loss as a ``Blockwise`` loss of one network, its targets t gaining axis 1."""
    return Blockwise(loss_fn, 1), np.asarray(t)[:, None]


def _norms(v: np.ndarray, block: np.ndarray, blocks: int) -> np.ndarray:
    """||v restricted to each block||, (S,)."""
    return np.sqrt(np.bincount(block, v * v, minlength=blocks))


class _Restore:
    """Context: on exit, every parameter and every BN running statistic as on entry."""

    def __init__(self, net: Net):
        self.params = net.parameters()
        self.values = [p.value.copy() for p in self.params]
        stats = ("running_mean", "running_var", "num_batches_tracked")
        self.stats = [(bn, *(getattr(bn, a) for a in stats)) for bn in net.bn_layers]

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
    """Along -g from theta, for each probe step k (K,): the loss there, ||g(theta') - g||, that
    over the distance ||theta' - theta||, and the distance. For S networks side by side
    (a ``Blockwise`` loss) each entry has a last axis S: loss (S,), losses (K, S), ..."""

    loss: float  # at theta
    grad_norm: float  # ||g||
    losses: np.ndarray
    grad_change: np.ndarray
    smoothness: np.ndarray
    distance: np.ndarray


def _probe_steps(etas, distances) -> tuple[np.ndarray, bool]:
    if (etas is None) == (distances is None):
        got = f"got etas={etas!r} and distances={distances!r}"
        raise ValueError(f"give etas or distances, one of them ({got})")
    name, steps = ("etas", etas) if distances is None else ("distances", distances)
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or not steps.size or np.any(~(steps > 0)):
        raise ValueError(f"{name} must be a non-empty 1-D array of step sizes > 0 (got {steps!r})")
    return steps, distances is not None


def along_gradient(net: Net, x, t, loss_fn, etas=None, *, distances=None) -> Probe:
    """The loss and gradient at theta - eta g for each eta in ``etas`` (K,), or at
    theta - d g / ||g|| for each distance d in ``distances`` (K,): the same distances
    whatever the gradient's size. With a ``Blockwise`` loss, each network on its own
    (every entry with a last axis S)."""
    if not isinstance(loss_fn, Blockwise):
        blockwise, t1 = _one_block(loss_fn, t)
        return _one(along_gradient(net, x, t1, blockwise, etas, distances=distances))
    steps, by_distance = _probe_steps(etas, distances)
    blocks = loss_fn.blocks
    block = block_of(net, blocks)
    tiny = np.finfo(float).tiny
    with _Restore(net) as r:
        loss, g = loss_and_grad(net, x, t, loss_fn)
        gn = _norms(g, block, blocks)  # (S,)
        direction = g / np.maximum(gn, tiny)[block] if by_distance else g
        losses, change = [], []
        for step in steps:
            r.move(-step * direction)
            loss_step, g_step = loss_and_grad(net, x, t, loss_fn)
            losses.append(loss_step)
            change.append(_norms(g_step - g, block, blocks))
    dist = steps[:, None] * (np.ones(blocks) if by_distance else gn)  # (K, S): ||theta' - theta||
    change = np.array(change)
    # L_eff = ||g(theta') - g(theta)|| / ||theta' - theta||
    return Probe(loss, gn, np.array(losses), change, change / np.maximum(dist, tiny), dist)


def _one(result, s: int = 0):
    """Network s's part of a result whose entries have a last axis S (steps: shared)."""
    fields = zip(result._fields, result, strict=True)
    return type(result)(*(v[..., s] if np.ndim(v) and k != "steps" else v for k, v in fields))


class GradientShift(NamedTuple):
    """Layer i's weight gradient before (G) and after (G') the earlier layers' step."""

    change: float  # ||G - G'||
    relative: float  # ||G - G'|| / ||G||
    cosine: float  # G . G' / (||G|| ||G'||)


def gradient_shift(net: Net, x, t, loss_fn, lr: float, layer: int) -> GradientShift:
    """Santurkar et al.'s ICS: G = dl/dW_i at theta; G' after the layers before i step by -lr g.

    ``layer``: which Linear layer (0 = first, -1 = last), by position among the Linear layers.
    Only parameters of layers before it move (weights, biases, gamma, beta). With a
    ``Blockwise`` loss, each network's (S,).
    """
    if not isinstance(loss_fn, Blockwise):
        blockwise, t1 = _one_block(loss_fn, t)
        shift = gradient_shift(net, x, t1, blockwise, lr, layer)
        return GradientShift(*(float(v[0]) for v in shift))
    linears = [i for i, m in enumerate(net.layers) if isinstance(m, Linear | BlockLinear)]
    if not -len(linears) <= layer < len(linears):
        raise ValueError(f"layer must index one of the {len(linears)} Linear layers (got {layer})")
    target, blocks = net.layers[linears[layer]], loss_fn.blocks
    earlier = {id(m) for m in net.layers[: linears[layer]]}  # the layers before the target
    with _Restore(net) as r:
        _, g = loss_and_grad(net, x, t, loss_fn)
        G = target.grad_weight.reshape(blocks, -1).copy()
        moves = [np.full(p.value.size, id(p.layer) in earlier) for p in r.params]
        r.move(-lr * g * np.concatenate(moves))
        loss_and_grad(net, x, t, loss_fn)
        G2 = target.grad_weight.reshape(blocks, -1).copy()
    d, n1, n2 = (np.linalg.norm(v, axis=1) for v in (G - G2, G, G2))
    return GradientShift(d, d / n1, np.sum(G * G2, axis=1) / (n1 * n2))


def one_blas_thread(fn):
    """Run fn with numpy's BLAS on one thread (restored afterwards)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(1):
            return fn(*args, **kwargs)

    return wrapper


class Descent(NamedTuple):
    """loss (T,) per step; per probe (P,): loss_range (max - min of the loss at theta and the
    probe points), grad_change (max ||g(theta') - g||), smoothness (max of that over the
    distance), grad_norm (||g||); ics (P, 3) as ``gradient_shift`` (NaN without one);
    diverged: training stopped early (the loss overflowed or grew 1000-fold)."""

    steps: np.ndarray
    loss: np.ndarray
    loss_range: np.ndarray
    grad_change: np.ndarray
    smoothness: np.ndarray
    grad_norm: np.ndarray
    ics: np.ndarray
    diverged: bool


def edge_step(d: Descent, lr: float, level: float = 1.5):
    """The first probe step after step 0 where L * lr >= ``level`` (near the stability limit
    L = 2 / lr of gradient descent), or None if there is none."""
    near = np.flatnonzero(lr * d.smoothness[1:] >= level)
    return int(d.steps[1 + near[0]]) if near.size else None


@one_blas_thread
def descend(net, x, t, *, lr, steps, every, etas=None, distances=None, ics_layer=12) -> Descent:
    """Gradient descent on all of (x, t) with ``mse``, probing ``along_gradient`` at the step
    sizes ``etas`` (default: 0.5, 1, 2, 4 and 8 times lr) or at the same ``distances`` for
    every network, and ``gradient_shift`` of Linear layer ``ics_layer`` (None: skipped).
    ``steps=0``: one probe at the current parameters, no training."""
    loss_fn, t1 = _one_block(mse, t)
    probes = dict(etas=etas, distances=distances, ics_layer=ics_layer)
    return _one(_descent(net, x, t1, loss_fn, lr=lr, steps=steps, every=every, **probes))


@one_blas_thread
def descend_seeds(nets, xs, ts, *, lr, steps, every, etas=None, distances=None, ics_layer=12):
    """``descend`` for several networks of one shape (network s on (xs[s], ts[s])), run side
    by side as one wide network (``many_at_once.side_by_side``): faster, and each network's
    numbers are its own. The networks are trained in place. Training stops for all of them
    when one diverges. Returns one ``Descent`` per network."""
    nets = list(nets)
    wide, blocks = side_by_side(nets), len(nets)
    x, t = inputs(xs), np.stack(list(ts), axis=1)  # (N, S * in), (N, S, out)
    probes = dict(etas=etas, distances=distances, ics_layer=ics_layer)
    d = _descent(wide, x, t, Blockwise(mse, blocks), lr=lr, steps=steps, every=every, **probes)
    copy_back(wide, nets)
    return [_one(d, s) for s in range(blocks)]


def _descent(
    net, x, t, loss_fn: Blockwise, *, lr, steps, every, etas, distances, ics_layer, blowup=1e3
) -> Descent:
    """What ``descend`` and ``descend_seeds`` share: gradient descent on S networks side by
    side (one for ``descend``), every entry of the result with a last axis S."""
    if distances is None and etas is None:
        etas = lr * np.array([0.5, 1, 2, 4, 8])
    blocks = loss_fn.blocks
    params, rows, ics, losses, diverged = net.parameters(), [], [], [], False
    net.train()
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
        for k in range(steps // every + 1):
            p = along_gradient(net, x, t, loss_fn, etas, distances=distances)
            if ics_layer is None:
                ics.append(np.full((3, blocks), np.nan))
            else:
                ics.append(gradient_shift(net, x, t, loss_fn, lr, ics_layer))
            at = np.vstack([p.loss, p.losses])  # (K + 1, S)
            most = [p.grad_change.max(axis=0), p.smoothness.max(axis=0)]
            rows.append((np.ptp(at, axis=0), *most, p.grad_norm))
            if k == steps // every or not np.all(np.isfinite(p.loss)):
                break
            for _ in range(every):  # full-batch gradient descent
                step_losses = forward_backward(net, x, t, loss_fn.per_block)
                losses.append(np.broadcast_to(step_losses, (blocks,)))
                if not np.all(np.isfinite(step_losses)) or np.any(step_losses > blowup * losses[0]):
                    diverged = True
                    break
                for q in params:
                    q.value[...] -= lr * q.grad
            if diverged:
                break
    rows = np.array(rows)  # (P, 4, S)
    loss = np.array(losses).reshape(-1, blocks)
    steps_at = np.arange(len(rows)) * every
    return Descent(steps_at, loss, *rows.transpose(1, 0, 2), np.array(ics), diverged)
