"""A small numpy network for the notebooks: Linear -> BatchNorm1d (or LayerNorm, GroupNorm) -> g.

Each layer's ``forward`` keeps what its ``backward`` needs (CS231n style);
``backward(dy)`` returns dl/dx and sets ``grad_weight`` / ``grad_bias``.
BN is ``bnlib.layers.BatchNorm1d`` itself (tested against PyTorch), not a copy.
Losses are in ``bnlib.nn.losses``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

import numpy as np

from bnlib.layers import BatchNorm1d
from bnlib.nn import activations
from bnlib.nn.precise import precise_bn
from bnlib.norm_layers import GroupNorm, LayerNorm
from bnlib.portable import disturbed

NORMS = ("batch", "layer", "group", None)
NORM_LAYERS = (BatchNorm1d, LayerNorm, GroupNorm)  # parameters named gamma, beta


class Linear:
    """y = x W^T + b, as torch.nn.Linear: ``weight`` (out, in), ``bias`` (out,) or None.

    Init: W ~ N(0, gain^2 / in) (gain 1: LeCun; sqrt(2): He). Shape: x (N, in) -> (N, out).
    """

    def __init__(self, n_in: int, n_out: int, *, bias=True, gain=1.0, rng=None, dtype=np.float64):
        rng = np.random.default_rng(rng)
        w = gain / np.sqrt(n_in) * rng.standard_normal((n_out, n_in))  # (out, in)
        self.weight = disturbed(w).astype(dtype)
        self.bias = np.zeros(n_out, dtype) if bias else None
        self.grad_weight = self.grad_bias = self._x = None

    def forward(self, x) -> np.ndarray:
        self._x = x
        y = x @ self.weight.T  # (N, in) @ (in, out) -> (N, out)
        return y if self.bias is None else y + self.bias

    def backward(self, dy) -> np.ndarray:
        # dl/dW = dy^T x ; dl/db = sum_i dy_i ; dl/dx = dy W
        self.grad_weight = dy.T @ self._x
        self.grad_bias = None if self.bias is None else dy.sum(axis=0)
        return dy @ self.weight

    def train(self, mode: bool = True):
        return self


class Activation:
    """y = g(x) elementwise, g from ``bnlib.nn.activations`` ("sigmoid", "tanh", "relu", ...)."""

    weight = bias = None

    def __init__(self, name: str):
        self.name = name
        self.g, self.g_grad = activations.get(name)
        self._x = None

    def forward(self, x) -> np.ndarray:
        self._x = x
        return self.g(x)

    def backward(self, dy) -> np.ndarray:
        return dy * self.g_grad(self._x)  # dl/dx = dl/dy * g'(x)

    def train(self, mode: bool = True):
        return self


class Param(NamedTuple):
    """One parameter array: its name ("0.weight", "1.gamma"), kind and owner."""

    name: str
    kind: str  # "weight", "bias" (Linear) or "gamma", "beta" (BatchNorm1d, LayerNorm, GroupNorm)
    layer: object
    attr: str  # "weight" or "bias": PyTorch's attribute name

    @property
    def value(self) -> np.ndarray:
        return getattr(self.layer, self.attr)

    @property
    def grad(self) -> np.ndarray:
        return getattr(self.layer, f"grad_{self.attr}")


class Net:
    """A sequence of layers, run forward in order and backward in reverse.

    ``norm_types``: more layer classes whose ``weight``, ``bias`` are gamma, beta (a norm
    layer written outside bnlib, e.g. a learner's BatchNorm1d), besides bnlib's own.
    """

    def __init__(self, *layers, norm_types: tuple[type, ...] = ()):
        self.layers = list(layers)
        self.norm_types = NORM_LAYERS + tuple(norm_types)

    def forward(self, x) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout) -> np.ndarray:
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def train(self, mode: bool = True):
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def pre_activations(self, x) -> list[np.ndarray]:
        """The input of every Activation layer for input x (for BN nets: y = gamma x_hat + beta)."""
        found = []
        for layer in self.layers:
            if isinstance(layer, Activation):
                found.append(x)
            x = layer.forward(x)
        return found

    @property
    def bn_layers(self) -> list[BatchNorm1d]:
        return [layer for layer in self.layers if isinstance(layer, BatchNorm1d)]

    def parameters(self) -> list[Param]:
        params = []
        for i, layer in enumerate(self.layers):
            norm = isinstance(layer, self.norm_types)
            for attr, kind in (
                ("weight", "gamma" if norm else "weight"),
                ("bias", "beta" if norm else "bias"),
            ):
                if getattr(layer, attr, None) is not None:
                    params.append(Param(f"{i}.{kind}", kind, layer, attr))
        return params

    def set_population_stats(self, x) -> None:
        """Alg. 2: every BN layer's running statistics from all of ``x`` as one batch.

        E[x] = mean, Var[x] = m/(m-1) * biased variance over ``x`` (``precise.precise_bn``
        with the "algorithm2" estimator, layer by layer); weights, modes and momenta untouched.
        """
        for layer in self.layers:
            if isinstance(layer, BatchNorm1d):
                training = layer.training
                y = layer.train(True).forward(x)  # what the next layer sees in training
                precise_bn(layer, [x], estimator="algorithm2")
                layer.train(training)
                x = y
            else:
                x = layer.forward(x)


def mlp(
    sizes,
    *,
    activation="sigmoid",
    norm="batch",
    num_groups: int = 10,
    gain=1.0,
    seed=0,
    dtype=np.float64,
) -> Net:
    """Linear -> norm -> g for each hidden layer, then a Linear output (logits).

    ``sizes`` = [n_in, hidden..., n_out]. ``norm``: "batch" (BatchNorm1d),
    "layer" (LayerNorm), "group" (GroupNorm with ``num_groups``), None, or a class
    (any callable) that makes a norm layer from its number of features, ``norm(C)``,
    with bnlib's layer interface (``forward``, ``backward``, ``train``, ``weight``,
    ``bias``, ``grad_weight``, ``grad_bias``): e.g. a learner's own BatchNorm1d.
    A Linear followed by a norm has no bias (the mean subtraction would cancel
    it; beta plays its part).
    """
    if len(sizes) < 2 or any(int(s) != s or s < 1 for s in sizes):
        raise ValueError(f"sizes must be >= 2 positive integers [n_in, ..., n_out] (got {sizes!r})")
    if not callable(norm) and norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS} (got {norm!r}) or a class")
    make = (
        norm
        if callable(norm)
        else {
            "batch": lambda c: BatchNorm1d(c, dtype=dtype),
            "layer": lambda c: LayerNorm(c, dtype=dtype),
            "group": lambda c: GroupNorm(num_groups, c, dtype=dtype),
        }.get(norm)
    )
    rng = np.random.default_rng(seed)
    layers, norms = [], []
    for n_in, n_out in pairwise(sizes[:-1]):
        layers.append(Linear(n_in, n_out, bias=make is None, gain=gain, rng=rng, dtype=dtype))
        if make is not None:
            norms.append(make(n_out))
            layers.append(norms[-1])
        layers.append(Activation(activation))
    layers.append(Linear(sizes[-2], sizes[-1], gain=gain, rng=rng, dtype=dtype))
    # a learner's own layer (any callable's product): its weight and bias are gamma and beta
    own = tuple({type(n) for n in norms}) if callable(norm) else ()
    return Net(*layers, norm_types=own)
