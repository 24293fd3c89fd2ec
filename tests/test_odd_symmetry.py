"""bnlib.experiments.odd_symmetry: even and odd parts, the best constant."""

import numpy as np
import pytest

from bnlib.experiments import odd_symmetry as S
from bnlib.nn.losses import bce_with_logits
from bnlib.nn.mlp import mlp


def test_even_odd_parts_of_a_known_logit():
    x = np.random.default_rng(0).normal(size=(50, 2))
    even, odd = S.even_odd_parts(lambda v: 2 + 3 * v[:, 0] + v[:, 1] ** 2, x)
    np.testing.assert_allclose(even, 2 + x[:, 1] ** 2)
    np.testing.assert_allclose(odd, 3 * x[:, 0])


def test_a_beta_zero_network_on_symmetric_data_is_a_constant_plus_an_odd_function():
    half = np.random.default_rng(1).normal(size=(100, 2))
    x = np.concatenate([half, -half])  # exactly symmetric about 0
    net = mlp([2, 8, 8, 1], seed=2)
    for bn in net.bn_layers:
        bn.weight[...] = np.random.default_rng(3).uniform(0.5, 3, bn.weight.shape)  # any γ
    net.set_population_stats(x)
    even, _ = S.even_odd_parts(net.eval(), x)
    assert np.ptp(even) < 1e-9
    net.bn_layers[0].bias[...] = 1.0  # β off 0 breaks it
    net.set_population_stats(x)
    assert np.ptp(S.even_odd_parts(net.eval(), x)[0]) > 1e-3


def test_best_constant_is_the_lowest_constant_loss():
    labels = np.array([1.0] * 3 + [0.0] * 5)
    logit, acc, loss = S.best_constant(labels)
    assert logit == pytest.approx(np.log(3 / 5)) and acc == 5 / 8
    assert loss == pytest.approx(bce_with_logits(np.full((8, 1), logit), labels)[0])
    for other in (logit - 0.1, logit + 0.1):
        assert bce_with_logits(np.full((8, 1), other), labels)[0] > loss
    assert S.best_constant([0, 1])[2] == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match="both classes"):
        S.best_constant([1, 1])
