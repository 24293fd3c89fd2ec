"""The loss landscape along the gradient, and ICS defined by gradients (Santurkar et al. 2018).

For a ``bnlib.nn.mlp.Net`` and one batch (x, t):

- ``along_gradient``: step from the parameters theta along -g, by -eta * g for
  several eta (Santurkar et al.'s recipe: the distance eta ||g|| grows with the
  gradient) or by the same distances d for every network (-d g / ||g||); the loss
  there (its range: "loss variation"), the gradient's change ||g(theta') - g(theta)||
  (Santurkar et al.'s "gradient predictiveness": small = the gradient stays a good
  guide), and that change per unit of distance, an "effective beta-smoothness"
  max ||g(theta') - g|| / ||theta' - theta||.
- ``gradient_shift``: layer i's weight gradient G before and G' after the
  earlier layers take their gradient step: ||G - G'|| and cos(G, G').

Every probe restores the parameters and BN's running statistics exactly. ``descend`` runs
full-batch gradient descent with both probes along the way, numpy's BLAS on one thread;
``descend_seeds`` runs several networks together (``many_at_once.side_by_side``), each on its own.
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
from bnlib.nn.train import _step


def loss_and_grad(net: Net, x, t, loss_fn) -> tuple[float, np.ndarray]:
    """The loss on (x, t) and dl/dtheta for every parameter, flattened into one vector."""
    losses, g = _losses_and_grad(net, x, t, _per_block(loss_fn))
    return float(losses.sum()), g


def _per_block(loss_fn):
    """(pred, t) -> (the loss of each network (S,), dl/dpred); S = 1 for a plain loss."""
    if isinstance(loss_fn, Blockwise):
        return loss_fn.per_block

    def one(pred, t):
        loss, grad = loss_fn(pred, t)
        return np.array([loss]), grad

    return one


def _blocks(loss_fn) -> int:
    return loss_fn.blocks if isinstance(loss_fn, Blockwise) else 1


def _losses_and_grad(net: Net, x, t, per_block) -> tuple[np.ndarray, np.ndarray]:
    losses, dout = per_block(net.forward(x), t)
    net.backward(dout)
    return losses, np.concatenate([p.grad.ravel() for p in net.parameters()])


def _norms(v: np.ndarray, block: np.ndarray, blocks: int) -> np.ndarray:
    """||v restricted to each block||, (S,)."""
    return np.sqrt(np.bincount(block, v * v, minlength=blocks))


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
        raise ValueError(f"give etas or distances, one of them (got etas={etas!r} and "
                         f"distances={distances!r})")  # fmt: skip
    name, steps = ("etas", etas) if distances is None else ("distances", distances)
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or not steps.size or np.any(~(steps > 0)):
        raise ValueError(f"{name} must be a non-empty 1-D array of step sizes > 0 (got {steps!r})")
    return steps, distances is not None


def along_gradient(net: Net, x, t, loss_fn, etas=None, *, distances=None) -> Probe:
    """The loss and gradient at theta - eta g for each eta in ``etas`` (K,), or at
    theta - d g / ||g|| for each distance d in ``distances`` (K,): the same distances
    whatever the gradient's size. With a ``Blockwise`` loss, each network on its own."""
    probe = _along(net, x, t, loss_fn, etas, distances)
    return _one(probe) if _blocks(loss_fn) == 1 else probe


def _along(net: Net, x, t, loss_fn, etas, distances) -> Probe:
    steps, by_distance = _probe_steps(etas, distances)
    per_block, blocks = _per_block(loss_fn), _blocks(loss_fn)
    block = block_of(net, blocks)
    tiny = np.finfo(float).tiny
    with _Restore(net) as r:
        loss, g = _losses_and_grad(net, x, t, per_block)
        gn = _norms(g, block, blocks)  # (S,)
        direction = g / np.maximum(gn, tiny)[block] if by_distance else g
        losses, change = [], []
        for step in steps:
            r.move(-step * direction)
            loss_step, g_step = _losses_and_grad(net, x, t, per_block)
            losses.append(loss_step)
            change.append(_norms(g_step - g, block, blocks))
    dist = steps[:, None] * (np.ones(blocks) if by_distance else gn)  # (K, S): ||theta' - theta||
    change = np.array(change)
    # beta_eff = ||g(theta') - g(theta)|| / ||theta' - theta||
    return Probe(loss, gn, np.array(losses), change, change / np.maximum(dist, tiny), dist)


def _one(result, s: int = 0):
    """Network s's part of a result whose entries have a last axis S (steps: shared)."""
    return type(result)(*(v[..., s] if np.ndim(v) and name != "steps" else v
                          for name, v in zip(result._fields, result, strict=True)))  # fmt: skip


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
    shift = _shift(net, x, t, loss_fn, lr, layer)
    return GradientShift(*(float(v[0]) for v in shift)) if _blocks(loss_fn) == 1 else shift


def _shift(net: Net, x, t, loss_fn, lr: float, layer: int) -> GradientShift:
    linears = [i for i, layer_ in enumerate(net.layers) if isinstance(layer_, Linear | BlockLinear)]
    if not -len(linears) <= layer < len(linears):
        raise ValueError(f"layer must index one of the {len(linears)} Linear layers (got {layer})")
    target, per_block, blocks = net.layers[linears[layer]], _per_block(loss_fn), _blocks(loss_fn)
    with _Restore(net) as r:
        _, g = _losses_and_grad(net, x, t, per_block)
        G = target.grad_weight.reshape(blocks, -1).copy()
        before = np.concatenate([np.full(p.value.size, int(p.name.split(".")[0]) < linears[layer])
                                 for p in r.params])  # fmt: skip
        r.move(-lr * g * before)
        _losses_and_grad(net, x, t, per_block)
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
    """The first probe step after step 0 where beta * lr >= ``level`` (near the stability limit
    beta = 2 / lr of gradient descent), or None if there is none."""
    near = np.flatnonzero(lr * d.smoothness[1:] >= level)
    return int(d.steps[1 + near[0]]) if near.size else None


def _descend(net, x, t, loss_fn, *, lr, steps, every, etas, distances, ics_layer, blowup=1e3):
    """``descend`` for one network or several side by side: every entry with a last axis S."""
    if distances is None and etas is None:
        etas = lr * np.array([0.5, 1, 2, 4, 8])
    per_block, blocks = _per_block(loss_fn), _blocks(loss_fn)
    params, rows, ics, losses, diverged = net.parameters(), [], [], [], False
    net.train()
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
        for k in range(steps // every + 1):
            p = _along(net, x, t, loss_fn, etas, distances)
            no_shift = np.full((3, blocks), np.nan)
            ics.append(no_shift if ics_layer is None else _shift(net, x, t, loss_fn, lr, ics_layer))
            at = np.vstack([p.loss, p.losses])  # (K + 1, S)
            rows.append((np.ptp(at, axis=0), p.grad_change.max(axis=0),
                         p.smoothness.max(axis=0), p.grad_norm))  # fmt: skip
            if k == steps // every or not np.all(np.isfinite(p.loss)):
                break
            for _ in range(every):  # full-batch gradient descent
                step_losses = _step(net, x, t, per_block)
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
    return Descent(np.arange(len(rows)) * every, loss, *rows.transpose(1, 0, 2), np.array(ics),
                   diverged)  # fmt: skip


@one_blas_thread
def descend(
    net, x, t, *, lr: float, steps: int, every: int, etas=None, distances=None,
    ics_layer: int | None = 12,
) -> Descent:  # fmt: skip
    """Gradient descent on all of (x, t) with ``mse``, probing ``along_gradient`` at the step
    sizes ``etas`` (default: 0.5, 1, 2, 4 and 8 times lr) or at the same ``distances`` for
    every network, and ``gradient_shift`` of Linear layer ``ics_layer`` (None: skipped).
    ``steps=0``: one probe at the current parameters, no training."""
    d = _descend(net, x, t, mse, lr=lr, steps=steps, every=every, etas=etas,
                 distances=distances, ics_layer=ics_layer)  # fmt: skip
    return _one(d)


@one_blas_thread
def descend_seeds(
    nets, xs, ts, *, lr: float, steps: int, every: int, etas=None, distances=None,
    ics_layer: int | None = 12,
) -> list[Descent]:  # fmt: skip
    """``descend`` for several networks of one shape (network s on (xs[s], ts[s])), run side
    by side as one wide network (``many_at_once.side_by_side``): faster, and each network's numbers
    are its own. The networks are trained in place. Training stops for all of them when one
    diverges."""
    nets = list(nets)
    wide, blocks = side_by_side(nets), len(nets)
    x, t = inputs(xs), np.stack(list(ts), axis=1)  # (N, S * in), (N, S, out)
    d = _descend(wide, x, t, Blockwise(mse, blocks), lr=lr, steps=steps, every=every, etas=etas,
                 distances=distances, ics_layer=ics_layer)  # fmt: skip
    copy_back(wide, nets)
    return [_one(d, s) for s in range(blocks)]
