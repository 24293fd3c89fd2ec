"""Several small classifiers trained side by side as one wide network: ``fit_classifier``'s
fast path for many seeds and tasks at once, tested equal to training each alone.
"""

from __future__ import annotations

import numpy as np

from bnlib import _check
from bnlib.experiments.many_at_once.side_by_side import Blockwise, copy_back, inputs, side_by_side
from bnlib.layers import BatchNorm1d
from bnlib.nn.losses import bce_with_logits
from bnlib.nn.mlp import mlp
from bnlib.nn.toys import binary_accuracy
from bnlib.nn.train import KINDS, TrainResult, _check_args, sgd


class _Recorded(Blockwise):
    """``Blockwise``, keeping each step's S losses (one per network) in ``history``."""

    def __init__(self, loss_fn, blocks: int):
        super().__init__(loss_fn, blocks)
        self.history = []

    def __call__(self, pred, t) -> tuple[float, np.ndarray]:
        losses, grad = self.per_block(pred, t)
        self.history.append(losses)
        return float(losses.sum()), grad


def _freeze_blocks(wide, frozen) -> None:
    """After each backward pass, zero network k's gradients of the kinds in frozen[k]."""
    for layer in wide.layers:
        norm = isinstance(layer, BatchNorm1d)
        masks = []  # (attr, keep (S, 1)): every parameter holds its S blocks in order
        for attr, kind in (
            ("weight", "gamma" if norm else "weight"),
            ("bias", "beta" if norm else "bias"),
        ):
            keep = np.array([[kind not in f] for f in frozen], dtype=float)
            if getattr(layer, attr, None) is not None and not keep.all():
                masks.append((attr, keep))
        if masks:
            layer.backward = _masked(layer, layer.backward, masks)


def _masked(layer, backward, masks):
    def masked_backward(dy):
        dx = backward(dy)
        for attr, keep in masks:  # grad reshaped (S, rest): one row per network
            grad = getattr(layer, f"grad_{attr}")
            setattr(layer, f"grad_{attr}", (grad.reshape(len(keep), -1) * keep).reshape(grad.shape))
        return dx

    return masked_backward


def fit_classifiers(
    data,
    sizes,
    *,
    seeds,
    activation: str = "sigmoid",
    freeze=(),
    lr: float = 2.0,
    steps: int = 3000,
    batch_size: int = 64,
) -> list[tuple]:
    """``fit_classifier`` for several networks at once, trained side by side as one wide
    network (``many_at_once.side_by_side``): fewer numpy calls, each network's numbers its own.

    Network k is ``mlp(sizes, seed=seeds[k])`` (``fit_classifier``'s start) trained on
    data[k] = (x, labels), with the kinds in ``freeze`` frozen (``freeze`` may also give
    one collection of kinds per network). Its mini-batches: its examples in an order drawn
    from seeds[k], cut by one shuffle shared by all (so networks with one seed see the
    same batches). Training stops for all when one diverges.
    Returns one (net in eval mode with population statistics from its x, accuracy on its x,
    TrainResult) per network, as ``fit_classifier`` does.
    """
    data, seeds = [(_check.float_array(x), np.ravel(t)) for x, t in data], list(seeds)
    if not data or len(seeds) != len(data) or len({len(x) for x, _ in data}) != 1:
        raise ValueError(
            f"expected one seed per data set and data sets of one size (got "
            f"{len(seeds)} seeds, sizes {[len(x) for x, _ in data]})"
        )
    if sizes[-1] != 1:
        raise ValueError(f"expected one output logit (got sizes {sizes!r})")
    per_net = not isinstance(freeze, str) and any(not isinstance(f, str) for f in freeze)
    frozen = [tuple(f) for f in freeze] if per_net else [freeze] * len(data)
    if len(frozen) != len(data):
        raise ValueError(f"expected one freeze per network (got {len(frozen)} for {len(data)})")
    everywhere = tuple(k for k in KINDS if all(k in f for f in frozen))  # sgd skips these
    nets = [mlp(sizes, activation=activation, seed=s) for s in seeds]
    orders = [np.random.default_rng(s).permutation(len(data[0][0])) for s in seeds]
    x = inputs([x[o] for o, (x, _) in zip(orders, data, strict=True)])  # (N, S * D)
    t = np.stack([t[o] for o, (_, t) in zip(orders, data, strict=True)], axis=1)  # (N, S)
    wide, loss_fn = side_by_side(nets), _Recorded(bce_with_logits, len(nets))
    if per_net:
        _check_args(x, t, lr, steps, batch_size, {k for f in frozen for k in f})
        _freeze_blocks(wide, frozen)
    r = sgd(
        wide,
        x,
        t,
        loss_fn,
        lr=lr,
        steps=steps,
        batch_size=batch_size,
        seed=0,
        freeze=everywhere if per_net else freeze,
    )
    copy_back(wide, nets)
    losses = np.full((r.steps, len(nets)), np.inf)  # (T, S); inf where activations overflowed
    losses[: len(loss_fn.history)] = loss_fn.history[: r.steps]
    fits = []
    for k, (net, (xk, tk)) in enumerate(zip(nets, data, strict=True)):
        net.set_population_stats(xk)
        net.eval()
        own = [[h.reshape(len(h), len(nets), -1)[:, k] for h in hs] for hs in (r.gamma, r.beta)]
        result = TrainResult(
            loss=losses[:, k],
            gamma=own[0],
            beta=own[1],
            lr=r.lr,
            diverged=r.diverged,
            message=r.message,
        )
        fits.append((net, binary_accuracy(net(xk), tk), result))
    return fits
