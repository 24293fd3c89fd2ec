"""PyTorch networks and training for the notebooks (the one bnlib module that imports torch).

Precise BN: recompute running statistics exactly after training.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

_BN = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)


def bn_layers(model: torch.nn.Module) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    """Every BatchNorm layer of ``model`` that tracks running statistics, in order."""
    return [m for m in model.modules() if isinstance(m, _BN) and m.track_running_stats]


@torch.no_grad()
def precise_bn(model: torch.nn.Module, batches: Iterable[torch.Tensor]) -> int:
    """Recompute every BN layer's running statistics as plain averages over ``batches``.

    Algorithm 2 with PyTorch's machinery: reset the statistics, set
    momentum=None (a cumulative average), run the batches through in train
    mode, restore momentum and the model's mode. Each layer then holds
    E[x] = mean of the batch means and Var[x] = mean of the unbiased batch
    variances, i.e. m/(m-1) * mean of the biased ones ("precise BN", Wu &
    Johnson 2021). Weights are not touched. Returns the number of batches used.
    """
    layers = bn_layers(model)
    if not layers:
        raise ValueError("the model has no BatchNorm layer that tracks running statistics")
    saved = [(bn, bn.momentum) for bn in layers]
    was_training = model.training
    for bn in layers:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    n = 0
    try:
        for x in batches:
            model(x)
            n += 1
    finally:
        for bn, momentum in saved:
            bn.momentum = momentum
        model.train(was_training)
    if n == 0:
        raise ValueError("precise_bn needs at least one batch (got none)")
    return n
