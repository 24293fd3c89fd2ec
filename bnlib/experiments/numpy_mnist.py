"""numpy MNIST runs that notebook 07 measures: probed along the way (accuracy, a layer's
input, gradient ICS), and a batch-size sweep. Test accuracy: eval mode, population statistics
of the training set (Alg. 2), noise layers' expected map. Training runs numpy's BLAS on one
thread (restored afterwards): faster for these small matrices, the same numbers anywhere.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bnlib.experiments.covariate_shift import Summary, summarize
from bnlib.experiments.landscape import gradient_shift, one_blas_thread
from bnlib.experiments.many_at_once.side_by_side import Blockwise, inputs, side_by_side
from bnlib.nn.data import MNIST
from bnlib.nn.losses import cross_entropy
from bnlib.nn.metrics import accuracy
from bnlib.nn.mlp import mlp
from bnlib.nn.train import sgd


def eval_accuracy(net, data: MNIST) -> float:
    """Eval-mode test accuracy, BN statistics from the training set; net left in train mode."""
    if net.bn_layers:
        net.set_population_stats(data.x_train)
    acc = accuracy(net.eval(), data.x_test, data.y_test)
    net.train()
    return acc


class ProbedRun(NamedTuple):
    """P probes, every ``every`` steps from 0: accuracy (P,); z, a ``Summary`` (P, 1, C, ...)
    of hidden layer ``layer``'s activation input on a fixed batch in training mode (noise
    included); ics (P, 3), ``gradient_shift`` (change, relative, cosine) or NaN; loss (T,)."""

    steps: np.ndarray
    accuracy: np.ndarray
    z: Summary
    ics: np.ndarray
    loss: np.ndarray


@one_blas_thread
def probed_run(
    net,
    data: MNIST,
    *,
    lr: float,
    steps: int,
    every: int,
    batch_size: int = 60,
    layer: int = -1,
    ics_layer: int | None = None,
    n_probe: int = 500,
    seed: int = 0,
) -> ProbedRun:
    """Train ``net`` with ``sgd`` and cross-entropy, probing it every ``every`` steps.

    The probe batch is the first ``n_probe`` training images. ``ics_layer``: the
    Linear layer whose ``gradient_shift`` (at learning rate ``lr``, on the probe
    batch) is recorded, or None. Batches are reshuffled for each stretch of
    ``every`` steps (seed + stretch).
    """
    if steps % every:
        raise ValueError(f"steps must be a multiple of every (got {steps} and {every})")
    xp, yp = data.x_train[:n_probe], data.y_train[:n_probe]
    accs, zs, ics, losses = [], [], [], []
    for k in range(steps // every + 1):
        accs.append(eval_accuracy(net, data))
        zs.append(net.pre_activations(xp)[layer])
        shift = (
            gradient_shift(net, xp, yp, cross_entropy, lr, ics_layer)
            if ics_layer is not None
            else (np.nan,) * 3
        )
        ics.append(tuple(shift))
        if k < steps // every:
            r = sgd(
                net,
                data.x_train,
                data.y_train,
                cross_entropy,
                lr=lr,
                steps=every,
                batch_size=batch_size,
                seed=seed + k,
            )
            losses.append(r.loss)
    z = summarize(np.stack(zs)[:, None])  # (P, 1, N, C) -> Summary (P, 1, C, ...)
    return ProbedRun(
        np.arange(len(accs)) * every, np.array(accs), z, np.array(ics), np.concatenate(losses)
    )


class Sweep(NamedTuple):
    """Per norm (rows), batch size (columns) and seed (last axis), each network trained on
    ``examples`` images: eval_acc (eval mode);
    train_acc (BN in training mode on test batches of the training size; NaN for other
    norms); loss (mean training loss over the last tenth of the steps)."""

    norms: tuple
    batch_sizes: tuple
    seeds: tuple
    examples: int
    eval_acc: np.ndarray
    train_acc: np.ndarray
    loss: np.ndarray


def _block_accuracy(wide, x, y, blocks: int, batch_size: int | None = None) -> np.ndarray:
    """Each side-by-side network's accuracy on (x, y), in the mode ``wide`` is in. (S,)"""
    b = len(x) if batch_size is None else batch_size
    logits = np.concatenate([wide(inputs([x[i : i + b]] * blocks)) for i in range(0, len(x), b)])
    return np.mean(logits.reshape(len(x), blocks, -1).argmax(axis=2) == y[:, None], axis=0)


@one_blas_thread
def batch_size_sweep(
    data: MNIST,
    *,
    norms=("batch", "layer", "group", None),
    batch_sizes=(2, 4, 8, 16, 64),
    examples: int = 6000,
    lr_per_64: float = 0.5,
    sizes=(784, 100, 100, 100, 10),
    activation: str = "relu",
    seeds=(0,),
) -> Sweep:
    """Train one network per (norm, batch size m, seed) on ``examples`` training images.

    Learning rate lr_per_64 * m / 64 (linear scaling: the same step per example
    seen); He initialisation for ReLU. float32. Seed s: initial weights ``mlp(seed=s)``
    and the training images in their own order (a permutation drawn from s), so its
    mini-batches are its own. The seeds train side by side (``many_at_once.side_by_side``).
    """
    gain, blocks = (np.sqrt(2.0) if activation == "relu" else 1.0), len(seeds)
    orders = [np.random.default_rng(seed).permutation(len(data.x_train)) for seed in seeds]
    x_train = inputs([data.x_train[o] for o in orders])  # (N, S * 784): network s's images
    y_train = np.stack([data.y_train[o] for o in orders], axis=1)  # (N, S)
    shape = (len(norms), len(batch_sizes), blocks)
    eval_acc, train_acc, loss = np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape[:2])
    for i, norm in enumerate(norms):
        for j, m in enumerate(batch_sizes):
            nets = [
                mlp(sizes, activation=activation, norm=norm, gain=gain, seed=seed, dtype=np.float32)
                for seed in seeds
            ]
            wide = side_by_side(nets)
            r = sgd(
                wide,
                x_train,
                y_train,
                Blockwise(cross_entropy, blocks),
                lr=lr_per_64 * m / 64,
                steps=examples // m,
                batch_size=m,
            )
            loss[i, j] = r.loss[-max(1, r.steps // 10) :].mean() / blocks
            if wide.bn_layers:
                wide.set_population_stats(x_train)
            eval_acc[i, j] = _block_accuracy(wide.eval(), data.x_test, data.y_test, blocks)
            if norm == "batch":
                train_acc[i, j] = _block_accuracy(wide.train(), data.x_test, data.y_test, blocks, m)
    return Sweep(
        tuple(norms), tuple(batch_sizes), tuple(seeds), examples, eval_acc, train_acc, loss
    )
