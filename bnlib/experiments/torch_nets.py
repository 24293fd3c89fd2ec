"""PyTorch networks and training for the notebooks (the one bnlib module that imports torch).

The paper's MNIST network (§4.1): 784-100-100-100-10, y = g(Wu + b), BN
optionally before each nonlinearity. ``train`` trains one network with
probes; ``train_many`` trains several at once by stacking their parameters
(batched matrix products), with the same result as ``train`` on each. Probes
record, at chosen steps, each hidden layer's input to its nonlinearity (per
unit: mean, std, percentiles, quantiles; see ``bnlib.experiments.covariate_shift.Summary``), the
test loss and the test accuracy. ``pre_activations`` and ``scores`` do the same for one
trained network. Precise BN recomputes running statistics.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from bnlib.experiments.covariate_shift import INITS, SMALL_STD, Summary, init_std, summarize
from bnlib.experiments.many_at_once.stacked import Stack
from bnlib.nn.precise import algorithm2, one_batch_stats
from bnlib.portable import disturbed
from bnlib.progress import progress

N_FIT = 1000  # training images a probe evaluates (as many as test images)
_BN = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)
_G = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}


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
        if self.activation not in _G:
            raise ValueError(f"activation must be one of {tuple(_G)} (got {self.activation!r})")
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
                raise ValueError(f"lr_invariant must be a finite number > 0 or None "
                                 f"(got {self.lr_invariant!r})")  # fmt: skip
            if not self.bn:
                got = f"got lr_invariant={self.lr_invariant!r}"
                raise ValueError(f"lr_invariant needs bn=True: without BN no weights are "
                                 f"scale-invariant ({got})")  # fmt: skip

    @property
    def lr_inv(self) -> float:
        """The learning rate of the weights before BN, which BN makes scale-invariant:
        BN((aW)u) = BN(Wu) (§3.3). ``lr_invariant``, or ``lr`` when that is None."""
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
        layers.append(_G[config.activation]())
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


def _record(config, steps, rows, losses) -> Run:
    cols = [np.stack(c) for c in zip(*rows, strict=True)]  # each (P, ...), in _probe's order
    return Run(config, np.asarray(steps), cols[0], cols[1], losses, Summary(*cols[4:]), *cols[2:4])


def _check_steps(steps: int, probe_steps) -> list[int]:
    if not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0 (got {steps!r})")
    probe = sorted({int(s) for s in probe_steps})
    if not probe or probe[0] < 0 or probe[-1] > steps:
        raise ValueError(f"probe_steps must be steps in 0..{steps}, at least one (got {probe})")
    return probe


def _batches(gen: torch.Generator, n: int, batch_size: int):
    """Mini-batch indices forever: shuffle each epoch, drop the incomplete last batch."""
    if not 0 < batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n}, the training set size (got {batch_size})")
    while True:
        perm = torch.randperm(n, generator=gen)
        yield from perm[: n - n % batch_size].view(-1, batch_size)


def _tensors(data, dtype: torch.dtype):
    x, y, xt, yt = (torch.from_numpy(np.asarray(a)) for a in data)
    return x.to(dtype), y.long(), xt.to(dtype), yt.long()


@contextmanager
def _threads(n: int):
    """torch on ``n`` threads inside the block, then as before.

    One thread is the default. Two are faster only on an idle machine; when
    other work shares the cores, every small operation waits for a busy core
    and training slows down many times over. With a fixed count the numbers
    also do not depend on how many threads torch was given (tests/test_nets.py).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(config: NetConfig, data, steps: int, probe_steps: Iterable[int] = (0,), *,
          batch_size: int = 60, threads: int = 1, dtype=torch.float32) -> Run:  # fmt: skip
    """Train one ``mnist_mlp`` by SGD on ``data`` (a ``bnlib.nn.data.MNIST``), probing as it goes.

    A probe runs the test set through the network: in train mode for the
    inputs of the nonlinearities (BN uses the probe batch's statistics and
    leaves the running ones alone: what the sigmoid sees in training), in
    eval mode for the test loss and accuracy; and the first ``N_FIT`` training
    images (a random sample: ``load_mnist`` shuffles), in eval mode, for the
    same on training data. ``train_many`` computes the same.
    """
    return _train(config, data, steps, probe_steps, batch_size, threads, dtype)[1]


def fit(config: NetConfig, data, steps: int, *, batch_size: int = 60, threads: int = 1,
        dtype=torch.float32) -> torch.nn.Sequential:  # fmt: skip
    """The network ``train`` trains, itself, after ``steps`` SGD steps (in train mode):
    for looking at its parameters, e.g. the learned gamma and beta (``bn_layers``)."""
    return _train(config, data, steps, None, batch_size, threads, dtype)[0]


def _train(config, data, steps, probe_steps, batch_size, threads, dtype):
    """(the trained model, its ``Run``): ``train``, and ``fit`` (probe_steps None: no probes,
    no ``Run``)."""
    probe = _check_steps(steps, [steps] if probe_steps is None else probe_steps)
    probe = [] if probe_steps is None else probe
    probe_at, (x, y, xt, yt) = set(probe), _tensors(data, dtype)
    with _threads(threads):
        model = mnist_mlp(config, x.shape[1], int(y.max()) + 1).to(dtype)
        opt = torch.optim.SGD(_param_groups(model, config), lr=config.lr)
        batches, rows, losses = _batches(model.generator, len(x), batch_size), [], np.zeros(steps)
        for step in progress(range(steps + 1), desc=f"train {config.activation}"):
            if step in probe_at:
                rows.append(_probe(model, xt, yt, x[:N_FIT], y[:N_FIT]))
            if step == steps:
                break
            losses[step] = sgd_step(model, opt, x, y, next(batches))
    return model.train(), (_record(config, probe, rows, losses) if probe else None)


def sgd_step(model: torch.nn.Module, opt: torch.optim.Optimizer, x, y, idx) -> float:
    """One step of ``opt`` on the mini-batch ``x[idx]``, ``y[idx]`` (idx (B,)); its loss."""
    loss = F.cross_entropy(model(x[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _param_groups(model: torch.nn.Sequential, config: NetConfig) -> list[dict]:
    """SGD's parameter groups: the weights of the Linear layers before BN at ``config.lr_inv``;
    everything else (gamma, beta, the output layer; every parameter without BN) at ``lr``."""
    before_bn = [a.weight for a, b in itertools.pairwise(model) if isinstance(b, _BN)]
    ids = {id(p) for p in before_bn}
    rest = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": rest}, {"params": before_bn, "lr": config.lr_inv}]
    return [g for g in groups if g["params"]]


@torch.no_grad()
def _inputs(model: torch.nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """Each nonlinearity's input z (N, C) for x, in train mode (BN with the statistics of x);
    the running statistics are left as they were, the model is left in train mode."""
    seen = []
    hooks = [m.register_forward_pre_hook(lambda _, inp: seen.append(inp[0]))
             for m in model if isinstance(m, tuple(_G.values()))]  # fmt: skip
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
        z = _inputs(model, torch.as_tensor(np.asarray(x)).to(dtype))
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
    loss, acc = _scores(logits, torch.as_tensor(np.asarray(y)).long())
    return float(loss), float(acc)


@torch.no_grad()
def _probe(model: torch.nn.Sequential, xt, yt, xf=None, yf=None) -> list[np.ndarray]:
    """Loss and accuracy on the test set and on training images (xf, yf; NaN when None),
    and the Summary of each nonlinearity's input on the test set."""
    seen = _inputs(model, xt)
    model.eval()
    got = [*_scores(model(xt), yt), *_scores(None if xf is None else model(xf), yf)]
    model.train()
    return [*got, *_summary(torch.stack(seen))]


def _scores(logits, y) -> list[np.ndarray]:
    """Cross-entropy loss and accuracy of ``logits`` (N, classes) for labels y; NaN for None."""
    if logits is None:
        return [np.array(np.nan), np.array(np.nan)]
    return [F.cross_entropy(logits, y).numpy(), (logits.argmax(1) == y).float().mean().numpy()]


def _summary(z: torch.Tensor) -> list[np.ndarray]:
    """``summarize`` z (..., N, C); NaN for a layer whose z is not finite (training broke)."""
    z = z.numpy()
    ok = np.isfinite(z).all(axis=(-2, -1))  # (...,)
    cols = summarize(np.where(ok[..., None, None], z, 0.0))
    return [np.where(ok.reshape(ok.shape + (1,) * (c.ndim - ok.ndim)), c, np.nan) for c in cols]


def _batch_groups(models) -> list[list[int]]:
    """Indices of the networks whose mini-batch streams are one: same generator state."""
    groups: dict[bytes, list[int]] = {}
    for i, model in enumerate(models):
        groups.setdefault(bytes(model.generator.get_state().numpy()), []).append(i)
    return list(groups.values())


def _train_stack(configs, data, steps, probe, batch_size, on_probe=None,
                 fit_probe: bool = True) -> list[Run]:  # fmt: skip
    """``train`` for networks of one shape (a ``many_at_once.stacked.Stack``). At each probe,
    ``on_probe(models)`` (if given) gets the networks as they are then, in the order of
    ``configs`` (models of their own: changing them changes no training). ``fit_probe``
    False: probes skip the training images (``train_set_loss`` and ``_acc`` are NaN)."""
    x, y, xt, yt = data
    order = sorted(range(len(configs)), key=lambda i: configs[i].bn)  # without BN first
    configs = [configs[i] for i in order]
    models = [mnist_mlp(c, x.shape[1], int(y.max()) + 1).to(x.dtype) for c in configs]
    groups = _batch_groups(models)
    lrs, lrs_inv = [c.lr for c in configs], [c.lr_inv for c in configs]
    stack = Stack(models, lrs, groups, batch_size, lrs_invariant=lrs_inv)
    batches = [_batches(models[g[0]].generator, len(x), batch_size) for g in groups]
    rows, sums, probe_at = [], torch.zeros(steps, len(models), dtype=x.dtype), set(probe)
    for step in progress(range(steps + 1), desc=f"train {len(models)} nets"):
        if step in probe_at:
            xf, yf = (x[:N_FIT], y[:N_FIT]) if fit_probe else (None, None)
            rows.append(_probe_stack(stack, xt, yt, xf, yf))
            if on_probe is not None:
                stack.copy_to(models)
                on_probe([models[order.index(i)] for i in range(len(order))])
        if step == steps:
            break
        for xb, yb, it in zip(stack.x, stack.y, batches, strict=True):
            idx = next(it)  # (B,)
            torch.index_select(x, 0, idx, out=xb)
            torch.index_select(y, 0, idx, out=yb)
        stack.step(sums[step])
    losses = (-sums.double() / batch_size).numpy()  # (S, K): each network's mean loss
    runs = [_record(c, probe, [r[k] for r in rows], losses[:, k]) for k, c in enumerate(configs)]
    return [runs[order.index(i)] for i in range(len(order))]


def _probe_stack(stack: Stack, xt, yt, xf, yf) -> list[list[np.ndarray]]:
    """Per network of the stack, what ``_probe`` returns, all networks at once: the test and
    training images in one eval-mode pass (each example on its own), then the test images
    with batch statistics where there is BN, from the same first-layer product. ``xf`` None:
    no training images (their loss and accuracy NaN)."""
    n, k = len(xt), stack.K
    z1 = stack.first_layer(xt if xf is None else torch.cat([xt, xf]))
    logits, us = stack.evaluate(z1, batch_stats=False)  # (K, classes, N + N_fit)
    if stack.Ka < stack.K:  # what the nonlinearities see in training: batch statistics
        us = stack.evaluate(z1[:n], batch_stats=True)[1]
    fit = [np.full(k, np.nan, np.float32)] * 2 if xf is None else _stack_scores(logits[..., n:], yf)
    scores = [*_stack_scores(logits[..., :n], yt), *fit]
    z = torch.stack([u[:n] for u in us]).view(len(us), n, k, -1).permute(2, 0, 1, 3)  # (K, L, N, C)
    cols = _summary(z)  # each (K, L, C, ...)
    return [[*(s[j] for s in scores), *(c[j] for c in cols)] for j in range(k)]


def _stack_scores(logits, y) -> list[np.ndarray]:
    """Each network's loss and accuracy, (K,) each, from logits (K, classes, N)."""
    ys = y.expand(len(logits), -1)  # (K, N)
    loss = F.cross_entropy(logits, ys, reduction="none").mean(1)
    return [loss.numpy(), (logits.argmax(1) == ys).float().mean(1).numpy()]


def train_many(configs: Sequence[NetConfig], data, steps: int,
               probe_steps: Iterable[int] = (0,), *, batch_size: int = 60,
               threads: int = 1, dtype=torch.float32,
               fit_probe: bool = True, on_probe=None) -> list[Run]:  # fmt: skip
    """``[train(c, data, ...) for c in configs]``, computed many networks at a time.

    Networks of one activation, depth and width train together, with and
    without BN, as one ``bnlib.experiments.many_at_once.stacked.Stack`` (stacked parameters, the
    backward pass written out), each with its own seed, init, mini-batches and
    learning rates (``lr``, and ``lr_invariant`` for the weights before BN);
    networks with the same seed see the same mini-batches and share the first
    layer's product. Equal to ``train`` up to float rounding
    (tests/test_nets.py). ``fit_probe=False``: the probes skip the training images,
    which saves time where only the test set is looked at (``train_set_loss`` and
    ``train_set_acc`` are then NaN). ``on_probe(models)``, if given, is called at each
    probe with the networks of one stack (one shape), in the order of ``configs``, as
    they are then: copies, so looking at them changes no training (``ics.trace_many``).
    """
    probe = _check_steps(steps, probe_steps)
    tensors = _tensors(data, dtype)
    shapes: dict[tuple, list[int]] = {}
    for i, c in enumerate(configs):
        shapes.setdefault((c.activation, c.depth, c.width), []).append(i)
    runs: list = [None] * len(configs)
    with _threads(threads), torch.no_grad():
        for members in shapes.values():
            done = _train_stack([configs[i] for i in members], tensors, steps, probe, batch_size,
                                on_probe, fit_probe)  # fmt: skip
            for i, run in zip(members, done, strict=True):
                runs[i] = run
    return runs


def bn_layers(model: torch.nn.Module) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    """Every BatchNorm layer of ``model`` that tracks running statistics, in order."""
    return [m for m in model.modules() if isinstance(m, _BN) and m.track_running_stats]


@torch.no_grad()
def precise_bn_torch(model: torch.nn.Module, batches: Iterable[torch.Tensor]) -> int:
    """Recompute every BN layer's running statistics from ``batches`` (Algorithm 2).

    The batches run through in train mode; each BN layer's running statistics
    become ``bnlib.nn.precise.algorithm2`` of its inputs' batch statistics:
    E[x] = mean of the batch means, Var[x] = mean of the unbiased batch
    variances, i.e. m/(m-1) * mean of the biased ones ("precise BN", Wu &
    Johnson 2021), as torch computes with momentum=None. Weights, momenta and
    the model's mode are untouched. Returns the number of batches used.
    """
    layers = bn_layers(model)
    if not layers:
        raise ValueError("the model has no BatchNorm layer that tracks running statistics")
    stats: list[list] = [[] for _ in layers]

    def keep(i):
        return lambda _, inp: stats[i].append(one_batch_stats(inp[0].double().numpy()))

    hooks = [bn.register_forward_pre_hook(keep(i)) for i, bn in enumerate(layers)]
    was_training, n = model.training, 0
    try:
        model.train()
        for x in batches:
            model(x)
            n += 1
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    if n == 0:
        raise ValueError("precise_bn_torch needs at least one batch (got none)")
    for bn, rows in zip(layers, stats, strict=True):
        mean, var = algorithm2(*(np.array(c) for c in zip(*rows, strict=True)))
        bn.running_mean.copy_(torch.from_numpy(mean))
        bn.running_var.copy_(torch.from_numpy(var))
        bn.num_batches_tracked.fill_(n)
    return n
