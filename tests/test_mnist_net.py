"""bnlib.experiments.mnist_net: the paper's network, its init scales, configs refused clearly."""

import re

import pytest
import torch

from bnlib.experiments.covariate_shift import init_std
from bnlib.experiments.mnist_net import NetConfig, mnist_mlp


def kinds(model):
    return [type(m).__name__ for m in model]


def test_structure_without_and_with_bn():
    plain = mnist_mlp(NetConfig())
    assert kinds(plain) == ["Linear", "Sigmoid"] * 3 + ["Linear"]
    assert [m.out_features for m in plain if isinstance(m, torch.nn.Linear)] == [100, 100, 100, 10]
    assert all(m.bias is not None for m in plain if isinstance(m, torch.nn.Linear))
    bn = mnist_mlp(NetConfig(bn=True, activation="relu"))
    assert kinds(bn) == ["Linear", "BatchNorm1d", "ReLU"] * 3 + ["Linear"]
    hidden = [m for m in bn if isinstance(m, torch.nn.Linear)][:-1]
    assert all(m.bias is None for m in hidden) and bn[-1].bias is not None  # BN's beta is the bias
    assert sum(p.numel() for p in plain.parameters()) == 784 * 100 + 2 * 100 * 100 + 1000 + 310


@pytest.mark.parametrize("init", ["gaussian", "xavier", "he"])
def test_init_scales(init):
    model = mnist_mlp(NetConfig(init=init, init_std=0.05))
    for lin in (m for m in model if isinstance(m, torch.nn.Linear)):
        want = init_std(init, lin.in_features, lin.out_features, small_std=0.05)
        assert lin.weight.std().item() == pytest.approx(want, rel=0.1)
        assert lin.bias.abs().max().item() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        (
            {"activation": "gelu"},
            "activation must be one of ('sigmoid', 'tanh', 'relu') (got 'gelu')",
        ),
        ({"init": "lecun"}, "init must be one of ('gaussian', 'xavier', 'he') (got 'lecun')"),
        ({"lr": 0.0}, "lr must be a finite number > 0 (got 0.0)"),
        ({"lr": float("nan")}, "lr must be a finite number > 0 (got nan)"),
        ({"depth": 0}, "depth must be an integer >= 1 (got 0)"),
        (
            {"bn": True, "lr_invariant": -1.0},
            "lr_invariant must be a finite number > 0 or None (got -1.0)",
        ),
        (
            {"lr_invariant": 9.0},
            "lr_invariant needs bn=True: without BN no weights are scale-invariant (got lr_invariant=9.0)",
        ),
        ({"width": 2.5}, "width must be an integer >= 1 (got 2.5)"),
    ],
)
def test_bad_configs(kwargs, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        NetConfig(**kwargs)
