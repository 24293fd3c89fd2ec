"""The paper's MNIST network (§4.1) in PyTorch, trained by SGD with probes.

784-100-100-100-10, y = g(Wu + b), BN optionally before each nonlinearity
(``mnist_net.NetConfig``, ``mnist_net.mnist_mlp``). ``train`` trains one network and probes it at
chosen steps (``bnlib.experiments.torch_probes``: each hidden layer's input to
its nonlinearity, as a ``covariate_shift.Summary`` per unit, the test loss and
accuracy); an ``on_probe`` hook sees the network at each probe (``ics.trace``
is one). ``train_many`` trains several at once by stacking their parameters
(``many_at_once``), with the same result as ``train`` on each. ``pre_activations``
and ``scores`` (from ``torch_probes``) do a probe's work on one trained network;
``precise_bn_torch`` recomputes the running statistics (Algorithm 2).

About 280 lines, over the ~250 of CONTRIBUTING: the two trainers (one network, many
at once), the run plumbing they share and the BN tools for their models stay
together; the network (``mnist_net``), the probes (``torch_probes``) and the stacked
computation (``many_at_once``) are already out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from bnlib.experiments import torch_probes
from bnlib.experiments.many_at_once.stacked_training import train_stack
from bnlib.experiments.mnist_net import NetConfig, Run, mnist_mlp, record
from bnlib.nn.precise import algorithm2, one_batch_stats
from bnlib.progress import progress

__all__ = ["bn_layers", "fit", "precise_bn_torch", "sgd_step", "train", "train_many"]

N_FIT = 1000  # training images a probe evaluates (as many as test images)
_BN = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)


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


def train(
    config: NetConfig,
    data,
    steps: int,
    probe_steps: Iterable[int] = (0,),
    *,
    batch_size: int = 60,
    threads: int = 1,
    dtype=torch.float32,
    fit_probe: bool = True,
    on_probe=None,
) -> Run:
    """Train one ``mnist_mlp`` by SGD on ``data`` (a ``bnlib.nn.data.MNIST``), probing as it goes.

    A probe runs the test set through the network: in train mode for the
    inputs of the nonlinearities (BN uses the probe batch's statistics and
    leaves the running ones alone: what the sigmoid sees in training), in
    eval mode for the test loss and accuracy; and the first ``N_FIT`` training
    images (a random sample: ``load_mnist`` shuffles), in eval mode, for the
    same on training data (``fit_probe=False``: not, ``train_set_loss`` and ``_acc`` NaN).
    ``on_probe([model])``, if given, sees the network at each probe, after the probe, in
    train mode (it must leave it as it is). ``train_many`` computes the same.
    """
    got = _train(config, data, steps, probe_steps, batch_size, threads, dtype, fit_probe, on_probe)
    return got[1]


def fit(
    config: NetConfig,
    data,
    steps: int,
    *,
    batch_size: int = 60,
    threads: int = 1,
    dtype=torch.float32,
) -> torch.nn.Sequential:
    """The network ``train`` trains, itself, after ``steps`` SGD steps (in train mode):
    for looking at its parameters, e.g. the learned gamma and beta (``bn_layers``)."""
    return _train(config, data, steps, None, batch_size, threads, dtype)[0]


def _train(
    config, data, steps, probe_steps, batch_size, threads, dtype, fit_probe=True, on_probe=None
):
    """(the trained model, its ``Run``): ``train``, and ``fit`` (probe_steps None: no probes,
    no ``Run``). At each probe, after ``torch_probes.probe``, ``on_probe([model])``."""
    probe = _check_steps(steps, [steps] if probe_steps is None else probe_steps)
    probe = [] if probe_steps is None else probe
    probe_at, (x, y, xt, yt) = set(probe), _tensors(data, dtype)
    xf, yf = (x[:N_FIT], y[:N_FIT]) if fit_probe else (None, None)
    with _threads(threads):
        model = mnist_mlp(config, x.shape[1], int(y.max()) + 1).to(dtype)
        opt = torch.optim.SGD(_param_groups(model, config), lr=config.lr)
        batches, rows, losses = _batches(model.generator, len(x), batch_size), [], np.zeros(steps)
        for step in progress(range(steps + 1), desc=f"train {config.activation}"):
            if step in probe_at:
                rows.append(torch_probes.probe(model, xt, yt, xf, yf))
                if on_probe is not None:
                    on_probe([model])
            if step == steps:
                break
            losses[step] = sgd_step(model, opt, x, y, next(batches))
    return model.train(), (record(config, probe, rows, losses) if probe else None)


def sgd_step(model: torch.nn.Module, opt: torch.optim.Optimizer, x, y, idx) -> float:
    """One step of ``opt`` on the mini-batch ``x[idx]``, ``y[idx]`` (idx (B,)); its loss."""
    loss = F.cross_entropy(model(x[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _param_groups(model: torch.nn.Sequential, config: NetConfig) -> list[dict]:
    """SGD's parameter groups: the weights of the Linear layers before BN at
    ``config.lr_before_bn``; everything else (gamma, beta, the output layer; every parameter
    without BN) at ``lr``."""
    before_bn = [a.weight for a, b in itertools.pairwise(model) if isinstance(b, _BN)]
    ids = {id(p) for p in before_bn}
    rest = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": rest}, {"params": before_bn, "lr": config.lr_before_bn}]
    return [g for g in groups if g["params"]]


def train_many(
    configs: Sequence[NetConfig],
    data,
    steps: int,
    probe_steps: Iterable[int] = (0,),
    *,
    batch_size: int = 60,
    threads: int = 1,
    dtype=torch.float32,
    fit_probe: bool = True,
    on_probe=None,
) -> list[Run]:
    """``[train(c, data, ...) for c in configs]``, computed many networks at a time.

    Networks of one activation, depth and width train together, with and
    without BN, as one ``bnlib.experiments.many_at_once.stacked.Stack`` (stacked
    parameters, the backward pass written out;
    ``many_at_once.stacked_training.train_stack``), each with its own seed, init,
    mini-batches and learning rates (``lr``, and ``lr_invariant`` for the weights
    before BN); networks with the same seed see the same mini-batches and share the
    first layer's product. Equal to ``train`` up to float rounding
    (tests/test_torch_nets.py). ``fit_probe`` and ``on_probe`` as in ``train``, except
    that ``on_probe(models)`` gets the networks of one stack (one shape), in the order
    of ``configs``, as they are then: copies, so looking at them changes no training
    (``ics.trace_many``).
    """
    probe = _check_steps(steps, probe_steps)
    tensors = _tensors(data, dtype)
    shapes: dict[tuple, list[int]] = {}
    for i, c in enumerate(configs):
        shapes.setdefault((c.activation, c.depth, c.width), []).append(i)
    runs: list = [None] * len(configs)
    with _threads(threads), torch.no_grad():
        for members in shapes.values():
            done = _train_stack(
                [configs[i] for i in members],
                tensors,
                steps,
                probe,
                batch_size,
                on_probe,
                fit_probe,
            )
            for i, run in zip(members, done, strict=True):
                runs[i] = run
    return runs


def _train_stack(configs, data, steps, probe, batch_size, on_probe, fit_probe) -> list[Run]:
    """``train_many`` for networks of one shape: those without BN first in the stack, the
    runs and ``on_probe``'s networks in the order of ``configs``."""
    x, y = data[:2]
    order = sorted(range(len(configs)), key=lambda i: configs[i].bn)  # without BN first
    configs = [configs[i] for i in order]
    models = [mnist_mlp(c, x.shape[1], int(y.max()) + 1).to(x.dtype) for c in configs]
    back = [order.index(i) for i in range(len(order))]  # stack position of configs[i]
    rows, losses = train_stack(
        models,
        [c.lr for c in configs],
        [c.lr_before_bn for c in configs],
        data,
        steps,
        probe,
        batch_size,
        lambda gen: _batches(gen, len(x), batch_size),
        fit_images=(x[:N_FIT], y[:N_FIT]) if fit_probe else None,
        on_probe=None if on_probe is None else lambda ms: on_probe([ms[k] for k in back]),
    )
    runs = [record(c, probe, [r[k] for r in rows], losses[:, k]) for k, c in enumerate(configs)]
    return [runs[k] for k in back]


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
