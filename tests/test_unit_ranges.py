"""bnlib.experiments.unit_ranges: per-unit shares against the Gaussian formulas and by hand."""

import numpy as np
import pytest

from bnlib.experiments import unit_ranges as U
from bnlib.nn import activations as A
from bnlib.nn.mlp import mlp


def test_gaussian_samples_match_the_formulas():
    z = np.random.default_rng(0).normal([0.0, 3.0], [1.0, 2.0], size=(200_000, 2))
    lin, sat = U.linear_share(z, 0.02), U.saturated_share(z)
    expected = [A.linear_fraction(1, 0, 0.02), A.linear_fraction(2, 3, 0.02)]
    assert lin == pytest.approx(expected, abs=3e-3)
    assert sat == pytest.approx(
        [A.saturation_fraction(1, 0), A.saturation_fraction(2, 3)], abs=3e-3
    )
    assert U.active_share(z) == pytest.approx([0.5, A.active_fraction(2, 3)], abs=3e-3)


def test_shares_count_by_hand():
    z = np.array([[0.0, 4.0], [1.5, -5.0], [-0.5, 0.1], [3.7, -3.0]])  # s = 3.637, a = 1.020
    np.testing.assert_array_equal(U.linear_share(z, 0.02), [0.5, 0.25])
    np.testing.assert_array_equal(U.saturated_share(z), [0.25, 0.5])
    np.testing.assert_array_equal(U.active_share(z), [0.5, 0.5])
    np.testing.assert_array_equal(U.per_unit([z, z[:, :1]], U.active_share), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(U.saturated_share(z, "tanh"), [0.25, 0.75])  # s = 1.818


def test_moved_counts_each_way_and_refuses_other_units():
    assert U.moved([0.5, 0.5, 0.5], [0.6, 0.5, 0.1]) == (1, 1)
    with pytest.raises(ValueError, match="same units"):
        U.moved([0.5], [0.5, 0.6])


def test_start_of_is_where_fit_classifier_starts():
    x = np.random.default_rng(1).normal(size=(64, 2))
    start = U.start_of([2, 4, 1], x, seed=3)
    fresh = mlp([2, 4, 1], seed=3)  # what fit_classifier(..., seed=3) trains
    fresh.set_population_stats(x)
    np.testing.assert_array_equal(start(x), fresh.eval()(x))
    assert not start.bn_layers[0].training and np.all(start.bn_layers[0].weight == 1)
    z = start.pre_activations(x)[0]  # Alg. 2: Var[x] = m/(m-1) * biased var, so std √(63/64)
    assert np.abs(z.mean(axis=0)).max() < 1e-12
    np.testing.assert_allclose(z.std(axis=0), np.sqrt(63 / 64), rtol=1e-3)
