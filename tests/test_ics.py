"""bnlib.experiments.ics: trace equals nets.train, and the held-parameter records split the drift right."""

import copy
import re

import numpy as np
import pytest
import torch

from bnlib import functional as F
from bnlib.experiments.covariate_shift import Summary, split_drift, summarize
from bnlib.experiments.ics import (
    block_z,
    held_z,
    hidden_blocks,
    layer_inputs,
    layer_z,
    trace,
    trace_many,
)
from bnlib.experiments.mnist_net import NetConfig, mnist_mlp
from bnlib.experiments.torch_nets import train


@pytest.fixture(scope="module")
def x(small_data):
    return torch.from_numpy(small_data.x_test)


@pytest.mark.parametrize(
    "config",
    [
        NetConfig(lr=3.0, seed=1),
        NetConfig(bn=True, lr=1.0, seed=2),
        NetConfig(activation="relu", init="he", lr=0.1, depth=2, width=30),
    ],
)
def test_trace_is_train(small_data, config):
    """Same network, mini-batches, SGD and probes as bnlib.experiments.torch_nets.train."""
    want = train(config, small_data, 40, [0, 10, 40])
    got = trace(config, small_data, 40, [0, 10, 40]).run
    assert got.config == want.config and got.steps.tolist() == [0, 10, 40]
    np.testing.assert_allclose(got.train_loss, want.train_loss, rtol=1e-6)
    np.testing.assert_allclose(got.test_loss, want.test_loss, rtol=1e-5)
    np.testing.assert_array_equal(got.test_acc, want.test_acc)
    for name in Summary._fields:
        np.testing.assert_allclose(
            getattr(got.z, name), getattr(want.z, name), rtol=1e-4, atol=1e-5, err_msg=name
        )


def test_trace_gives_the_numbers_of_its_old_training_loop(small_data):
    """trace was its own training loop until it became a probe hook on torch_nets.train;
    these numbers are that loop's (computed before the change, on this repository's CPU)."""
    got = trace(NetConfig(bn=True, lr=1.0, seed=2), small_data, 40, [0, 10, 40])
    run, close = got.run, {"rtol": 1e-4}
    np.testing.assert_allclose(run.test_loss, [2.3029428, 4.594293, 1.2245473], **close)
    np.testing.assert_allclose(run.test_acc, [0.09, 0.09, 0.555], atol=0.011)
    losses = [2.3140056, 2.7692838, 1.4258907]  # steps 0, 19, 39
    np.testing.assert_allclose(run.train_loss[[0, 19, 39]], losses, **close)
    std = [[0.99912869, 0.98919579, 0.98050759], [0.99704023, 0.99940827, 1.01483275]]
    std += [[0.98942506, 1.00233905, 1.11377067]]  # (probe, layer) of unit 0
    np.testing.assert_allclose(run.z.std[:, :, 0], std, **close)
    held = [-1.2433738e-03, 1.9336306e-03, -8.2183268e-02]  # steps 10 -> 40, unit 0
    np.testing.assert_allclose(got.cross.mean[1, :, 0], held, **close)
    assert np.abs(got.cross.mean[0, :, 0]).max() < 1e-6  # BN: each layer's mean 0 at step 0
    assert run.train_set_loss is None and run.train_set_acc is None


def test_layer_z_is_each_layers_input_to_its_nonlinearity(x):
    """Layer 1: x W^T + b; with BN, Algorithm 1 with gamma = 1, beta = 0 (bnlib's numpy BN)."""
    for bn in (False, True):
        model = mnist_mlp(NetConfig(bn=bn, init="xavier"))
        z = layer_z(model, layer_inputs(model, x))  # (L, N, C)
        assert z.shape == (3, len(x), 100)
        w = model[0].weight.detach().double().numpy()
        want = x.double().numpy() @ w.T
        want = F.batch_norm_train(want, None, None)[0] if bn else want
        np.testing.assert_allclose(z[0], want, atol=1e-4)
        h = torch.sigmoid(torch.from_numpy(z[1]).float())  # layer 3's input u_3
        np.testing.assert_allclose(layer_inputs(model, x)[2].numpy(), h.numpy(), atol=1e-5)


def test_block_z_leaves_running_statistics_alone(x):
    model = mnist_mlp(NetConfig(bn=True))
    before = [b.clone() for b in model.buffers()]
    layer_z(model, layer_inputs(model, x))
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers(), strict=True))
    assert [type(m).__name__ for m in hidden_blocks(model)[1]] == ["Linear", "BatchNorm1d"]
    assert block_z(hidden_blocks(model)[0], x).shape == (len(x), 100)


def moved(model, layer, factor):
    """A copy of ``model`` whose hidden layer ``layer`` (0-based) has its weights times factor."""
    other = copy.deepcopy(model)
    with torch.no_grad():
        hidden_blocks(other)[layer][0].weight.mul_(factor)
    return other


def split(before, after, x, relative=False, shape=False):
    """split_drift of two snapshots, as trace's records would give it: (L,) per part."""
    now = summarize(np.stack([layer_z(m, layer_inputs(m, x)) for m in (before, after)]))
    cross = summarize(held_z(before, after, x)[None])
    return split_drift(now, cross, relative=relative, shape=shape)


def test_when_only_layer_1_learns_layer_1_drifts_by_itself_the_rest_by_ics(x):
    before = mnist_mlp(NetConfig(init="xavier"))
    s = split(before, moved(before, 0, 1.5), x)
    assert s.total[0, 0] > 0.1 and s.earlier[0, 0] == 0.0  # layer 1: its input x never moves
    np.testing.assert_allclose(s.own[0, 0], s.total[0, 0])
    assert np.all(s.own[0, 1:] == 0.0) and np.all(s.earlier[0, 1:] > 1e-3)  # layers 2, 3: ICS
    np.testing.assert_allclose(s.earlier[0, 1:], s.total[0, 1:])


def test_when_only_layer_3_learns_nothing_reaches_the_earlier_layers(x):
    before = mnist_mlp(NetConfig(init="xavier"))
    s = split(before, moved(before, 2, 0.5), x)
    assert np.all(s.total[0, :2] == 0.0) and np.all(s.earlier[0] == 0.0)
    assert s.own[0, 2] > 0.0 and s.own[0, 2] == pytest.approx(s.total[0, 2])


def test_with_bn_a_rescaled_layer_moves_nothing(x):
    """BN(a W u) = BN(W u) for a > 0 (paper §3.3): scaling W_1 by 3 moves no z at all."""
    before = mnist_mlp(NetConfig(bn=True, init="xavier"))
    s = split(before, moved(before, 0, 3.0), x, relative=True)
    for part in s:
        np.testing.assert_allclose(part, 0.0, atol=1e-4)
    plain = mnist_mlp(NetConfig(init="xavier"))
    assert np.all(split(plain, moved(plain, 0, 3.0), x).total > 0.01)  # without BN all move


def test_with_bn_the_earlier_layers_part_can_only_change_the_shape(x):
    """Probes normalise with the probe batch's own statistics, so with BN the held z of each
    unit keeps mean beta and std |gamma| whatever the earlier layers do: its ICS is shape only."""
    before = mnist_mlp(NetConfig(bn=True, init="xavier"))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for block in hidden_blocks(before):
            block[1].weight.copy_(torch.randn(100, generator=gen))  # gamma, beta not 1, 0
            block[1].bias.copy_(torch.randn(100, generator=gen))
    after = copy.deepcopy(before)
    with torch.no_grad():
        hidden_blocks(after)[0][0].weight.add_(0.2 * torch.randn(100, 784, generator=gen))
    held = held_z(before, after, x)  # (L, N, C): layers 2, 3 see a new input
    for layer, block in enumerate(hidden_blocks(before)[1:], start=1):
        gamma, beta = block[1].weight.detach().numpy(), block[1].bias.detach().numpy()
        np.testing.assert_allclose(held[layer].mean(0), beta, atol=1e-5)
        np.testing.assert_allclose(held[layer].std(0), np.abs(gamma), rtol=1e-3)
    s, shape = split(before, after, x, relative=True), split(before, after, x, shape=True)
    assert np.all(s.earlier[0, 1:] > 0.01)  # the shape did move
    np.testing.assert_allclose(shape.earlier[0, 1:], s.earlier[0, 1:], rtol=2e-3)


def test_trace_records_the_previous_parameters_on_the_new_input(small_data):
    """cross at probe k = held_z(model at probe k - 1, model at probe k, test digits)."""
    config = NetConfig(lr=2.0, seed=3)
    traced = trace(config, small_data, 3, [0, 3])
    model = mnist_mlp(config)
    start = copy.deepcopy(model)
    x, y = torch.from_numpy(small_data.x_train), torch.from_numpy(small_data.y_train)
    perm = torch.randperm(len(x), generator=model.generator)  # train's first epoch
    opt = torch.optim.SGD(model.parameters(), lr=config.lr)
    for step in range(3):
        idx = perm[60 * step : 60 * (step + 1)]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
    want = summarize(held_z(start, model, torch.from_numpy(small_data.x_test)))
    assert traced.cross.quantiles.shape == (1, 3, 100, 20)
    np.testing.assert_allclose(traced.cross.quantiles[0], want.quantiles, rtol=1e-5, atol=1e-6)
    s = split_drift(traced.run.z, traced.cross)
    assert s.earlier[0, 0] == 0.0 and np.all(s.total <= s.earlier + s.own + 1e-12)


def test_trace_many_is_trace_for_each_network(small_data):
    """Stacked (bnlib.experiments.torch_nets.train_many's way), the same runs and held-parameter records as
    trace, up to float rounding; layer 1's earlier-layers part stays exactly 0."""
    configs = [
        NetConfig(lr=1.0, seed=1),
        NetConfig(bn=True, lr=0.5, seed=2),
        NetConfig(bn=True, lr=1.0, seed=1),
    ]
    got = trace_many(configs, small_data, 20, [0, 10, 20])
    for config, g in zip(configs, got, strict=True):
        want = trace(config, small_data, 20, [0, 10, 20])
        assert g.run.config == config and g.run.steps.tolist() == [0, 10, 20]
        np.testing.assert_allclose(g.run.train_loss, want.run.train_loss, rtol=1e-5)
        np.testing.assert_array_equal(g.run.test_acc, want.run.test_acc)
        for name in Summary._fields:
            for a, b in ((g.run.z, want.run.z), (g.cross, want.cross)):
                np.testing.assert_allclose(
                    getattr(a, name), getattr(b, name), rtol=1e-4, atol=1e-4, err_msg=name
                )
        s = split_drift(g.run.z, g.cross)
        assert np.all(s.earlier[:, 0] == 0.0) and np.all(s.earlier[:, 1:] > 0)


def test_trace_many_wants_networks_of_one_shape(small_data):
    configs = [NetConfig(), NetConfig(activation="relu", init="he")]
    with pytest.raises(ValueError, match="networks of one activation, depth and width"):
        trace_many(configs, small_data, 5, [0, 5])
    with pytest.raises(ValueError, match="networks of one activation"):
        trace_many([], small_data, 5, [0, 5])


def test_bad_input(small_data):
    with pytest.raises(
        ValueError, match=re.escape("probe_steps must be steps in 0..5, at least one (got [0, 9])")
    ):
        trace(NetConfig(), small_data, 5, [0, 9])
    with pytest.raises(ValueError, match=re.escape("batch_size must be in 1..600")):
        trace(NetConfig(), small_data, 5, [0], batch_size=0)
    with pytest.raises(ValueError, match="expected a model with hidden layers"):
        hidden_blocks(torch.nn.Sequential(torch.nn.Linear(3, 2)))
