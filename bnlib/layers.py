"""Stateful numpy BatchNorm layers with torch.nn.BatchNorm1d/2d's interface.

A thin shell over ``bnlib.functional`` (the maths) and ``bnlib.inference``
(the running statistics): the layer only keeps state and picks the mode.
"""

from __future__ import annotations

import numpy as np

from bnlib import _check
from bnlib import functional as F
from bnlib.inference import update_running_stats


class _BatchNorm:
    """Batch normalization over axis 1 (Ioffe & Szegedy 2015, Alg. 1 and 2).

    .. math:: y = \\frac{x - E[x]}{\\sqrt{Var[x] + \\epsilon}} \\gamma + \\beta

    Training mode normalises with the batch's biased variance and updates
    ``running_mean`` / ``running_var`` (the latter unbiased, m/(m-1)) with
    ``momentum`` (PyTorch's convention; ``None`` = cumulative average). Eval
    mode uses the running statistics, unless ``track_running_stats=False``,
    in which case batch statistics are used in both modes.

    Attributes: ``weight`` (gamma) and ``bias`` (beta), (C,) or None when
    ``affine=False`` (``bias=False`` keeps gamma only, as in PyTorch 2.13);
    ``running_mean``, ``running_var`` (C,) and ``num_batches_tracked``, or
    None when not tracking; ``training``; ``grad_weight``, ``grad_bias`` set
    by ``backward`` (not accumulated, unlike PyTorch's ``.grad``).

    Shape: see each subclass; C = ``num_features``.
    """

    _ndims: tuple[int, ...] = ()
    _shapes: str = ""

    def __init__(
        self,
        num_features: int,
        *,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        bias: bool = True,
        dtype=np.float32,
    ):
        if not isinstance(num_features, int | np.integer) or num_features < 1:
            raise ValueError(f"num_features must be a positive integer (got {num_features!r})")
        self.num_features = int(num_features)
        self.eps = _check.eps_value(eps)
        self.momentum = _check.momentum_value(momentum)
        self.affine, self.track_running_stats = affine, track_running_stats
        c, dtype = self.num_features, np.dtype(dtype)
        self.weight = np.ones(c, dtype) if affine else None
        self.bias = np.zeros(c, dtype) if affine and bias else None
        self.running_mean = np.zeros(c, dtype) if track_running_stats else None
        self.running_var = np.ones(c, dtype) if track_running_stats else None
        self.num_batches_tracked = 0 if track_running_stats else None
        self.training = True
        self.grad_weight = self.grad_bias = None
        self._cache = None

    def train(self, mode: bool = True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def _check_input(self, x) -> np.ndarray:
        x = _check.float_array(x)
        if x.ndim not in self._ndims:
            dims = " or ".join(f"{d}D" for d in self._ndims)
            raise ValueError(f"expected {dims} input {self._shapes} (got {x.ndim}D input)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"expected {self.num_features} channels in axis 1 of the input "
                f"(got input of shape {x.shape})"
            )
        return x

    def forward(self, x) -> np.ndarray:
        x = self._check_input(x)
        if self.training or not self.track_running_stats:  # batch statistics
            y, cache = F.batch_norm_train(x, self.weight, self.bias, self.eps)
            if self.training and self.track_running_stats:
                self.num_batches_tracked += 1
                mean, var = update_running_stats(
                    self.running_mean,
                    self.running_var,
                    cache.mu,
                    cache.var,
                    x.size // x.shape[1],
                    self.momentum,
                    self.num_batches_tracked,
                )
                dtype = self.running_mean.dtype
                self.running_mean, self.running_var = mean.astype(dtype), var.astype(dtype)
            self._cache = cache
            return y
        y = F.batch_norm_eval(
            x, self.weight, self.bias, self.running_mean, self.running_var, self.eps
        )
        self._cache = x
        return y

    __call__ = forward

    def backward(self, dy) -> np.ndarray:
        """dl/dx for the last ``forward``; sets ``grad_weight`` and ``grad_bias``."""
        if self._cache is None:
            raise RuntimeError("call forward(x) before backward(dy)")
        if isinstance(self._cache, F.BNCache):
            dx, dgamma, dbeta = F.batch_norm_backward(dy, self._cache)
        else:  # eval mode: a fixed affine map per channel
            dx, dgamma, dbeta = F.batch_norm_eval_backward(
                dy, self._cache, self.weight, self.running_mean, self.running_var, self.eps
            )
        if self.weight is not None:
            self.grad_weight = dgamma.astype(self.weight.dtype)
        if self.bias is not None:
            self.grad_bias = dbeta.astype(self.bias.dtype)
        return dx

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats})"
        )


class BatchNorm1d(_BatchNorm):
    """BN for (N, C) or (N, C, L) input, as torch.nn.BatchNorm1d. Shape: y like x."""

    _ndims, _shapes = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """BN for (N, C, H, W) input, per channel over N, H, W (paper §3.2), as torch.nn.BatchNorm2d."""

    _ndims, _shapes = (4,), "(N, C, H, W)"
