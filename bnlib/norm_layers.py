"""LayerNorm and GroupNorm as layers for ``bnlib.nn.mlp``: forward, backward, torch's interface.

The statistics are ``bnlib.norms``' (each example over its own features or
groups of channels, never over the batch); the layers keep what ``backward``
needs, as ``bnlib.layers.BatchNorm1d`` does, so a ``Net`` can train with them.
"""

from __future__ import annotations

import numpy as np

from bnlib import _check
from bnlib.functional import _c
from bnlib.norms import _standardize_stats


class _PerExampleNorm:
    """Shared by the layers: standardise each example over groups of its values, then affine.

    Backward over the K values of a group: dx = inv_std * (dx_hat - mean(dx_hat)
    - x_hat * mean(dx_hat * x_hat)), the BN formula with the batch axis swapped
    for the group's axis. ``grad_weight`` / ``grad_bias`` are set as in BatchNorm1d.
    """

    def __init__(self, groups: int, shape: tuple[int, ...], eps: float, affine: bool, dtype):
        self.groups, self.shape, self.eps = groups, shape, _check.eps_value(eps)
        self.weight = np.ones(shape, dtype) if affine else None
        self.bias = np.zeros(shape, dtype) if affine else None
        self.grad_weight = self.grad_bias = self._cache = None
        self.training = True

    def _affine(self, v: np.ndarray, ndim: int) -> np.ndarray:
        return v if v.shape != (self.shape[0],) else _c(v, ndim)  # (C,) broadcast along axis 1

    def forward(self, x) -> np.ndarray:
        x = _check.float_array(x)
        _check.layout(x)
        self._check(x)
        g = x.reshape(len(x), self.groups, -1)  # (N, G, K)
        x_hat, inv_std = _standardize_stats(g, (2,), self.eps)
        x_hat = x_hat.reshape(x.shape)
        self._cache = (x_hat, inv_std)
        if self.weight is None:
            return x_hat
        return x_hat * self._affine(self.weight, x.ndim) + self._affine(self.bias, x.ndim)

    __call__ = forward

    def backward(self, dy) -> np.ndarray:
        """dl/dx for the last ``forward``; sets ``grad_weight`` and ``grad_bias``."""
        if self._cache is None:
            raise RuntimeError("call forward(x) before backward(dy)")
        x_hat, inv_std = self._cache
        dx_hat = dy
        if self.weight is not None:
            axes = (0,) if self.weight.ndim == x_hat.ndim - 1 else (0, *range(2, x_hat.ndim))
            self.grad_weight = (dy * x_hat).sum(axis=axes).reshape(self.shape)
            self.grad_bias = dy.sum(axis=axes).reshape(self.shape)
            dx_hat = dy * self._affine(self.weight, dy.ndim)
        d, h = dx_hat.reshape(len(dy), self.groups, -1), x_hat.reshape(len(dy), self.groups, -1)
        dx = inv_std * (d - d.mean(axis=2, keepdims=True) - h * (d * h).mean(axis=2, keepdims=True))
        return dx.reshape(dy.shape)

    def train(self, mode: bool = True):
        self.training = bool(mode)  # recorded only: no running statistics, same maths in both modes
        return self

    def eval(self):
        return self.train(False)


class LayerNorm(_PerExampleNorm):
    """torch.nn.LayerNorm(normalized_shape) for x of shape (N, *normalized_shape).

    Each example over all its features; ``weight``, ``bias`` elementwise, of ``normalized_shape``.
    """

    def __init__(self, normalized_shape, *, eps=1e-5, elementwise_affine=True, dtype=np.float32):
        shape = (normalized_shape,) if np.isscalar(normalized_shape) else tuple(normalized_shape)
        super().__init__(1, shape, eps, elementwise_affine, dtype)

    def _check(self, x):
        if x.shape[1:] != self.shape:
            raise ValueError(f"expected input of shape (N, *{self.shape}) (got {x.shape})")


class GroupNorm(_PerExampleNorm):
    """torch.nn.GroupNorm(num_groups, num_channels): each example over groups of channels.

    ``weight``, ``bias`` (C,), per channel. Shape: x (N, C, *) -> y like x.
    """

    def __init__(
        self, num_groups: int, num_channels: int, *, eps=1e-5, affine=True, dtype=np.float32
    ):
        if (
            not isinstance(num_groups, int | np.integer)
            or num_groups < 1
            or num_channels % num_groups
        ):
            raise ValueError(
                f"num_groups must be a positive divisor of the {num_channels} "
                f"channels (got {num_groups!r})"
            )
        super().__init__(int(num_groups), (int(num_channels),), eps, affine, dtype)

    def _check(self, x):
        if x.shape[1] != self.shape[0]:
            raise ValueError(
                f"expected {self.shape[0]} channels in axis 1 (got input of shape {x.shape})"
            )
