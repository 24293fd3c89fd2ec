"""bnlib.nn.mlp: the whole network's gradient against a numerical one (float64) and
against torch.autograd, the losses, population statistics, bad input."""

import numpy as np
import pytest
import torch

from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.layers import BatchNorm1d
from bnlib.nn.losses import bce_with_logits, mse
from bnlib.nn.mlp import Activation, Linear, Net, mlp


def loss_of(net, x, t, loss_fn):
    return loss_fn(net.forward(x), t)[0]


def numerical_param_grad(net, p, x, t, loss_fn):
    """d loss / d p by central differences, the parameter swapped in place."""
    original = p.value.copy()

    def f(v):
        p.value[...] = v
        return loss_of(net, x, t, loss_fn)

    grad = numerical_gradient(f, original)
    p.value[...] = original
    return grad


CASES = [
    ("sigmoid", bce_with_logits, 1),
    ("tanh", mse, 3),
    ("relu", mse, 2),
]


@pytest.mark.parametrize(("activation", "loss_fn", "k"), CASES)
def test_whole_network_gradient_matches_numerical_gradient(activation, loss_fn, k, rng):
    """Every parameter and the input, relative error <= 1e-6 in float64."""
    net = mlp([3, 5, 4, k], activation=activation, seed=1)
    for bn in net.bn_layers:  # away from gamma = 1, beta = 0
        bn.weight[...] = rng.uniform(0.5, 2.0, bn.num_features)
        bn.bias[...] = rng.normal(0, 0.5, bn.num_features)
    x = rng.standard_normal((12, 3))
    t = (
        (rng.random((12, k)) > 0.5).astype(float)
        if loss_fn is bce_with_logits
        else rng.standard_normal((12, k))
    )
    _, dout = loss_fn(net.forward(x), t)
    dx = net.backward(dout)
    params = net.parameters()
    assert {p.kind for p in params} == {"weight", "bias", "gamma", "beta"}
    for p in params:
        err = rel_error(p.grad, numerical_param_grad(net, p, x, t, loss_fn))
        assert err <= 1e-6, f"{p.name}: relative error {err:.3g}"
    num_dx = numerical_gradient(lambda v: loss_of(net, v, t, loss_fn), x)
    assert rel_error(dx, num_dx) <= 1e-6


def test_network_matches_torch_autograd(rng):
    net = mlp([2, 6, 3, 1], activation="sigmoid", seed=3)
    layers = []
    for layer in net.layers:
        if isinstance(layer, Linear):
            lin = torch.nn.Linear(*layer.weight.shape[::-1], bias=layer.bias is not None).double()
            lin.weight.data = torch.from_numpy(layer.weight.copy())
            if layer.bias is not None:
                lin.bias.data = torch.from_numpy(layer.bias.copy())
            layers.append(lin)
        elif isinstance(layer, BatchNorm1d):
            layers.append(torch.nn.BatchNorm1d(layer.num_features).double())
        else:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    x = rng.standard_normal((10, 2))
    y = (rng.random(10) > 0.5).astype(float)
    loss, dout = bce_with_logits(net.forward(x), y)
    net.backward(dout)
    logits = model(torch.from_numpy(x))[:, 0]
    loss_t = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    for p, tp in zip(net.parameters(), model.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_mlp_layout_and_parameter_names():
    net = mlp([2, 4, 3, 1], activation="tanh")
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Linear", "BatchNorm1d", "Activation"] * 2 + ["Linear"]
    assert net.layers[0].bias is None  # BN cancels a bias before it
    assert [p.name for p in net.parameters()] == [
        "0.weight",
        "1.gamma",
        "1.beta",
        "3.weight",
        "4.gamma",
        "4.beta",
        "6.weight",
        "6.bias",
    ]
    plain = mlp([2, 4, 1], norm=None)
    assert [type(layer).__name__ for layer in plain.layers] == ["Linear", "Activation", "Linear"]
    assert plain.layers[0].bias is not None


def test_set_population_stats_is_algorithm_2_over_the_data(rng):
    net = mlp([2, 3, 1], seed=0)
    x = rng.normal(2.0, 3.0, (50, 2))
    net.set_population_stats(x)
    h = x @ net.layers[0].weight.T
    bn = net.layers[1]
    np.testing.assert_allclose(bn.running_mean, h.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, h.var(axis=0, ddof=1), rtol=1e-12)  # m/(m-1)
    assert bn.momentum == 0.1 and bn.training
    net.eval()
    z = (h - h.mean(0)) / np.sqrt(h.var(0, ddof=1) + bn.eps)
    np.testing.assert_allclose(net.layers[1].forward(h), z, rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mlp([3]),
            r"sizes must be >= 2 positive integers \[n_in, ..., n_out\] \(got \[3\]\)",
        ),
        (lambda: mlp([3, 0, 1]), r"got \[3, 0, 1\]"),
        (
            lambda: Activation("softsign"),
            r"activation must be one of \['identity', 'relu', 'sigmoid', 'tanh'\] \(got 'softsign'\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_net_is_a_plain_sequence(rng):
    lin, act = Linear(2, 2, rng=0), Activation("identity")
    net = Net(lin, act)
    x = rng.standard_normal((3, 2))
    np.testing.assert_allclose(net(x), x @ lin.weight.T + lin.bias)
    np.testing.assert_allclose(net.backward(np.ones((3, 2))), np.ones((3, 2)) @ lin.weight)


def test_pre_activations_are_the_bn_outputs(rng):
    net = mlp([2, 5, 3, 1], activation="sigmoid")
    x = rng.standard_normal((20, 2))
    pre = net.pre_activations(x)
    assert [p.shape for p in pre] == [(20, 5), (20, 3)]
    h = net.layers[1].forward(net.layers[0].forward(x))
    np.testing.assert_allclose(pre[0], h)
    np.testing.assert_allclose(pre[0].mean(axis=0), net.layers[1].bias, atol=1e-12)  # beta = 0


@pytest.mark.parametrize(("norm", "cls"), [("layer", "LayerNorm"), ("group", "GroupNorm")])
def test_mlp_with_layer_or_group_norm(norm, cls, rng):
    """Layout, gamma/beta parameters, and the whole gradient against a numerical one."""
    net = mlp([3, 4, 4, 2], activation="tanh", norm=norm, num_groups=2, seed=1)
    assert [type(layer).__name__ for layer in net.layers] == [
        "Linear",
        cls,
        "Activation",
        "Linear",
        cls,
        "Activation",
        "Linear",
    ]
    assert net.bn_layers == [] and net.layers[0].bias is None
    params = net.parameters()
    assert [p.kind for p in params[:3]] == ["weight", "gamma", "beta"]
    for p in params:  # away from gamma = 1, beta = 0
        p.value[...] += 0.3 * rng.standard_normal(p.value.shape)
    x, t = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    net.backward(mse(net.forward(x), t)[1])
    for p in params:
        err = rel_error(p.grad, numerical_param_grad(net, p, x, t, mse))
        assert err <= 1e-6, f"{p.name}: relative error {err:.3g}"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mlp([2, 3, 1], norm="instance"),
            r"norm must be one of \('batch', 'layer', 'group', None\) \(got 'instance'\)",
        ),
        (
            lambda: mlp([2, 6, 1], norm="group", num_groups=4),
            r"num_groups must be a positive divisor of the 6 channels \(got 4\)",
        ),
    ],
)
def test_bad_norm_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mlp_with_a_norm_class_uses_that_class_and_calls_its_parameters_gamma_beta(rng):
    """norm=<a class>: a learner's own layer goes where bnlib's BatchNorm1d would; the same
    numbers as norm="batch" when it computes the same (the capstone's reference solution)."""
    from tests.capstone_solution import MyBatchNorm1d

    own, ref = mlp([3, 4, 4, 2], norm=MyBatchNorm1d, seed=1), mlp([3, 4, 4, 2], seed=1)
    assert [type(layer).__name__ for layer in own.layers] == [
        "Linear",
        "MyBatchNorm1d",
        "Activation",
        "Linear",
        "MyBatchNorm1d",
        "Activation",
        "Linear",
    ]
    assert own.layers[0].bias is None and own.bn_layers == []
    assert [p.kind for p in own.parameters()] == [p.kind for p in ref.parameters()]
    x, t = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    np.testing.assert_allclose(own.forward(x), ref.forward(x), rtol=1e-12)
    own.backward(mse(own.forward(x), t)[1])
    ref.backward(mse(ref.forward(x), t)[1])
    for p, q in zip(own.parameters(), ref.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(own.layers[1].running_var, ref.layers[1].running_var, rtol=1e-12)


def test_mlp_with_a_norm_factory_that_is_not_a_class():
    net = mlp([3, 4, 2], norm=lambda c: BatchNorm1d(c, momentum=0.5, dtype=np.float64))
    assert net.layers[1].momentum == 0.5 and net.layers[1].running_mean.dtype == np.float64
    assert [p.kind for p in net.parameters()] == ["weight", "gamma", "beta", "weight", "bias"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_set_population_stats_equals_a_cumulative_pass_of_the_layers_own_update(dtype, rng):
    """The behaviour it replaced: momentum=None, counter 0, one train-mode pass (the layer's
    own update_running_stats); every BN layer, modes and momenta as they were."""
    net, old = mlp([5, 7, 6, 2], seed=3, dtype=dtype), mlp([5, 7, 6, 2], seed=3, dtype=dtype)
    x = (rng.standard_normal((50, 5)) * 4 + 2).astype(dtype)
    net.eval().set_population_stats(x)
    old.eval()
    for bn in old.bn_layers:
        bn.momentum, bn.num_batches_tracked = None, 0
    h = x
    for layer in old.layers:
        h = layer.train(True).forward(h) if layer in old.bn_layers else layer.forward(h)
    rtol = 1e-13 if dtype == np.float64 else 5e-6  # float32: the old sums were float32
    for new, bn in zip(net.bn_layers, old.bn_layers, strict=True):
        np.testing.assert_allclose(new.running_mean, bn.running_mean, rtol=rtol)
        np.testing.assert_allclose(new.running_var, bn.running_var, rtol=rtol)
        assert new.running_var.dtype == dtype and new.num_batches_tracked == 1
        assert new.momentum == 0.1 and not new.training
