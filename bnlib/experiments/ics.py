"""Internal covariate shift in the strict sense (paper §2), measured while training (torch).

Hidden layer l turns its input u_l (the image for l = 1, else g(z_(l-1))) into
z_l = f_l(u_l; theta_l): Linear, with BN Linear -> BN, where BN normalises with
the batch's own mean and variance (they are computed from u_l, not learned).
Between two probes t < t' z_l moves for two reasons: theta_l moves (the layer's
own learning) and u_l moves (the earlier layers' learning). Only the second is
ICS as the paper defines it. ``trace`` trains the paper's network like
``bnlib.experiments.torch_nets.train`` and also records z_l(theta_l(t), u_l(t')): the layer's
parameters held at the previous probe, its input taken at the current one.
``bnlib.experiments.covariate_shift.split_drift`` turns that into the two parts of the drift.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from bnlib.experiments.covariate_shift import Summary, summarize
from bnlib.experiments.torch_nets import NetConfig, Run, mnist_mlp, sgd_step, train_many
from bnlib.progress import progress

_G = (torch.nn.Sigmoid, torch.nn.Tanh, torch.nn.ReLU)


def hidden_blocks(model: torch.nn.Sequential) -> list[list[torch.nn.Module]]:
    """The modules that make each hidden layer's z from its input u: [Linear] or [Linear, BN]."""
    blocks, block = [], []
    for m in model:
        if isinstance(m, _G):
            blocks.append(block)
            block = []
        else:
            block.append(m)
    if not blocks:
        raise ValueError(f"expected a model with hidden layers (got {type(model).__name__} "
                         "without a sigmoid, tanh or ReLU)")  # fmt: skip
    return blocks


def block_z(block: list[torch.nn.Module], u: torch.Tensor) -> torch.Tensor:
    """z = f_l(u): Linear, then BN with u's batch statistics (running ones untouched)."""
    for m in block:
        if isinstance(m, torch.nn.BatchNorm1d):
            u = F.batch_norm(u, None, None, m.weight, m.bias, training=True, eps=m.eps)
        else:
            u = m(u)
    return u  # (N, C)


@torch.no_grad()
def layer_inputs(model: torch.nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """u_l of every hidden layer for the batch x (u_1 = x), as in training mode."""
    acts = [m for m in model if isinstance(m, _G)]
    us = [x]
    for block, g in zip(hidden_blocks(model), acts, strict=True):
        us.append(g(block_z(block, us[-1])))
    return us[:-1]


@torch.no_grad()
def layer_z(model: torch.nn.Sequential, us: list[torch.Tensor]) -> np.ndarray:
    """z_l = f_l(u_l; theta_l) of every hidden layer of ``model`` for given inputs u_l:
    float64 (L, N, C). ``layer_z(model, layer_inputs(model, x))`` is what ``train`` probes."""
    blocks = hidden_blocks(model)
    return np.stack([block_z(b, u).double().numpy() for b, u in zip(blocks, us, strict=True)])


def held_z(before: torch.nn.Sequential, after: torch.nn.Sequential, x) -> np.ndarray:
    """z_l(theta_l of ``before``, u_l of ``after``) for every layer: (L, N, C) float64.

    Each layer's parameters as they were, its input as it is now: what z_l would be if
    only the earlier layers had learned (for layer 1, whose input is x, that is no change).
    """
    return layer_z(before, layer_inputs(after, x))


class Traced(NamedTuple):
    """A ``Run`` and, between consecutive probes, z_l(theta_l(t), u_l(t')): ``cross``, a
    ``Summary`` of (P - 1, L, C, ...)."""

    run: Run
    cross: Summary


def trace(config: NetConfig, data, steps: int, probe_steps, *, batch_size: int = 60,
          threads: int = 1) -> Traced:  # fmt: skip
    """``torch_nets.train(config, data, steps, probe_steps)`` (the same network, mini-batches,
    SGD and probes) that also records, at each probe after the first, every layer's z with
    the layer's parameters of the previous probe and its input of this one.
    """
    probe = sorted({int(s) for s in probe_steps})
    if not probe or probe[0] < 0 or probe[-1] > steps:
        raise ValueError(f"probe_steps must be steps in 0..{steps}, at least one (got {probe})")
    x, y, xt, yt = (torch.from_numpy(np.asarray(a)) for a in data)
    x, xt, y, yt = x.float(), xt.float(), y.long(), yt.long()
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        model = mnist_mlp(config, x.shape[1], int(y.max()) + 1)
        opt = torch.optim.SGD(model.parameters(), lr=config.lr)
        batches = _epochs(model.generator, len(x), batch_size)
        rows, cross, losses, last = [], [], np.zeros(steps), None
        for step in progress(range(steps + 1), desc=f"trace {config.activation}"):
            if step in probe:
                us = layer_inputs(model, xt)
                rows.append(_probe(model, us, xt, yt))
                if last is not None:
                    cross.append(summarize(layer_z(last, us)))  # = held_z(last, model, xt)
                last = copy.deepcopy(model)
            if step == steps:
                break
            losses[step] = sgd_step(model, opt, x, y, next(batches))
    finally:
        torch.set_num_threads(before)
    cols = [np.stack(c) for c in zip(*rows, strict=True)]
    run = Run(config, np.asarray(probe), cols[0], cols[1], losses, Summary(*cols[2:]))
    return Traced(run, Summary(*(np.stack(c) for c in zip(*cross, strict=True))))


def trace_many(configs, data, steps: int, probe_steps, *, batch_size: int = 60,
               threads: int = 1) -> list[Traced]:  # fmt: skip
    """``[trace(c, data, steps, probe_steps) for c in configs]``, trained together as
    ``torch_nets.train_many`` trains them (networks of one activation, depth and width).

    Equal to ``trace`` up to float rounding. Each probe's z and the held-parameter z are
    computed from the same copies of the networks, as ``trace`` does, so layer 1's
    earlier-layers part is exactly 0 here too. Like ``trace``, the probes look at the test
    images only (``train_set_loss`` and ``train_set_acc`` are NaN).
    """
    configs = list(configs)
    if not configs or len({(c.activation, c.depth, c.width) for c in configs}) != 1:
        raise ValueError("trace_many expects networks of one activation, depth and width "
                         f"(got {len(configs)} configs)")  # fmt: skip
    xt = torch.from_numpy(np.asarray(data[2])).float()  # the test images, as train_many has them
    zs, cross, last = [[] for _ in configs], [[] for _ in configs], [None] * len(configs)

    def at_probe(models):
        for k, model in enumerate(models):
            us = layer_inputs(model, xt)
            zs[k].append(summarize(layer_z(model, us)))
            if last[k] is not None:
                cross[k].append(summarize(layer_z(last[k], us)))
            last[k] = copy.deepcopy(model)

    runs = train_many(configs, data, steps, probe_steps, batch_size=batch_size, threads=threads,
                      fit_probe=False, on_probe=at_probe)  # fmt: skip
    stacked = lambda rows: Summary(*(np.stack(c) for c in zip(*rows, strict=True)))  # noqa: E731
    return [Traced(dataclasses.replace(run, z=stacked(z)), stacked(c))
            for run, z, c in zip(runs, zs, cross, strict=True)]  # fmt: skip


def _epochs(gen: torch.Generator, n: int, batch_size: int):
    """``train``'s mini-batches: shuffle each epoch, drop the incomplete last batch."""
    if not 0 < batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n}, the training set size (got {batch_size})")
    while True:
        yield from torch.randperm(n, generator=gen)[: n - n % batch_size].view(-1, batch_size)


@torch.no_grad()
def _probe(model, us, xt, yt) -> list:
    """Test loss and accuracy (eval mode), and the Summary of every layer's z (batch stats)."""
    s = summarize(layer_z(model, us))
    model.eval()
    logits = model(xt)
    model.train()
    acc = (logits.argmax(1) == yt).float().mean().numpy()
    return [F.cross_entropy(logits, yt).numpy(), acc, *s]
