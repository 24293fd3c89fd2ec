"""S networks of one shape trained at once as one wide network: several seeds for the price of
fewer numpy calls.

The wide network's features are the S networks' features side by side, (N, S*C):

- a Linear layer becomes a ``BlockLinear``: one (out, in) matrix per network, nothing between them;
- BN normalises each feature on its own, so BatchNorm1d(S*C) is S BatchNorm1d(C);
- LayerNorm(C) becomes GroupNorm(S, S*C) and GroupNorm(G, C) GroupNorm(S*G, S*C): no group
  straddles two networks;
- ``Blockwise`` adds up a loss over the networks, so each one's gradient is its own.

One SGD step of the wide network is one step of each network on its own inputs
(tests/test_side_by_side.py). Inputs are side by side too: network s reads columns
s*in ... (s+1)*in - 1, and its targets are t[:, s].
"""

from __future__ import annotations

import numpy as np

from bnlib.layers import BatchNorm1d
from bnlib.nn.mlp import Activation, Linear, Net
from bnlib.norm_layers import GroupNorm, LayerNorm


class BlockLinear:
    """S Linear layers side by side: y_s = x_s W_s^T + b_s for each block s.

    ``weight`` (S, out, in), ``bias`` (S, out) or None. Shape: x (N, S*in) -> y (N, S*out).
    ``input_grad=False``: ``backward`` returns None instead of dl/dx (a first layer needs
    none; skipping it saves a third of the layer's backward pass).
    """

    def __init__(self, weight, bias=None, *, input_grad: bool = True):
        self.weight = np.array(weight)
        self.bias = None if bias is None else np.array(bias)
        if self.weight.ndim != 3 or (
            self.bias is not None and self.bias.shape != self.weight.shape[:2]
        ):
            raise ValueError(
                "expected weight (S, out, in) and bias (S, out) or None (got "
                f"{self.weight.shape} and {None if bias is None else self.bias.shape})"
            )
        self.input_grad = bool(input_grad)
        self.grad_weight = self.grad_bias = self._x = None

    def forward(self, x) -> np.ndarray:
        s, n_out, n_in = self.weight.shape
        self._x = xs = x.reshape(len(x), s, n_in).transpose(1, 0, 2)  # (S, N, in)
        y = xs @ self.weight.transpose(0, 2, 1)  # (S, N, out)
        if self.bias is not None:
            y += self.bias[:, None, :]
        return y.transpose(1, 0, 2).reshape(len(x), s * n_out)

    def backward(self, dy) -> np.ndarray:
        s, n_out, n_in = self.weight.shape
        d = dy.reshape(len(dy), s, n_out).transpose(1, 0, 2)  # (S, N, out)
        # dl/dW_s = dy_s^T x_s ; dl/db_s = sum_i dy_s,i ; dl/dx_s = dy_s W_s
        self.grad_weight = d.transpose(0, 2, 1) @ self._x  # (S, out, in)
        self.grad_bias = None if self.bias is None else d.sum(axis=1)
        if not self.input_grad:
            return None
        return (d @ self.weight).transpose(1, 0, 2).reshape(len(dy), s * n_in)

    def train(self, mode: bool = True):
        return self


def _norm(layers):
    """S normalisation layers of one kind -> one layer over their features side by side."""
    first, s = layers[0], len(layers)
    if isinstance(first, BatchNorm1d):
        wide = BatchNorm1d(
            s * first.num_features,
            eps=first.eps,
            momentum=first.momentum,
            dtype=first.running_mean.dtype,
        )
        for attr in ("weight", "bias", "running_mean", "running_var"):
            setattr(wide, attr, np.concatenate([getattr(n, attr) for n in layers]))
        return wide
    if len(first.shape) != 1:
        raise ValueError(f"expected LayerNorm over one feature axis (got shape {first.shape})")
    wide = GroupNorm(s * first.groups, s * first.shape[0], eps=first.eps, dtype=first.weight.dtype)
    wide.weight = np.concatenate([n.weight for n in layers])
    wide.bias = np.concatenate([n.bias for n in layers])
    return wide


def side_by_side(nets) -> Net:
    """One wide ``Net`` computing the S networks ``nets`` (same layer sizes) side by side.

    The parameters are copied; training the wide network leaves ``nets`` as they are.
    Its ``backward`` returns None: no gradient with respect to the input is computed.
    """
    nets = list(nets)
    kinds = {
        tuple((type(layer).__name__, np.shape(layer.weight)) for layer in n.layers) for n in nets
    }
    if not nets or len(kinds) != 1:
        raise ValueError(f"expected one or more networks of one shape (got {len(kinds)} shapes)")
    wide = []
    for layers in zip(*(n.layers for n in nets), strict=True):
        first = layers[0]
        if isinstance(first, Linear):
            bias = None if first.bias is None else np.stack([lin.bias for lin in layers])
            weight = np.stack([lin.weight for lin in layers])
            wide.append(BlockLinear(weight, bias, input_grad=bool(wide)))  # none for the input
        elif isinstance(first, BatchNorm1d | LayerNorm | GroupNorm):
            wide.append(_norm(layers))
        elif isinstance(first, Activation):
            wide.append(Activation(first.name))
        else:
            raise TypeError(f"side_by_side: cannot widen a {type(first).__name__} layer")
    return Net(*wide)


def copy_back(wide: Net, nets) -> None:
    """Each network's parameters and BN running statistics from its block of ``wide``."""
    nets = list(nets)
    for k, layer in enumerate(wide.layers):
        for attr in ("weight", "bias", "running_mean", "running_var"):
            value = getattr(layer, attr, None)
            if value is None:
                continue
            blocks = value if isinstance(layer, BlockLinear) else np.split(value, len(nets))
            for net, block in zip(nets, blocks, strict=True):
                setattr(net.layers[k], attr, block.copy())
        if isinstance(layer, BatchNorm1d):
            for net in nets:
                net.layers[k].num_batches_tracked = layer.num_batches_tracked


def inputs(xs) -> np.ndarray:
    """Each network's input (N, in), S of them -> the wide network's input (N, S*in)."""
    return np.concatenate(list(xs), axis=1)


class Blockwise:
    """loss_fn over S networks side by side: the sum of loss_fn(pred_s, t[:, s]) over s.

    pred (N, S*K): network s's outputs are columns s*K ... (s+1)*K - 1; t (N, S, ...).
    ``__call__`` returns (the sum, dl/dpred), as the losses of ``bnlib.nn.losses`` do, so
    ``bnlib.nn.train.sgd`` can use it; ``per_block`` returns the S losses themselves.
    """

    def __init__(self, loss_fn, blocks: int):
        if not isinstance(blocks, int | np.integer) or blocks < 1:
            raise ValueError(f"blocks must be a positive integer (got {blocks!r})")
        self.loss_fn, self.blocks = loss_fn, int(blocks)

    def per_block(self, pred, t) -> tuple[np.ndarray, np.ndarray]:
        k = pred.shape[1] // self.blocks
        if pred.shape[1] != k * self.blocks or np.shape(t)[1:2] != (self.blocks,):
            raise ValueError(
                f"expected pred (N, {self.blocks}*K) and t (N, {self.blocks}, ...) "
                f"(got {pred.shape} and {np.shape(t)})"
            )
        parts = [self.loss_fn(pred[:, s * k : (s + 1) * k], t[:, s]) for s in range(self.blocks)]
        return np.array([p[0] for p in parts]), np.concatenate([p[1] for p in parts], axis=1)

    def __call__(self, pred, t) -> tuple[float, np.ndarray]:
        losses, grad = self.per_block(pred, t)
        return float(losses.sum()), grad


def block_of(net: Net, blocks: int) -> np.ndarray:
    """For the flat vector of all parameters (``net.parameters()`` in order): the block of each.

    Every parameter of a wide network holds its blocks one after the other (first axis).
    """
    return np.concatenate(
        [np.repeat(np.arange(blocks), p.value.size // blocks) for p in net.parameters()]
    )
