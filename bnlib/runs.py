"""numpy MNIST runs that notebook 07 measures: probed along the way (accuracy, a layer's
input, gradient ICS), and a batch-size sweep. Test accuracy: eval mode, population statistics
of the training set (Alg. 2), noise layers' expected map. Training runs numpy's BLAS on one
thread (restored afterwards): faster for these small matrices, the same numbers anywhere.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bnlib.data import MNIST
from bnlib.landscape import gradient_shift, one_blas_thread
from bnlib.losses import cross_entropy
from bnlib.metrics import accuracy
from bnlib.mlp import mlp
from bnlib.shift import Summary, summarize
from bnlib.train import sgd


def eval_accuracy(net, data: MNIST) -> float:
    """Eval-mode test accuracy, BN statistics from the training set; net left in train mode."""
    if net.bn_layers:
        net.set_population_stats(data.x_train)
    acc = accuracy(net.eval(), data.x_test, data.y_test)
    net.train()
    return acc


class Run(NamedTuple):
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
    net, data: MNIST, *, lr: float, steps: int, every: int, batch_size: int = 60,
    layer: int = -1, ics_layer: int | None = None, n_probe: int = 500, seed: int = 0,
) -> Run:  # fmt: skip
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
        shift = (gradient_shift(net, xp, yp, cross_entropy, lr, ics_layer)
                 if ics_layer is not None else (np.nan,) * 3)  # fmt: skip
        ics.append(tuple(shift))
        if k < steps // every:
            r = sgd(net, data.x_train, data.y_train, cross_entropy, lr=lr, steps=every,
                    batch_size=batch_size, seed=seed + k)  # fmt: skip
            losses.append(r.loss)
    z = summarize(np.stack(zs)[:, None])  # (P, 1, N, C) -> Summary (P, 1, C, ...)
    return Run(np.arange(len(accs)) * every, np.array(accs), z, np.array(ics),
               np.concatenate(losses))  # fmt: skip


class Sweep(NamedTuple):
    """Per norm (rows) and batch size (columns): eval_acc (eval mode); train_acc (BN in
    training mode on test batches of the training size; NaN for other norms); loss (mean
    training loss over the last tenth of the steps)."""

    norms: tuple
    batch_sizes: tuple
    eval_acc: np.ndarray
    train_acc: np.ndarray
    loss: np.ndarray


@one_blas_thread
def batch_size_sweep(
    data: MNIST, *, norms=("batch", "layer", "group", None), batch_sizes=(2, 4, 8, 16, 64),
    examples: int = 6000, lr_per_64: float = 0.5, sizes=(784, 100, 100, 100, 10),
    activation: str = "relu", seed: int = 0,
) -> Sweep:  # fmt: skip
    """Train one network per (norm, batch size m) on ``examples`` training images.

    Learning rate lr_per_64 * m / 64 (linear scaling: the same step per example
    seen); He initialisation for ReLU. float32.
    """
    gain = np.sqrt(2.0) if activation == "relu" else 1.0
    shape = (len(norms), len(batch_sizes))
    eval_acc, train_acc, loss = np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape)
    for i, norm in enumerate(norms):
        for j, m in enumerate(batch_sizes):
            net = mlp(sizes, activation=activation, norm=norm, gain=gain, seed=seed,
                      dtype=np.float32)  # fmt: skip
            r = sgd(net, data.x_train, data.y_train, cross_entropy, lr=lr_per_64 * m / 64,
                    steps=examples // m, batch_size=m, seed=seed)  # fmt: skip
            loss[i, j] = r.loss[-max(1, r.steps // 10) :].mean()
            eval_acc[i, j] = eval_accuracy(net, data)
            if norm == "batch":
                train_acc[i, j] = accuracy(net, data.x_test, data.y_test, batch_size=m)
    return Sweep(tuple(norms), tuple(batch_sizes), eval_acc, train_acc, loss)
