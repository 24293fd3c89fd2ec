"""bnlib.experiments.torch_nets against bnlib's numpy reference and torch itself."""

import copy
import re

import numpy as np
import pytest
import torch

from bnlib import functional as F
from bnlib.experiments.covariate_shift import Summary
from bnlib.experiments.many_at_once.stacked_training import batch_groups
from bnlib.experiments.mnist_net import NetConfig, mnist_mlp
from bnlib.experiments.torch_nets import (
    _param_groups,
    bn_layers,
    fit,
    precise_bn_torch,
    train,
    train_many,
)
from bnlib.experiments.torch_probes import scores
from bnlib.inference import population_stats

THREADS = torch.get_num_threads()


def test_precise_bn_is_algorithm_2(rng):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU())
    batches = [torch.from_numpy(rng.normal(1.0, 2.0, (16, 3)).astype(np.float32)) for _ in range(5)]
    model.eval()
    assert precise_bn_torch(model, batches) == 5
    assert not model.training and bn_layers(model)[0].momentum == 0.1  # restored
    with torch.no_grad():
        h = [model[0](b).double().numpy() for b in batches]
    mean, var = population_stats([F.batch_mean(a) for a in h], [F.batch_var(a) for a in h], m=16)
    np.testing.assert_allclose(model[1].running_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(model[1].running_var.numpy(), var, rtol=1e-5)


def test_precise_bn_refuses_a_model_without_bn_and_no_batches():
    with pytest.raises(ValueError, match="no BatchNorm layer"):
        precise_bn_torch(torch.nn.Linear(2, 2), [torch.zeros(2, 2)])
    with pytest.raises(ValueError, match="at least one batch"):
        precise_bn_torch(torch.nn.BatchNorm1d(2), [])


# --- the paper's MNIST network and its training with probes -------------------------------


def test_same_seed_same_run_other_seed_other_run(small_data):
    config = NetConfig(bn=True, lr=0.3, seed=4)
    a, b = (train(config, small_data, steps=20, probe_steps=[0, 20]) for _ in range(2))
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    for x, y in zip(a.z, b.z, strict=True):
        np.testing.assert_array_equal(x, y)
    c = train(NetConfig(bn=True, lr=0.3, seed=5), small_data, steps=20, probe_steps=[0, 20])
    assert not np.array_equal(a.train_loss, c.train_loss)


def test_training_learns(small_data):
    run = train(NetConfig(activation="relu", init="he", lr=0.1), small_data, 100, [0, 100])
    assert run.test_acc[-1] > run.test_acc[0] + 0.4
    assert run.train_loss[-10:].mean() < run.train_loss[:10].mean()
    assert run.steps_to(run.test_acc[-1]) == 100 and run.steps_to(1.01) is None


def test_fit_returns_the_network_train_trains(small_data):
    """The same seed, the same steps: fit's network scores what train's last probe recorded,
    and its gamma, beta have left their start (1, 0)."""
    config = NetConfig(bn=True, lr=1.0, seed=3)
    model, run = fit(config, small_data, 30), train(config, small_data, 30, [30])
    assert model.training
    with torch.no_grad():
        logits = model.eval()(torch.from_numpy(small_data.x_test))
    acc = (logits.argmax(1).numpy() == small_data.y_test).mean()
    assert acc == pytest.approx(run.test_acc[-1], abs=1e-6)  # run: a float32 mean; 1 image = 0.005
    gamma = np.concatenate([bn.weight.detach().numpy() for bn in bn_layers(model)])
    assert gamma.shape == (300,) and np.abs(gamma - 1).max() > 1e-3


MIXED = [
    NetConfig(lr=1.0, seed=0),
    NetConfig(lr=3.0, seed=1, init="xavier"),
    NetConfig(bn=True, lr=0.5, seed=2),
    NetConfig(bn=True, lr=2.0, seed=3, activation="relu", init="he"),
    NetConfig(activation="relu", init="he", lr=0.1, seed=4),
    NetConfig(activation="tanh", init="xavier", lr=0.2, seed=5),
]


def assert_same_runs(got, want, rtol):
    assert got.config == want.config and np.array_equal(got.steps, want.steps)
    np.testing.assert_allclose(got.train_loss, want.train_loss, rtol=rtol)
    np.testing.assert_allclose(got.test_loss, want.test_loss, rtol=rtol)
    np.testing.assert_array_equal(got.test_acc, want.test_acc)
    np.testing.assert_allclose(got.train_set_loss, want.train_set_loss, rtol=rtol)
    np.testing.assert_array_equal(got.train_set_acc, want.train_set_acc)
    for name in Summary._fields:
        np.testing.assert_allclose(
            getattr(got.z, name),
            getattr(want.z, name),
            rtol=rtol,
            atol=rtol,
            err_msg=f"{got.config}: z.{name}",
        )


def test_train_many_equals_train_in_float32_over_a_few_steps(small_data):
    """In float32 rounding differs; a ReLU unit near 0 can then flip later, so few steps."""
    together = train_many(MIXED, small_data, steps=8, probe_steps=[0, 8])
    for config, got in zip(MIXED, together, strict=True):
        assert_same_runs(got, train(config, small_data, 8, [0, 8]), rtol=2e-5)


PAIRED = [NetConfig(seed=s, bn=bn, lr=0.5) for s in (0, 1) for bn in (False, True)]
PAIRED += [NetConfig(seed=0, lr=3.0, init="xavier"), NetConfig(seed=1, bn=True, lr=5.0)]
PAIRED += [NetConfig(seed=1, bn=True, lr=0.2, lr_invariant=6.0)]  # its own rate before BN


def test_networks_with_one_seed_share_their_mini_batches():
    """Same seed, same draws for the weights (whatever the init and BN): the same batch order
    (``many_at_once.stacked_training.batch_groups``)."""
    models = [mnist_mlp(c) for c in PAIRED]
    assert batch_groups(models) == [[0, 1, 4], [2, 3, 5, 6]]


@pytest.mark.parametrize(
    ("configs", "steps", "probes"),
    [(MIXED, 25, [0, 7, 25]), (PAIRED, 20, [0, 9, 20])],
    ids=["seeds apart, three stacks", "one stack, two groups sharing mini-batches"],
)
def test_train_many_equals_training_each_network_alone(small_data, configs, steps, probes):
    """float64, so that only the order of additions differs: the same runs to 1e-9."""
    f64 = torch.float64
    together = train_many(configs, small_data, steps, probe_steps=probes, dtype=f64)
    for config, got in zip(configs, together, strict=True):
        assert_same_runs(got, train(config, small_data, steps, probes, dtype=f64), rtol=1e-9)


def test_train_many_equals_train_in_float32_for_smooth_activations(small_data):
    """Sigmoid and tanh have no kink to flip at, and at lr <= 1 the loss does not jump around:
    float32 rounding stays small for longer (at lr 5 it reaches 1e-3 within 40 steps)."""
    smooth = [c for c in MIXED + PAIRED if c.activation != "relu" and c.lr <= 1]
    together = train_many(smooth, small_data, steps=40, probe_steps=[0, 40])
    for config, got in zip(smooth, together, strict=True):
        assert_same_runs(got, train(config, small_data, 40, [0, 40]), rtol=1e-4)


def test_the_numbers_do_not_depend_on_the_threads_torch_was_given(small_data):
    runs = []
    for ambient in (1, 2):
        torch.set_num_threads(ambient)
        runs.append(train_many(MIXED[:4], small_data, steps=15, probe_steps=[15]))
        assert torch.get_num_threads() == ambient  # restored
    torch.set_num_threads(THREADS)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a.train_loss, b.train_loss)
        np.testing.assert_array_equal(a.z.quantiles, b.z.quantiles)


def test_a_broken_run_says_where_it_broke(small_data):
    run = train_many([NetConfig(activation="relu", init="he", lr=50.0)], small_data, 30, [0, 30])[0]
    assert run.diverged_at is not None and 0 <= run.diverged_at < 30
    assert np.isfinite(run.train_loss[: run.diverged_at]).all()
    assert np.isfinite(run.z.mean[0]).all() and np.isnan(run.z.quantiles[-1]).all()
    assert train(NetConfig(), small_data, 3).diverged_at is None


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"steps": -1}, "steps must be an integer >= 0 (got -1)"),
        (
            {"steps": 5, "probe_steps": [0, 6]},
            "probe_steps must be steps in 0..5, at least one (got [0, 6])",
        ),
        ({"steps": 5, "probe_steps": []}, "(got [])"),
        (
            {"steps": 5, "batch_size": 601},
            "batch_size must be in 1..600, the training set size (got 601)",
        ),
    ],
)
@pytest.mark.parametrize("trainer", ["train", "train_many"])
def test_bad_training_arguments(small_data, kwargs, says, trainer):
    with pytest.raises(ValueError, match=re.escape(says)):
        if trainer == "train":
            train(NetConfig(), small_data, **kwargs)
        else:
            train_many([NetConfig()], small_data, **kwargs)


def test_sgd_puts_the_weights_before_bn_in_a_group_of_their_own():
    config = NetConfig(bn=True, lr=0.5, lr_invariant=15.0, depth=2)
    model = mnist_mlp(config)
    rest, before_bn = _param_groups(model, config)
    assert before_bn["lr"] == 15.0 and "lr" not in rest  # the rest takes SGD's lr, 0.5
    assert [p.shape for p in before_bn["params"]] == [(100, 784), (100, 100)]
    assert {id(p) for p in rest["params"] + before_bn["params"]} == {
        id(p) for p in model.parameters()
    }
    assert len(_param_groups(mnist_mlp(NetConfig()), NetConfig())) == 1  # no BN: one group


def test_train_many_without_the_training_images_probe_is_the_same_run(small_data):
    """fit_probe=False: the same runs (float64), only train_set_loss and _acc are NaN."""
    f64 = torch.float64
    full = train_many(PAIRED[:4], small_data, 10, probe_steps=[0, 10], dtype=f64)
    lean = train_many(PAIRED[:4], small_data, 10, probe_steps=[0, 10], dtype=f64, fit_probe=False)
    for a, b in zip(full, lean, strict=True):
        assert np.all(np.isfinite(a.train_set_acc)) and np.all(np.isnan(b.train_set_loss))
        assert np.all(np.isnan(b.train_set_acc))
        b.train_set_loss, b.train_set_acc = a.train_set_loss, a.train_set_acc
        assert_same_runs(b, a, rtol=1e-9)


def _cumulative_pass(model, batches):
    """What precise_bn_torch replaced: torch's own momentum=None average over the batches."""
    for bn in bn_layers(model):
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for x in batches:
            model(x)


@pytest.mark.parametrize("conv", [False, True])
def test_precise_bn_torch_equals_torchs_cumulative_average(conv):
    """Also with batches of unequal size (each counts once) and BatchNorm2d."""
    torch.manual_seed(0)
    nn = torch.nn
    if conv:
        model = nn.Sequential(
            nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 2, 1), nn.BatchNorm2d(2)
        )
        batches = [3 * torch.randn(k, 3, 6, 6) + 1 for k in (8, 8, 5)]
    else:
        model = nn.Sequential(
            nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Linear(4, 5), nn.BatchNorm1d(5)
        )
        batches = [2 * torch.randn(k, 3) - 1 for k in (16, 16, 7)]
    old = copy.deepcopy(model)
    assert precise_bn_torch(model.eval(), batches) == 3
    _cumulative_pass(old, batches)
    for new, bn in zip(bn_layers(model), bn_layers(old), strict=True):
        torch.testing.assert_close(new.running_mean, bn.running_mean, rtol=2e-6, atol=1e-7)
        torch.testing.assert_close(new.running_var, bn.running_var, rtol=2e-6, atol=1e-7)
        assert int(new.num_batches_tracked) == 3 and new.momentum == 0.1
    assert not model.training


def test_on_probe_sees_the_network_at_each_probe_and_changes_nothing(small_data):
    config, seen = NetConfig(bn=True, lr=0.5, seed=1), []
    plain = train(config, small_data, 12, [0, 5, 12])
    keep = lambda models: seen.append(copy.deepcopy(models[0]))  # noqa: E731
    hooked = train(config, small_data, 12, [0, 5, 12], fit_probe=False, on_probe=keep)
    np.testing.assert_array_equal(hooked.train_loss, plain.train_loss)
    np.testing.assert_array_equal(hooked.test_loss, plain.test_loss)
    assert np.isnan(hooked.train_set_loss).all() and np.isfinite(plain.train_set_loss).all()
    assert len(seen) == 3
    xt, yt = small_data.x_test, small_data.y_test
    for model, loss in zip(seen, plain.test_loss, strict=True):
        assert scores(model, xt, yt)[0] == pytest.approx(float(loss), rel=1e-6)
    assert int(seen[-1][1].num_batches_tracked) == 12  # the network after 12 steps
