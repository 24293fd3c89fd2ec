"""bnlib.experiments.numpy_mnist on small synthetic data: the probes do not disturb training, the sweep's
entries are the runs they name, full-batch descent reports divergence."""

import copy

import numpy as np
import pytest

from bnlib.experiments.landscape import descend
from bnlib.experiments.numpy_mnist import batch_size_sweep, eval_accuracy, probed_run
from bnlib.nn.data import MNIST
from bnlib.nn.losses import cross_entropy, mse
from bnlib.nn.metrics import accuracy
from bnlib.nn.mlp import mlp
from bnlib.nn.toys import linear_map
from bnlib.nn.train import sgd

SIZES = (12, 8, 8, 3)


@pytest.fixture(scope="module")
def blobs():
    """Three Gaussian classes in 12 dimensions, 150 training and 60 test examples (float32)."""
    rng = np.random.default_rng(0)
    centres = 1.5 * rng.standard_normal((3, 12))

    def draw(n):
        y = np.arange(n) % 3
        return (centres[y] + rng.standard_normal((n, 12))).astype(np.float32), y

    return MNIST(*draw(150), *draw(60))


def test_eval_accuracy_uses_population_statistics_and_returns_to_training(blobs):
    net = mlp(SIZES, norm="batch", dtype=np.float32)
    sgd(net, blobs.x_train, blobs.y_train, cross_entropy, lr=0.5, steps=30, batch_size=30)
    acc = eval_accuracy(net, blobs)
    assert net.layers[1].training
    twin = copy.deepcopy(net)
    twin.set_population_stats(blobs.x_train)
    assert acc == accuracy(twin.eval(), blobs.x_test, blobs.y_test)


def test_probes_do_not_disturb_training(blobs):
    net = mlp(SIZES, norm="batch", dtype=np.float32)
    twin = copy.deepcopy(net)
    run = probed_run(net, blobs, lr=0.5, steps=40, every=10, batch_size=30, ics_layer=1)
    for k in range(4):  # the same training without probes: sgd in stretches, seeds 0..3
        sgd(
            twin,
            blobs.x_train,
            blobs.y_train,
            cross_entropy,
            lr=0.5,
            steps=10,
            batch_size=30,
            seed=k,
        )
    for p, q in zip(net.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)
    assert run.steps.tolist() == [0, 10, 20, 30, 40] and run.loss.shape == (40,)
    assert run.z.mean.shape == (5, 1, 8) and run.ics.shape == (5, 3)
    assert np.all(np.isfinite(run.ics)) and run.accuracy[-1] > 0.8


def test_probed_run_without_ics_and_bad_steps(blobs):
    run = probed_run(mlp(SIZES, norm=None), blobs, lr=0.5, steps=10, every=5, batch_size=30)
    assert np.isnan(run.ics).all()
    with pytest.raises(ValueError, match=r"steps must be a multiple of every \(got 10 and 3\)"):
        probed_run(mlp(SIZES), blobs, lr=0.5, steps=10, every=3)


def test_sweep_entries_are_the_runs_they_name(blobs):
    sweep = batch_size_sweep(
        blobs,
        norms=("batch", None),
        batch_sizes=(4, 30),
        examples=120,
        sizes=SIZES,
        lr_per_64=0.8,
        seeds=(0, 5),
    )
    assert sweep.eval_acc.shape == sweep.train_acc.shape == (2, 2, 2) and sweep.loss.shape == (2, 2)
    assert np.isnan(sweep.train_acc[1]).all() and np.isfinite(sweep.train_acc[0]).all()
    assert sweep.seeds == (0, 5) and sweep.examples == 120
    for k, seed in enumerate(sweep.seeds):  # seed 5 alone: its weights, its order of the images
        net = mlp(
            SIZES, activation="relu", norm="batch", gain=np.sqrt(2), seed=seed, dtype=np.float32
        )
        order = np.random.default_rng(seed).permutation(len(blobs.x_train))
        sgd(
            net,
            blobs.x_train[order],
            blobs.y_train[order],
            cross_entropy,
            lr=0.8 * 4 / 64,
            steps=30,
            batch_size=4,
        )
        # float32 side by side vs alone: the same up to rounding, so one test digit at most
        assert abs(sweep.eval_acc[0, 0, k] - eval_accuracy(net, blobs)) <= 1 / 60
        train_mode = accuracy(net, blobs.x_test, blobs.y_test, batch_size=4)
        assert abs(sweep.train_acc[0, 0, k] - train_mode) <= 1 / 60


def test_descend_is_full_batch_gradient_descent():
    x, t = linear_map(60, 4, seed=1)
    net = mlp([4, 4, 4, 4], activation="identity", norm="batch")
    twin = copy.deepcopy(net)
    d = descend(net, x, t, lr=0.01, steps=20, every=10, ics_layer=1)
    for _ in range(20):
        twin.backward(mse(twin.forward(x), t)[1])
        for p in twin.parameters():
            p.value[...] -= 0.01 * p.grad
    for p, q in zip(net.parameters(), twin.parameters(), strict=True):
        np.testing.assert_allclose(p.value, q.value, rtol=1e-10, atol=1e-12)
    assert d.steps.tolist() == [0, 10, 20] and d.loss.shape == (20,) and not d.diverged
    assert d.smoothness.shape == d.loss_range.shape == d.grad_norm.shape == (3,)
    assert d.ics.shape == (3, 3)
    assert np.isnan(descend(twin, x, t, lr=0.01, steps=2, every=1, ics_layer=None).ics).all()


def test_descend_reports_divergence():
    x, t = linear_map(60, 4, seed=1)
    d = descend(
        mlp([4] * 8, activation="identity", norm=None),
        x,
        t,
        lr=5.0,
        steps=40,
        every=20,
        ics_layer=1,
    )
    assert d.diverged and len(d.loss) < 40
