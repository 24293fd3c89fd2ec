"""Driving a ``Stack``: SGD and probes of many networks of one shape at once.

``bnlib.experiments.torch_nets.train_many`` builds the networks and their
mini-batch streams and records the runs; ``train_stack`` trains them as one
``Stack`` and probes all of them together, with the same numbers as
``torch_nets.train`` on each alone (tests/test_torch_nets.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from bnlib.experiments.many_at_once.stacked import Stack
from bnlib.experiments.torch_probes import summarize_finite
from bnlib.progress import progress


def batch_groups(models) -> list[list[int]]:
    """Indices of the networks whose mini-batch streams are one: same generator state."""
    groups: dict[bytes, list[int]] = {}
    for i, model in enumerate(models):
        groups.setdefault(bytes(model.generator.get_state().numpy()), []).append(i)
    return list(groups.values())


def train_stack(
    models: Sequence[torch.nn.Sequential],
    lrs,
    lrs_invariant,
    data,
    steps: int,
    probe_steps: Sequence[int],
    batch_size: int,
    batches: Callable,
    fit_images=None,
    on_probe: Callable | None = None,
) -> tuple[list[list[list[np.ndarray]]], np.ndarray]:
    """SGD on ``models`` (one shape, those without BN first) as one ``Stack``, probing at
    ``probe_steps``.

    ``data``: tensors (x, y, xt, yt); ``batches(generator)``: the mini-batch index stream
    of a generator (each group of networks with one generator state shares one);
    ``fit_images``: (xf, yf) the probes also evaluate in eval mode, or None (NaN).
    ``on_probe(models)`` (if given) gets the networks as they are at each probe (the
    models themselves, updated from the stack; changing them changes no training).
    Returns (rows, losses): per probe, per network, ``torch_probes.probe``'s row; and
    each step's mean mini-batch loss, (steps, K).
    """
    x, y, xt, yt = data
    groups = batch_groups(models)
    stack = Stack(models, lrs, groups, batch_size, lrs_invariant=lrs_invariant)
    streams = [batches(models[g[0]].generator) for g in groups]
    rows, sums, probe_at = [], torch.zeros(steps, len(models), dtype=x.dtype), set(probe_steps)
    for step in progress(range(steps + 1), desc=f"train {len(models)} nets"):
        if step in probe_at:
            rows.append(probe_stack(stack, xt, yt, *(fit_images or (None, None))))
            if on_probe is not None:
                stack.copy_to(models)
                on_probe(models)
        if step == steps:
            break
        for xb, yb, it in zip(stack.x, stack.y, streams, strict=True):
            idx = next(it)  # (B,)
            torch.index_select(x, 0, idx, out=xb)
            torch.index_select(y, 0, idx, out=yb)
        stack.step(sums[step])
    return rows, (-sums.double() / batch_size).numpy()


def probe_stack(stack: Stack, xt, yt, xf, yf) -> list[list[np.ndarray]]:
    """Per network of the stack, what ``torch_probes.probe`` returns, all networks at once:
    the test and training images in one eval-mode pass (each example on its own), then the
    test images with batch statistics where there is BN, from the same first-layer product.
    ``xf`` None: no training images (their loss and accuracy NaN)."""
    n, k = len(xt), stack.K
    z1 = stack.first_layer(xt if xf is None else torch.cat([xt, xf]))
    logits, us = stack.evaluate(z1, batch_stats=False)  # (K, classes, N + N_fit)
    if stack.Ka < stack.K:  # what the nonlinearities see in training: batch statistics
        us = stack.evaluate(z1[:n], batch_stats=True)[1]
    no_fit = [np.full(k, np.nan, np.float32)] * 2
    fit = no_fit if xf is None else _stack_scores(logits[..., n:], yf)
    scores = [*_stack_scores(logits[..., :n], yt), *fit]
    z = torch.stack([u[:n] for u in us]).view(len(us), n, k, -1).permute(2, 0, 1, 3)  # (K, L, N, C)
    cols = summarize_finite(z)  # each (K, L, C, ...)
    return [[*(s[j] for s in scores), *(c[j] for c in cols)] for j in range(k)]


def _stack_scores(logits, y) -> list[np.ndarray]:
    """Each network's loss and accuracy, (K,) each, from logits (K, classes, N)."""
    ys = y.expand(len(logits), -1)  # (K, N)
    loss = F.cross_entropy(logits, ys, reduction="none").mean(1)
    return [loss.numpy(), (logits.argmax(1) == ys).float().mean(1).numpy()]
