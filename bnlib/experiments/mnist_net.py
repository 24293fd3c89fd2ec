"""The paper's MNIST network (§4.1) as a torch model, and what a training run records.

784-100-100-100-10, y = g(Wu + b), BN optionally before each nonlinearity:
``NetConfig`` says which network and which training, ``mnist_mlp`` builds it,
``Run`` holds what ``bnlib.experiments.torch_nets.train`` records.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import torch

from bnlib.experiments.covariate_shift import INITS, SMALL_STD, Summary, init_std
from bnlib.experiments.torch_probes import ACTIVATIONS
from bnlib.portable import disturbed


@dataclass(frozen=True)
class NetConfig:
    """One network and its training: same config, same run (the seed fixes init and batches)."""

    activation: str = "sigmoid"
    bn: bool = False
    init: str = "gaussian"  # "gaussian" (std init_std), "xavier" or "he"
    lr: float = 0.5  # plain SGD
    seed: int = 0
    init_std: float = SMALL_STD
    depth: int = 3  # hidden layers
    width: int = 100  # units per hidden layer
    lr_invariant: float | None = None  # with BN: the rate of the weights before BN (None: lr)

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            names = tuple(ACTIVATIONS)
            raise ValueError(f"activation must be one of {names} (got {self.activation!r})")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS} (got {self.init!r})")
        if not (np.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0 (got {self.lr!r})")
        for name in ("depth", "width"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1 (got {value!r})")
        if self.lr_invariant is not None:
            if not (np.isfinite(self.lr_invariant) and self.lr_invariant > 0):
                got = f"got {self.lr_invariant!r}"
                raise ValueError(f"lr_invariant must be a finite number > 0 or None ({got})")
            if not self.bn:
                got = f"got lr_invariant={self.lr_invariant!r}"
                why = "without BN no weights are scale-invariant"
                raise ValueError(f"lr_invariant needs bn=True: {why} ({got})")

    @property
    def lr_before_bn(self) -> float:
        """The learning rate the weights before BN get, which BN makes scale-invariant:
        BN((aW)u) = BN(Wu) (§3.3): ``lr_invariant`` (the setting), or ``lr`` when that is
        None."""
        return self.lr if self.lr_invariant is None else self.lr_invariant


def mnist_mlp(config: NetConfig, n_in: int = 784, n_out: int = 10) -> torch.nn.Sequential:
    """(Linear -> [BatchNorm1d] -> g) per hidden layer, then Linear (softmax is in the loss).

    With BN the Linear layers before it have no bias: BN's beta replaces it
    (paper §3.2). Weights ~ N(0, init_std(...)^2) drawn layer by layer from a
    ``torch.Generator`` seeded with ``config.seed`` (kept as ``model.generator``); biases 0.
    """
    sizes, layers = (n_in,) + (config.width,) * config.depth, []
    for a, b in itertools.pairwise(sizes):
        layers.append(torch.nn.Linear(a, b, bias=not config.bn))
        layers += [torch.nn.BatchNorm1d(b)] if config.bn else []
        layers.append(ACTIVATIONS[config.activation]())
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], n_out))
    gen = torch.Generator().manual_seed(config.seed)
    with torch.no_grad():
        for lin in (m for m in model if isinstance(m, torch.nn.Linear)):
            std = init_std(config.init, lin.in_features, lin.out_features, config.init_std)
            w = std * torch.randn(lin.weight.shape, generator=gen)  # (out, in)
            lin.weight.copy_(disturbed(w))
            if lin.bias is not None:
                lin.bias.zero_()
    model.generator = gen  # train() continues it for the mini-batch order
    return model


@dataclass
class Run:
    """What ``train`` records. P probes at ``steps``; z: a ``Summary`` of (P, L, C, ...)."""

    config: NetConfig
    steps: np.ndarray  # (P,)
    test_loss: np.ndarray  # (P,)
    test_acc: np.ndarray  # (P,) in [0, 1]
    train_loss: np.ndarray  # (S,) loss of each step's mini-batch
    z: Summary = field(repr=False)  # each hidden layer's input to its nonlinearity
    train_set_loss: np.ndarray | None = None  # (P,) on N_FIT training images, eval mode
    train_set_acc: np.ndarray | None = None  # (P,) the same

    @property
    def diverged_at(self) -> int | None:
        """The first step whose loss was not finite (training broke), else None."""
        bad = np.flatnonzero(~np.isfinite(self.train_loss))
        return int(bad[0]) if bad.size else None

    def steps_to(self, accuracy: float) -> int | None:
        """The first probed step with test accuracy >= ``accuracy``, else None."""
        hit = np.flatnonzero(self.test_acc >= accuracy)
        return int(self.steps[hit[0]]) if hit.size else None


def record(config: NetConfig, steps, rows, losses) -> Run:
    """The ``Run`` of P probes at ``steps``, each a row of ``torch_probes.probe``, and the
    mini-batch losses (S,)."""
    cols = [np.stack(c) for c in zip(*rows, strict=True)]  # each (P, ...), in probe's order
    return Run(config, np.asarray(steps), cols[0], cols[1], losses, Summary(*cols[4:]), *cols[2:4])
