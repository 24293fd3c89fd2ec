"""Internal covariate shift in the strict sense (paper §2), measured while training (torch).

Hidden layer l turns its input u_l (the image for l = 1, else g(z_(l-1))) into
z_l = f_l(u_l; theta_l): Linear, with BN Linear -> BN, where BN normalises with
the batch's own mean and variance (they are computed from u_l, not learned).
Between two probes t < t' z_l moves for two reasons: theta_l moves (the layer's
own learning) and u_l moves (the earlier layers' learning). Only the second is
ICS as the paper defines it. ``trace`` trains the paper's network with
``bnlib.experiments.torch_nets.train`` and a probe hook that also records
z_l(theta_l(t), u_l(t')): the layer's parameters held at the previous probe, its
input taken at the current one.
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
from bnlib.experiments.mnist_net import NetConfig, Run
from bnlib.experiments.torch_nets import train, train_many
from bnlib.experiments.torch_probes import NONLINEARITIES


def hidden_blocks(model: torch.nn.Sequential) -> list[list[torch.nn.Module]]:
    """The modules that make each hidden layer's z from its input u: [Linear] or [Linear, BN]."""
    blocks, block = [], []
    for m in model:
        if isinstance(m, NONLINEARITIES):
            blocks.append(block)
            block = []
        else:
            block.append(m)
    if not blocks:
        got = f"got {type(model).__name__} without a sigmoid, tanh or ReLU"
        raise ValueError(f"expected a model with hidden layers ({got})")
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
    acts = [m for m in model if isinstance(m, NONLINEARITIES)]
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


class _Held:
    """A probe hook (``on_probe`` of ``torch_nets.train`` and ``train_many``): at each probe,
    per network, the Summary of every layer's z (computed as ``layer_z``) and, after the
    first probe, of z with the layer's parameters of the previous probe (``held_z``)."""

    def __init__(self, data, networks: int):
        self.xt = torch.from_numpy(np.asarray(data[2])).float()  # the test images, as probed
        self.z, self.cross = [[] for _ in range(networks)], [[] for _ in range(networks)]
        self.last = [None] * networks

    def __call__(self, models) -> None:
        for k, model in enumerate(models):
            us = layer_inputs(model, self.xt)
            self.z[k].append(summarize(layer_z(model, us)))
            if self.last[k] is not None:
                self.cross[k].append(summarize(layer_z(self.last[k], us)))  # = held_z
            self.last[k] = copy.deepcopy(model)

    def traced(self, runs, **fields) -> list[Traced]:
        """The runs with z replaced by the hook's (float64 z, as ``layer_z`` computes it), and
        ``fields`` replaced; each with its ``cross`` records."""
        return [
            Traced(dataclasses.replace(run, z=_stacked(z), **fields), _stacked(c))
            for run, z, c in zip(runs, self.z, self.cross, strict=True)
        ]


def _stacked(rows) -> Summary:
    return Summary(*(np.stack(c) for c in zip(*rows, strict=True)))


def trace(
    config: NetConfig, data, steps: int, probe_steps, *, batch_size: int = 60, threads: int = 1
) -> Traced:
    """``torch_nets.train(config, data, steps, probe_steps)`` (the same network, mini-batches,
    SGD and probes) that also records, at each probe after the first, every layer's z with
    the layer's parameters of the previous probe and its input of this one. The probes look
    at the test images only (``train_set_loss`` and ``train_set_acc`` are None).
    """
    held = _Held(data, 1)
    options = {"batch_size": batch_size, "threads": threads, "fit_probe": False}
    run = train(config, data, steps, probe_steps, on_probe=held, **options)
    return held.traced([run], train_set_loss=None, train_set_acc=None)[0]


def trace_many(
    configs, data, steps: int, probe_steps, *, batch_size: int = 60, threads: int = 1
) -> list[Traced]:
    """``[trace(c, data, steps, probe_steps) for c in configs]``, trained together as
    ``torch_nets.train_many`` trains them (networks of one activation, depth and width).

    Equal to ``trace`` up to float rounding. Each probe's z and the held-parameter z are
    computed from the same copies of the networks, as ``trace`` does, so layer 1's
    earlier-layers part is exactly 0 here too. Like ``trace``, the probes look at the test
    images only (``train_set_loss`` and ``train_set_acc`` are NaN here).
    """
    configs = list(configs)
    if not configs or len({(c.activation, c.depth, c.width) for c in configs}) != 1:
        got = f"got {len(configs)} configs"
        raise ValueError(f"trace_many expects networks of one activation, depth and width ({got})")
    held = _Held(data, len(configs))
    options = {"batch_size": batch_size, "threads": threads, "fit_probe": False}
    runs = train_many(configs, data, steps, probe_steps, on_probe=held, **options)
    return held.traced(runs)
