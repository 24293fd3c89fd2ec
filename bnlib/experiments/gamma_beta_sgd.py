"""SGD on a task whose best gamma, beta are far from their start (1, 0): lesson 04 and lab 04a.

The toy is y = BN(x W^T), 2 inputs -> 2 outputs, on ``bnlib.nn.toys.shifted_scaled_targets``:
nothing after BN can rescale or shift, so only gamma and beta can give the outputs the
targets' scale and shift. What is measured: the runs themselves, how the weights before
BN grow (paper section 3.3: dl/dW is orthogonal to W, so a plain SGD step only lengthens
W), how much of the decrease gamma and beta carry, and the same for a ReLU network.
"""

from __future__ import annotations

import numpy as np

from bnlib.layers import BatchNorm1d
from bnlib.nn.losses import bce_with_logits, mse
from bnlib.nn.mlp import Linear, Net, mlp
from bnlib.nn.toys import shifted_scaled_targets, spirals
from bnlib.nn.train import TrainResult, evaluate, sgd

STEPS, BATCH = 300, 32


def toy_net(seed: int = 0) -> Net:
    """y = BN(x W^T), 2 inputs -> 2 outputs: the output's scale and shift are gamma, beta."""
    return Net(Linear(2, 2, bias=False, rng=seed), BatchNorm1d(2, dtype=np.float64))


def toy_run(
    lr: float, *, steps: int = STEPS, freeze=(), seed: int = 0, data=None
) -> tuple[TrainResult, float]:
    """Train a fresh toy net with SGD; returns (result, full-data loss after training).

    The full-data loss is NaN when the run diverged.
    """
    x, t = shifted_scaled_targets() if data is None else data
    net = toy_net(seed)
    result = sgd(net, x, t, mse, lr=lr, steps=steps, batch_size=BATCH, freeze=freeze, seed=seed)
    return result, (np.nan if result.diverged else evaluate(net, x, t, mse))


def weight_norms(lr: float, steps=(1, 2, STEPS), data=None) -> np.ndarray:
    """|W| of the toy at the start and after each number of SGD ``steps`` (same batches).

    Returns (len(steps) + 1,): |W| after 0, steps[0], steps[1], ... updates.
    """
    x, t = shifted_scaled_targets() if data is None else data
    norms = [np.linalg.norm(toy_net().layers[0].weight)]
    for n in steps:
        net = toy_net()
        sgd(net, x, t, mse, lr=lr, steps=n, batch_size=BATCH)
        norms.append(np.linalg.norm(net.layers[0].weight))
    return np.array(norms)


def step_gradient(norm_before: float, norm_after: float, lr: float) -> float:
    """|g| of one plain SGD step, read off the weights' growth.

    g is orthogonal to W (BN makes the loss scale-invariant in W), so
    |W - lr g|^2 = |W|^2 + lr^2 |g|^2 and |g| = sqrt(|W_after|^2 - |W_before|^2) / lr.
    """
    return float(np.sqrt(norm_after**2 - norm_before**2) / lr)


def frozen_floor(t, best_gamma) -> tuple[float, float]:
    """The least loss of the toy with gamma, beta frozen at (1, 0): (means' part, spreads' part).

    Every output then has mean 0 and std 1. Per output k, with target mean tbar_k,
    variance s_k^2 and best gamma*_k: the mean costs tbar_k^2 / 2, the spread
    (1 + s_k^2 - 2 gamma*_k) / 2 (gamma*_k is the largest covariance a unit-variance
    linear output can have with the target). Args: t (N, K); best_gamma (K,).
    """
    t = np.asarray(t, float)
    means = 0.5 * float(np.sum(t.mean(axis=0) ** 2))
    spreads = 0.5 * float(np.sum(1 + t.var(axis=0) - 2 * np.asarray(best_gamma, float)))
    return means, spreads


def share_of_decrease(start: float, loss: float, full: float) -> float:
    """The fraction of the full decrease a run reached: (start - loss) / (start - full)."""
    return (start - loss) / (start - full)


def relu_freeze_losses(seed: int, *, steps: int = 2000) -> dict[str, float]:
    """A ReLU network (2 -> 16 -> 16 -> 1, BN before each ReLU) on two spirals, where a
    linear layer follows each BN: cross-entropy over all data at the start, after training
    everything, and after training with gamma, beta frozen at (1, 0) (lr 1, batches of 64).
    """
    xs, ys = spirals(400, seed=seed)
    start = mlp([2, 16, 16, 1], activation="relu", seed=seed)
    losses = {"start": evaluate(start, xs, ys, bce_with_logits)}
    for label, frozen in (("all learned", ()), ("γ, β frozen", ("gamma", "beta"))):
        net = mlp([2, 16, 16, 1], activation="relu", seed=seed)
        sgd(
            net,
            xs,
            ys,
            bce_with_logits,
            lr=1.0,
            steps=steps,
            batch_size=64,
            freeze=frozen,
            seed=seed,
        )
        losses[label] = evaluate(net, xs, ys, bce_with_logits)
    return losses


def toy_freeze_losses(seed: int) -> dict[str, float]:
    """The toy on data and weights drawn from ``seed``: loss at the start, after training
    everything and after training with gamma, beta frozen (lr 0.1, as in lesson 04)."""
    data = shifted_scaled_targets(512, seed=seed)
    losses = {"start": evaluate(toy_net(seed), *data, mse)}
    for label, frozen in (("all learned", ()), ("γ, β frozen", ("gamma", "beta"))):
        losses[label] = toy_run(0.1, freeze=frozen, seed=seed, data=data)[1]
    return losses
