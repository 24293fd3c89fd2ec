"""Mini-batch SGD for ``bnlib.nn.mlp`` networks: a per-step history of the loss, gamma
and beta, parameters frozen by kind, and divergence reported as a result, not a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from bnlib import _check
from bnlib.nn.activations import sigmoid
from bnlib.nn.losses import bce_with_logits
from bnlib.nn.mlp import mlp
from bnlib.nn.toys import binary_accuracy

KINDS = ("weight", "bias", "gamma", "beta")


@dataclass(frozen=True)
class TrainResult:
    """What ``sgd`` did, step by step.

    loss: (T,) mini-batch loss before each update; gamma, beta: one (T + 1, C)
    array per BN layer, after 0..T updates. When ``diverged``, training stopped
    at the step whose loss gave it away, and ``message`` says so.
    """

    loss: np.ndarray
    gamma: list[np.ndarray]
    beta: list[np.ndarray]
    lr: float
    diverged: bool = False
    message: str = ""

    @property
    def steps(self) -> int:
        return len(self.loss)


def batches(n: int, batch_size: int, steps: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """``steps`` index arrays: shuffle, cut into full batches (the rest is dropped), repeat."""
    size = min(batch_size, n)
    done = 0
    while True:
        order = rng.permutation(n)
        for start in range(0, n - size + 1, size):
            if done == steps:
                return
            yield order[start : start + size]
            done += 1


def _check_args(x, t, lr, steps, batch_size, freeze):
    if not (np.isscalar(lr) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0 (got {lr!r})")
    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1 (got {steps!r})")
    if not isinstance(batch_size, int | np.integer) or batch_size < 2:
        raise ValueError(
            f"batch_size must be an integer >= 2: BN needs 2 examples (got {batch_size!r})"
        )
    unknown = set(freeze) - set(KINDS)
    if isinstance(freeze, str) or unknown:
        raise ValueError(f"freeze must be a collection of {KINDS} (got {freeze!r})")
    x = _check.float_array(x)
    if len(t) != len(x):
        raise ValueError(f"x and t must have one row per example (got {len(x)} and {len(t)} rows)")
    return x, np.asarray(t)


def forward_backward(net, xb, tb, loss_fn):
    """Forward and backward on one batch (the gradients land in the layers); the loss, inf
    when activations overflowed upstream of a BN layer (BN refuses them: NonFiniteError).

    The loss is what ``loss_fn`` returns: a number, or one per network side by side.
    """
    try:
        loss, dout = loss_fn(net.forward(xb), tb)
        if np.all(np.isfinite(loss)):
            net.backward(dout)
        return loss
    except _check.NonFiniteError:  # overflow upstream of a BN layer, forward or backward
        return np.inf


def sgd(
    net,
    x,
    t,
    loss_fn: Callable,
    *,
    lr: float,
    steps: int,
    batch_size: int = 64,
    seed: int = 0,
    freeze=(),
    blowup: float = 1e3,
) -> TrainResult:
    """Plain SGD, p <- p - lr * dl/dp, for every parameter whose kind is not in ``freeze``.

    Args: net (``bnlib.nn.mlp.Net``, trained in place); x (N, D), t (N, K) or (N,);
    loss_fn(pred, t) -> (loss, dl/dpred), e.g. ``mlp.mse``; ``freeze`` a subset
    of ("weight", "bias", "gamma", "beta"); batches of ``batch_size`` shuffled by
    ``seed``. Divergence: the loss is not finite or exceeds ``blowup`` times its
    first value; training stops there and the result says so.
    Returns: a ``TrainResult``.
    """
    x, t = _check_args(x, t, lr, steps, batch_size, freeze)
    net.train()
    params = [p for p in net.parameters() if p.kind not in freeze]
    bns = [bn for bn in net.bn_layers if bn.weight is not None]
    gammas, betas = [[bn.weight.copy()] for bn in bns], [[bn.bias.copy()] for bn in bns]
    losses, message = [], ""
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked, not warned about
        for k, idx in enumerate(batches(len(x), batch_size, steps, rng)):
            loss = forward_backward(net, x[idx], t[idx], loss_fn)
            losses.append(loss)
            if not np.isfinite(loss) or loss > blowup * losses[0]:
                what = "overflowed" if not np.isfinite(loss) else f"reached {loss:.3g}"
                message = (
                    f"diverged at step {k}: the loss {what}, over {blowup:g} times its "
                    f"first value {losses[0]:.3g}; learning rate {lr:g} is too large"
                )
                break
            for p in params:
                p.value[...] -= lr * p.grad
            for bn, g, b in zip(bns, gammas, betas, strict=True):
                g.append(bn.weight.copy())
                b.append(bn.bias.copy())
    return TrainResult(
        loss=np.array(losses),
        gamma=[np.array(g) for g in gammas],
        beta=[np.array(b) for b in betas],
        lr=float(lr),
        diverged=bool(message),
        message=message,
    )


def evaluate(net, x, t, loss_fn: Callable) -> float:
    """The loss over all of ``x`` at inference: population statistics from ``x`` (Alg. 2)."""
    net.set_population_stats(x)
    loss = loss_fn(net.eval().forward(x), t)[0]
    net.train()
    return float(loss)


def grad_norm(net, x, t, loss_fn: Callable, kind: str = "weight") -> float:
    """|dl/dp| over every parameter of ``kind`` (KINDS), one training-mode pass on (x, t).

    Nothing is updated; BN normalises with the statistics of x (a mini-batch, or all of it).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} (got {kind!r})")
    x, t = _check_args(x, t, 1.0, 1, 2, ())
    _, dout = loss_fn(net.train().forward(x), t)
    net.backward(dout)
    return float(np.sqrt(sum(np.sum(p.grad**2) for p in net.parameters() if p.kind == kind)))


def fit_classifier(
    x,
    labels,
    sizes,
    *,
    activation: str = "sigmoid",
    freeze=(),
    lr: float = 2.0,
    steps: int = 3000,
    batch_size: int = 64,
    seed: int = 0,
    norm: str | None = "batch",
    gamma: float = 1.0,
):
    """Train ``mlp.mlp(sizes)`` on 0/1 labels with cross-entropy, then fix its BN statistics.

    ``norm``: as in ``mlp`` ("batch", "layer", "group" or None). ``gamma``: the initial gamma
    of every BN layer (it stays there with "gamma" in freeze).
    Returns (net in eval mode with population statistics from x, accuracy on x, TrainResult).
    """
    if not (np.isscalar(gamma) and np.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0 (got {gamma!r})")
    net = mlp(sizes, activation=activation, norm=norm, seed=seed)
    for bn in net.bn_layers:
        bn.weight[...] = gamma
    result = sgd(
        net,
        x,
        labels,
        bce_with_logits,
        lr=lr,
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        freeze=freeze,
    )
    net.set_population_stats(x)
    net.eval()
    return net, binary_accuracy(net(x), labels), result


def predict_proba(net, x) -> np.ndarray:
    """P(label 1) = sigmoid(logit) for each row of x, with the net in eval mode. Shape (N,)."""
    return sigmoid(net.eval().forward(x)[:, 0])


def output_curvature(net, x) -> float:
    """The largest eigenvalue of the Hessian of the mean cross-entropy over x (N, D) in the
    output layer's weights and bias, the net in eval mode (a binary classifier: one logit).

    H = (1/N) sum_i p_i (1 - p_i) a_i a_i^T, a_i = [h_i; 1], h_i the last hidden layer's
    output. A lower bound on the curvature of the loss in all the parameters (a block of
    the full Hessian); gradient descent with lr > 2 / lambda overshoots along its top
    eigenvector (on a quadratic).
    """
    *body, out = net.eval().layers
    if out.weight.shape[0] != 1:
        raise ValueError(f"expected a net with one output logit (got {out.weight.shape[0]})")
    h = _check.float_array(x)
    for layer in body:
        h = layer.forward(h)  # (N, hidden)
    p = sigmoid(out.forward(h)[:, 0])  # (N,)
    a = np.column_stack([h, np.ones(len(h))])  # (N, hidden + 1)
    # H = (1/N) a^T diag(p (1 - p)) a
    hessian = (a * (p * (1 - p))[:, None]).T @ a / len(a)
    return float(np.linalg.eigvalsh(hessian)[-1])
