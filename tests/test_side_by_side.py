"""bnlib.experiments.many_at_once.side_by_side: a wide network is its S networks, forward, backward and in training;
BlockLinear against Linear and a numerical gradient; Blockwise losses; bad input."""

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bnlib.experiments.many_at_once.side_by_side import (
    BlockLinear,
    Blockwise,
    block_of,
    copy_back,
    inputs,
    side_by_side,
)
from bnlib.experiments.noisy_bn import insert_noise
from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.nn.losses import cross_entropy, mse
from bnlib.nn.mlp import Linear, Net, mlp
from bnlib.nn.train import sgd

NORMS = ("batch", "layer", "group", None)


def nets_and_data(norm, blocks=3, sizes=(6, 10, 10, 4), n=16, seed=0):
    """``blocks`` networks of one shape (seeds 0, 1, ...), each with its own inputs."""
    nets = [
        mlp(list(sizes), activation="tanh", norm=norm, num_groups=5, seed=s) for s in range(blocks)
    ]
    for net in nets:  # gamma and beta away from 1 and 0, so a mix-up would show
        for p in net.parameters():
            p.value[...] += 0.1 * np.random.default_rng(seed).standard_normal(p.value.shape)
    rng = np.random.default_rng(seed + 1)
    xs = [rng.standard_normal((n, sizes[0])) for _ in range(blocks)]
    ts = [rng.standard_normal((n, sizes[-1])) for _ in range(blocks)]
    return nets, xs, ts


@pytest.mark.parametrize("norm", NORMS)
def test_the_wide_forward_is_each_networks_forward(norm):
    nets, xs, _ = nets_and_data(norm)
    out = side_by_side(nets)(inputs(xs))  # (N, 3 * 4)
    expected = np.concatenate([net(x) for net, x in zip(nets, xs, strict=True)], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm", NORMS)
def test_training_the_wide_network_trains_each_network(norm):
    nets, xs, ts = nets_and_data(norm)
    alone = copy.deepcopy(nets)
    wide = side_by_side(nets)
    x, t = inputs(xs), np.stack(ts, axis=1)  # (N, 3 * 6), (N, 3, 4)
    r = sgd(wide, x, t, Blockwise(mse, 3), lr=0.05, steps=6, batch_size=8, seed=3)
    copy_back(wide, nets)
    losses = [
        sgd(net, x_s, t_s, mse, lr=0.05, steps=6, batch_size=8, seed=3).loss
        for net, x_s, t_s in zip(alone, xs, ts, strict=True)
    ]
    np.testing.assert_allclose(r.loss, np.sum(losses, axis=0), rtol=1e-10)
    for net, ref in zip(nets, alone, strict=True):
        for p, q in zip(net.parameters(), ref.parameters(), strict=True):
            np.testing.assert_allclose(p.value, q.value, rtol=1e-9, atol=1e-12, err_msg=p.name)
        for bn, bn_ref in zip(net.bn_layers, ref.bn_layers, strict=True):
            np.testing.assert_allclose(bn.running_var, bn_ref.running_var, rtol=1e-9)
            assert bn.num_batches_tracked == bn_ref.num_batches_tracked == 6


@given(
    blocks=st.integers(1, 4),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    n=st.integers(1, 6),
    bias=st.booleans(),
)
def test_block_linear_is_one_linear_per_block(blocks, n_in, n_out, n, bias):
    rng = np.random.default_rng(blocks * 100 + n_in * 10 + n_out)
    lins = [Linear(n_in, n_out, bias=bias, rng=rng) for _ in range(blocks)]
    for lin in lins:
        if bias:
            lin.bias[...] = rng.standard_normal(n_out)
    block = side_by_side([Net(lin) for lin in lins]).layers[0]
    block.input_grad = True
    xs = [rng.standard_normal((n, n_in)) for _ in range(blocks)]
    dys = [rng.standard_normal((n, n_out)) for _ in range(blocks)]
    y = block.forward(inputs(xs))
    dx = block.backward(inputs(dys))
    for s, lin in enumerate(lins):
        np.testing.assert_allclose(
            y[:, s * n_out : (s + 1) * n_out], lin.forward(xs[s]), atol=1e-12
        )
        np.testing.assert_allclose(
            dx[:, s * n_in : (s + 1) * n_in], lin.backward(dys[s]), atol=1e-12
        )
        np.testing.assert_allclose(block.grad_weight[s], lin.grad_weight, atol=1e-12)
        if bias:
            np.testing.assert_allclose(block.grad_bias[s], lin.grad_bias, atol=1e-12)


def test_block_linear_gradient_is_numerical(rng):
    block = BlockLinear(rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3)))
    x, dy = rng.standard_normal((5, 8)), rng.standard_normal((5, 6))
    block.forward(x)
    dx = block.backward(dy)

    def f_w(w):
        block.weight[...] = w
        return np.sum(block.forward(x) * dy)

    w0 = block.weight.copy()
    assert rel_error(block.grad_weight.copy(), numerical_gradient(f_w, w0)) <= 1e-8
    block.weight[...] = w0
    assert rel_error(dx, numerical_gradient(lambda v: np.sum(block.forward(v) * dy), x)) <= 1e-8


def test_the_first_layer_skips_the_input_gradient():
    nets, xs, ts = nets_and_data("batch")
    wide = side_by_side(nets)
    assert not wide.layers[0].input_grad and wide.layers[3].input_grad
    out = wide(inputs(xs))
    assert wide.backward(Blockwise(mse, 3)(out, np.stack(ts, axis=1))[1]) is None


def test_blockwise_is_the_sum_of_each_networks_loss(rng):
    pred, labels = rng.standard_normal((7, 3 * 5)), rng.integers(0, 5, size=(7, 3))
    losses, grad = Blockwise(cross_entropy, 3).per_block(pred, labels)
    for s in range(3):
        loss, g = cross_entropy(pred[:, 5 * s : 5 * s + 5], labels[:, s])
        assert losses[s] == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(grad[:, 5 * s : 5 * s + 5], g, rtol=1e-12)
    total, _ = Blockwise(cross_entropy, 3)(pred, labels)
    assert isinstance(total, float) and total == pytest.approx(losses.sum(), rel=1e-12)


def test_block_of_follows_the_parameters():
    nets = nets_and_data("group")[0]
    wide = side_by_side(nets)
    block = block_of(wide, 3)
    flat = np.concatenate([p.value.ravel() for p in wide.parameters()])
    for s, net in enumerate(nets):
        mine = np.sort(np.concatenate([p.value.ravel() for p in net.parameters()]))
        np.testing.assert_array_equal(np.sort(flat[block == s]), mine)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: side_by_side([mlp([3, 4, 2]), mlp([3, 5, 2])]),
            ValueError,
            r"expected one or more networks of one shape \(got 2 shapes\)",
        ),
        (
            lambda: side_by_side([]),
            ValueError,
            r"expected one or more networks of one shape \(got 0 shapes\)",
        ),
        (
            lambda: side_by_side([insert_noise(mlp([3, 4, 2]))] * 2),
            TypeError,
            r"cannot widen a NoisyShift layer",
        ),
        (
            lambda: BlockLinear(np.ones((3, 4))),
            ValueError,
            r"expected weight \(S, out, in\) and bias \(S, out\) or None \(got \(3, 4\)",
        ),
        (
            lambda: BlockLinear(np.ones((2, 3, 4)), np.ones((2, 4))),
            ValueError,
            r"bias \(S, out\) or None \(got \(2, 3, 4\) and \(2, 4\)\)",
        ),
        (lambda: Blockwise(mse, 0), ValueError, r"blocks must be a positive integer \(got 0\)"),
        (
            lambda: Blockwise(mse, 2).per_block(np.ones((4, 5)), np.ones((4, 2, 2))),
            ValueError,
            r"expected pred \(N, 2\*K\) and t \(N, 2, ...\) \(got \(4, 5\) and \(4, 2, 2\)\)",
        ),
        (
            lambda: Blockwise(mse, 2)(np.ones((4, 6)), np.ones((4, 3))),
            ValueError,
            r"expected pred \(N, 2\*K\) and t \(N, 2, ...\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()
