"""What a probe of a torch MLP measures, without changing it.

Each nonlinearity's input z in train mode (BN with the probe batch's statistics,
the running ones left alone: what the nonlinearity sees in training), and the
cross-entropy and accuracy in eval mode (BN with its running statistics).
``bnlib.experiments.torch_nets`` probes with these while it trains.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from bnlib.experiments.covariate_shift import summarize

ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
NONLINEARITIES = tuple(ACTIVATIONS.values())


@torch.no_grad()
def nonlinearity_inputs(model: torch.nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """Each nonlinearity's input z (N, C) for x, in train mode (BN with the statistics of x);
    the running statistics are left as they were, the model is left in train mode."""
    seen = []
    hooks = [
        m.register_forward_pre_hook(lambda _, inp: seen.append(inp[0]))
        for m in model
        if isinstance(m, NONLINEARITIES)
    ]
    saved = [b.clone() for b in model.buffers()]
    try:
        model.train()
        model(x)  # train mode: the hooks record z (N, C) of each layer
    finally:
        for b, s in zip(model.buffers(), saved, strict=True):
            b.copy_(s)  # running statistics as they were
        for h in hooks:
            h.remove()
    return seen


def pre_activations(model: torch.nn.Sequential, x) -> list[np.ndarray]:
    """The input z of each nonlinearity for the inputs x (N, D): one (N, C) array per layer.

    BN normalises with the statistics of x as one batch (train mode), as in a probe;
    the running statistics and the model's mode are left as they were.
    """
    was_training, dtype = model.training, next(model.parameters()).dtype
    try:
        z = nonlinearity_inputs(model, torch.as_tensor(np.asarray(x)).to(dtype))
    finally:
        model.train(was_training)
    return [t.numpy() for t in z]


@torch.no_grad()
def scores(model: torch.nn.Sequential, x, y) -> tuple[float, float]:
    """(cross-entropy, accuracy) of the model on x (N, D), labels y (N,), in eval mode
    (BN with its running statistics); the model's mode is left as it was."""
    was_training, dtype = model.training, next(model.parameters()).dtype
    try:
        logits = model.eval()(torch.as_tensor(np.asarray(x)).to(dtype))
    finally:
        model.train(was_training)
    loss, acc = loss_and_accuracy(logits, torch.as_tensor(np.asarray(y)).long())
    return float(loss), float(acc)


@torch.no_grad()
def probe(model: torch.nn.Sequential, xt, yt, xf=None, yf=None) -> list[np.ndarray]:
    """Loss and accuracy on the test set and on training images (xf, yf; NaN when None),
    and the Summary of each nonlinearity's input on the test set: one row of a ``Run``."""
    seen = nonlinearity_inputs(model, xt)
    model.eval()
    got = [
        *loss_and_accuracy(model(xt), yt),
        *loss_and_accuracy(None if xf is None else model(xf), yf),
    ]
    model.train()
    return [*got, *summarize_finite(torch.stack(seen))]


def loss_and_accuracy(logits, y) -> list[np.ndarray]:
    """Cross-entropy loss and accuracy of ``logits`` (N, classes) for labels y; NaN for None."""
    if logits is None:
        return [np.array(np.nan), np.array(np.nan)]
    return [F.cross_entropy(logits, y).numpy(), (logits.argmax(1) == y).float().mean().numpy()]


def summarize_finite(z: torch.Tensor) -> list[np.ndarray]:
    """``summarize`` z (..., N, C); NaN for a layer whose z is not finite (training broke)."""
    z = z.numpy()
    ok = np.isfinite(z).all(axis=(-2, -1))  # (...,)
    cols = summarize(np.where(ok[..., None, None], z, 0.0))
    return [np.where(ok.reshape(ok.shape + (1,) * (c.ndim - ok.ndim)), c, np.nan) for c in cols]
