"""The capstone's runs: at the high learning rate the paper's network without BN stays at
chance, with BN (bnlib's, or the reference solution's class) it learns."""

import numpy as np
import pytest

from bnlib.experiments.capstone_runs import HIGH_LR, fit
from bnlib.nn.data import load_mnist
from tests.capstone_solution import MyBatchNorm1d


@pytest.fixture(scope="module")
def data():
    return load_mnist()


def test_without_bn_the_network_stays_at_chance_at_the_high_rate(data):
    for seed in (0, 1):
        run = fit(data, norm=None, seed=seed)
        assert run.test_acc <= 0.15 and run.train.lr == HIGH_LR
        assert np.mean(run.train.loss[-50:]) > 2.0  # log(10) = 2.3: nothing learned
        z = run.net.pre_activations(data.x_test)[-1]  # the last hidden layer's sigmoid inputs
        assert np.mean(np.abs(z) > 4.6) > 0.99  # saturated: sigmoid' < 0.01
        assert len(np.unique(run.net(data.x_test).argmax(axis=1))) == 1  # one digit for all


def test_with_bn_it_learns_and_a_class_given_as_norm_trains_like_bnlibs_layer(data):
    ours, theirs = fit(data, norm="batch"), fit(data, norm=MyBatchNorm1d)
    assert ours.test_acc >= 0.8 and theirs.test_acc >= 0.8
    np.testing.assert_allclose(theirs.train.loss[:50], ours.train.loss[:50], rtol=1e-6)
