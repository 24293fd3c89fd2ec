"""bnlib.experiments.sigmoid_depth: the signal through sigmoid layers at step 0."""

import numpy as np
import pytest

from bnlib.experiments import sigmoid_depth as D
from tests.test_paper import fake_run


def test_init_signal_shrinks_by_a_quarter_of_std_sqrt_fan_in_per_layer():
    x = np.random.default_rng(0).standard_normal((64, 784))
    signal = D.init_signal(x, depth=4)
    assert list(signal) == ["std 0.01", "Xavier"]
    small, xavier = signal.values()
    assert small.shape == xavier.shape == (4,)
    ratio = D.shrink_per_layer(small)[1:]  # deep layers: sigmoid slope 1/4 x 0.01 x sqrt(100)
    np.testing.assert_allclose(ratio, 0.025, rtol=0.1)
    assert np.all(xavier[1:] > 5 * small[1:])


def test_shrink_per_layer_is_each_layer_over_the_one_before():
    np.testing.assert_allclose(D.shrink_per_layer([1.0, 0.5, 0.05]), [0.5, 0.1])


def test_sigma_b_is_the_rms_over_units_of_each_units_spread():
    run = fake_run([0.1] * 4, p=4)
    want = np.sqrt(np.mean(run.z.std[0, -1] ** 2))
    assert D.sigma_b(run) == pytest.approx(want)
    assert D.sigma_b(run, 2, 1) == pytest.approx(np.sqrt(np.mean(run.z.std[2, 1] ** 2)))
