"""bnlib.experiments.many_at_once.stacked: one step of a Stack is one step of autograd + SGD on each network alone."""

import copy
import re

import pytest
import torch
import torch.nn.functional as F

from bnlib.experiments.many_at_once.stacked import Stack, linear
from bnlib.experiments.mnist_net import NetConfig, mnist_mlp
from bnlib.experiments.torch_nets import _param_groups

B, N_IN, N_OUT = 16, 12, 5


def nets(*configs, dtype=torch.float64):
    return [mnist_mlp(c, N_IN, N_OUT).to(dtype) for c in configs]


def autograd_step(model, x, y, config):
    """What bnlib.experiments.torch_nets.train does for one step: cross-entropy, backward, SGD."""
    opt = torch.optim.SGD(_param_groups(model, config), lr=config.lr)
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def assert_same_models(got, want, rtol):
    for a, b in zip(got, want, strict=True):
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
            torch.testing.assert_close(p, q, rtol=rtol, atol=rtol, msg=name)


SAME_SEED = [
    NetConfig(width=7, lr=0.5),
    NetConfig(width=7, lr=2.0, init="xavier"),
    NetConfig(width=7, bn=True, lr=1.0),
    NetConfig(width=7, bn=True, lr=0.3),
]
# the weights before BN at their own rate, 30 times gamma's, beta's and the output layer's
SPLIT = [*SAME_SEED[:3], NetConfig(width=7, bn=True, lr=0.3, lr_invariant=9.0)]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("groups", [[[0, 1, 2, 3]], [[0, 2], [1, 3]], [[0], [1], [2], [3]]])
@pytest.mark.parametrize("same", [SAME_SEED, SPLIT], ids=["one rate", "lr_invariant"])
def test_steps_equal_autograd_on_each_network_alone(activation, groups, same, rng_torch):
    """float64: only the order of additions differs, so 1e-12. One batch per group."""
    configs = [NetConfig(**{**c.__dict__, "activation": activation, "depth": 3}) for c in same]
    models = nets(*configs)
    alone = copy.deepcopy(models)
    lrs_inv = [c.lr_before_bn for c in configs]
    stack = Stack(models, [c.lr for c in configs], groups, B, lrs_invariant=lrs_inv)
    for _ in range(3):
        batch = {}
        for g, (xb, yb) in enumerate(zip(stack.x, stack.y, strict=True)):
            xb.copy_(torch.randn(B, N_IN, generator=rng_torch, dtype=torch.float64))
            yb.copy_(torch.randint(0, N_OUT, (B,), generator=rng_torch))
            batch.update({i: (xb.clone(), yb.clone()) for i in groups[g]})
        loss = torch.zeros(len(models), dtype=torch.float64)
        stack.step(loss)
        want = [
            autograd_step(m, *batch[i], c)
            for i, (m, c) in enumerate(zip(alone, configs, strict=True))
        ]
        torch.testing.assert_close(
            -loss / B, torch.tensor(want, dtype=torch.float64), rtol=1e-12, atol=0
        )
    stack.copy_to(models)
    assert_same_models(models, alone, rtol=1e-12)
    assert all(bn.num_batches_tracked.item() == 3 for m in models for bn in m if hasattr(bn, "eps"))


@pytest.fixture
def rng_torch():
    return torch.Generator().manual_seed(0)


def test_copy_to_before_any_step_gives_the_models_back():
    models = nets(*SAME_SEED)
    stack = Stack(models, [1.0] * 4, [[0, 1, 2, 3]], B)
    blank = nets(*[NetConfig(**{**c.__dict__, "seed": 9}) for c in SAME_SEED])
    stack.copy_to(blank)
    assert_same_models(blank, models, rtol=0)


def test_float32_step_through_onednn_matches_autograd(rng_torch):
    models = nets(NetConfig(width=32), NetConfig(width=32, bn=True), dtype=torch.float32)
    alone = copy.deepcopy(models)
    stack = Stack(models, [0.5, 0.5], [[0, 1]], B)
    stack.x[0].copy_(torch.randn(B, N_IN, generator=rng_torch))
    stack.y[0].copy_(torch.randint(0, N_OUT, (B,), generator=rng_torch))
    stack.step(torch.zeros(2))
    stack.copy_to(models)
    for m, bn in zip(alone, (False, True), strict=True):
        autograd_step(m, stack.x[0], stack.y[0], NetConfig(lr=0.5, bn=bn))
    assert_same_models(models, alone, rtol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_linear_is_f_linear(dtype, rng_torch):
    shapes = [(60, 784), (100, 784), (100,), (60, 100)]
    x, w, b, dz = (torch.randn(*s, generator=rng_torch, dtype=dtype) for s in shapes)
    tol = {"rtol": 1e-5, "atol": 1e-4} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-12}
    torch.testing.assert_close(linear(x, w, b), F.linear(x, w, b), **tol)  # sums of 784 terms ~ 30
    torch.testing.assert_close(linear(dz.t(), x.t()), dz.t() @ x, **tol)  # transposed views


@pytest.mark.parametrize(
    ("models", "groups", "says"),
    [
        (nets(NetConfig(), NetConfig(width=50)), [[0, 1]], "expected networks of one shape"),
        (
            nets(NetConfig(), NetConfig(activation="tanh")),
            [[0, 1]],
            "expected networks of one shape",
        ),
        (
            nets(NetConfig(bn=True), NetConfig()),
            [[0, 1]],
            "expected the networks without BN first (got BN flags [True, False])",
        ),
        (
            nets(NetConfig(), NetConfig()),
            [[0]],
            "groups must hold each network 0..1 once (got [[0]])",
        ),
        (
            [torch.nn.Sequential(torch.nn.Linear(3, 2))],
            [[0]],
            "expected (Linear -> [BatchNorm1d] -> g) x depth -> Linear (got ['Linear'])",
        ),
    ],
)
def test_bad_stacks(models, groups, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        Stack(models, [1.0] * len(models), groups, B)


@pytest.mark.parametrize(
    ("lrs_invariant", "says"),
    [
        (
            [2.0, 1.0],
            "networks without BN have no scale-invariant weights: expected lrs_invariant "
            "equal to lrs for them (got [2.0, 1.0])",
        ),
        ([1.0], "lrs_invariant must be 2 numbers > 0 (got [1.0])"),
        ([1.0, 0.0], "lrs_invariant must be 2 numbers > 0 (got [1.0, 0.0])"),
    ],
)
def test_bad_invariant_rates(lrs_invariant, says):
    models = nets(NetConfig(), NetConfig(bn=True))
    with pytest.raises(ValueError, match=re.escape(says)):
        Stack(models, [1.0, 1.0], [[0, 1]], B, lrs_invariant=lrs_invariant)


def test_a_rate_of_zero_is_allowed_without_invariant_rates_and_moves_nothing(rng_torch):
    """lr 0 (the Figure 1 benchmark's floor runs use it): no parameter moves (BN's running
    statistics still do, as in PyTorch's training mode)."""
    models = nets(NetConfig(width=7), NetConfig(width=7, bn=True))
    before = [{n: p.detach().clone() for n, p in m.named_parameters()} for m in models]
    stack = Stack(models, [0.0, 0.0], [[0, 1]], B)
    stack.x[0].copy_(torch.randn(B, N_IN, generator=rng_torch, dtype=torch.float64))
    stack.y[0].copy_(torch.randint(0, N_OUT, (B,), generator=rng_torch))
    stack.step(torch.zeros(2, dtype=torch.float64))
    stack.copy_to(models)
    for m, old in zip(models, before, strict=True):
        for name, p in m.named_parameters():
            torch.testing.assert_close(p.detach(), old[name], rtol=0, atol=0, msg=name)
    with pytest.raises(ValueError, match=re.escape("with lrs_invariant, expected lrs > 0")):
        Stack(models, [0.0, 0.0], [[0, 1]], B, lrs_invariant=[1.0, 1.0])


def test_the_invariant_rate_moves_only_the_weights_before_bn(rng_torch):
    """One step from the same start: weights before BN move 30 times as far at 30 times the
    rate; gamma, beta and the output layer move exactly as far."""
    models = nets(NetConfig(width=7, bn=True), NetConfig(width=7, bn=True))  # the same start
    before = copy.deepcopy(models[0])
    stack = Stack(models, [0.3, 0.3], [[0, 1]], B, lrs_invariant=[0.3, 9.0])
    stack.x[0].copy_(torch.randn(B, N_IN, generator=rng_torch, dtype=torch.float64))
    stack.y[0].copy_(torch.randint(0, N_OUT, (B,), generator=rng_torch))
    stack.step(torch.zeros(2, dtype=torch.float64))
    stack.copy_to(models)
    moved = [
        {
            n: p - q
            for (n, p), q in zip(m.state_dict().items(), before.state_dict().values(), strict=True)
        }
        for m in models
    ]
    for name, d in moved[0].items():
        want = 30 * d if name in ("0.weight", "3.weight", "6.weight") else d  # Linear -> BN
        torch.testing.assert_close(moved[1][name], want, rtol=1e-12, atol=1e-15, msg=name)
