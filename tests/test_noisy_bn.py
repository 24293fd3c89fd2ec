"""bnlib.experiments.noisy_bn: the drawn scales and shifts are in their ranges and new at every step, eval
applies the expected map, backward passes s * dy, insert_noise puts a layer before each g,
noise_floor is the W1 that the draws alone put between two probes."""

import numpy as np
import pytest

from bnlib.experiments.noisy_bn import MEAN_SHIFT, SCALE, NoisyShift, insert_noise, noise_floor
from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.nn.mlp import mlp


def scale_and_shift(x, y):
    """Per unit, the s and mu of y = s x + mu (exact without jitter): least squares."""
    s = ((x - x.mean(0)) * (y - y.mean(0))).sum(0) / ((x - x.mean(0)) ** 2).sum(0)
    return s, y.mean(0) - s * x.mean(0)


def test_each_call_draws_a_scale_and_shift_per_unit_in_their_ranges(rng):
    x = rng.standard_normal((64, 500))
    noise = NoisyShift(jitter=0.0, seed=3)
    s1, mu1 = scale_and_shift(x, noise(x))
    s2, mu2 = scale_and_shift(x, noise(x))
    for s, mu in ((s1, mu1), (s2, mu2)):
        assert np.all((SCALE[0] <= s) & (s <= SCALE[1]))
        assert np.all(np.abs(mu) <= MEAN_SHIFT)
        assert abs(s.mean() - np.mean(SCALE)) < 0.01 and abs(mu.mean()) < 0.05  # uniform draws
    assert not np.allclose(s1, s2) and not np.allclose(mu1, mu2)  # a new draw each step


def test_jitter_adds_per_element_noise_of_its_size(rng):
    x = np.zeros((4000, 3))
    y = NoisyShift(jitter=0.1, seed=0)(x)
    assert np.std(y - y.mean(0), axis=0) == pytest.approx([0.1] * 3, rel=0.05)


def test_eval_mode_applies_the_expected_map(rng):
    x = rng.standard_normal((5, 4))
    noise = NoisyShift(seed=0).train(False)
    np.testing.assert_allclose(noise(x), np.mean(SCALE) * x)
    np.testing.assert_allclose(noise.backward(np.ones_like(x)), np.full_like(x, np.mean(SCALE)))


def test_backward_is_the_gradient_with_this_steps_noise_held_fixed(rng):
    x, dy = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    noise = NoisyShift(seed=5)
    noise(x)
    dx = noise.backward(dy)

    def same_draw(v):  # replay the same step's noise for every evaluation
        return NoisyShift(seed=5)(v)

    assert rel_error(dx, numerical_gradient(same_draw, x, dy)) <= 1e-8


def test_insert_noise_puts_one_layer_before_each_activation():
    net = mlp([4, 5, 5, 2], norm="batch")
    noisy = insert_noise(net, seed=0)
    kinds = [type(layer).__name__ for layer in noisy.layers]
    assert kinds == ["Linear", "BatchNorm1d", "NoisyShift", "Activation"] * 2 + ["Linear"]
    assert noisy.layers[0] is net.layers[0]  # shared, not copied
    plain = [type(la).__name__ for la in insert_noise(mlp([4, 5, 2], norm=None)).layers]
    assert plain == ["Linear", "NoisyShift", "Activation", "Linear"]
    draws = [layer.rng.random() for layer in noisy.layers if type(layer).__name__ == "NoisyShift"]
    assert draws[0] != draws[1]  # each noise layer has its own generator


def test_noise_floor_of_shifts_alone_is_the_mean_gap_between_two_shifts(rng):
    x = rng.standard_normal((200, 300))
    # shifting a distribution moves it by W1 = |mu - mu'|; two draws of U(-a, a): E = 2a / 3
    floor = noise_floor(x, pairs=10, scale=(1.0, 1.0), jitter=0.0, mean_shift=0.3)
    assert floor == pytest.approx(0.2, abs=0.01)
    assert noise_floor(x, scale=(1.0, 1.0), jitter=0.0, mean_shift=0.0) < 1e-12  # no noise


def test_noise_floor_grows_with_the_scale_range_and_the_jitter(rng):
    x = rng.standard_normal((200, 50))
    shift_only = noise_floor(x, scale=(1.0, 1.0), jitter=0.0)
    assert noise_floor(x, scale=(1.0, 2.0), jitter=0.0) > shift_only + 0.05
    assert noise_floor(x) > shift_only  # the default scales and jitter add to the shifts' 1/3
    assert shift_only == pytest.approx(1 / 3, abs=0.02)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: NoisyShift(scale=(1.5, 1.0)),
            r"expected 0 < scale\[0\] <= scale\[1\], mean_shift >= 0 and jitter >= 0 \(got scale=\(1.5, 1.0\)",
        ),
        (lambda: NoisyShift(jitter=-1), r"jitter=-1\)"),
        (
            lambda: NoisyShift().backward(np.ones((2, 2))),
            r"call forward\(x\) before backward\(dy\)",
        ),
        (
            lambda: noise_floor(np.ones(5)),
            r"expected x \(N, C\) with N >= 2 and pairs >= 1 \(got x of shape \(5,\) and pairs=20\)",
        ),
        (lambda: noise_floor(np.ones((3, 2)), pairs=0), r"pairs=0\)"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises((ValueError, RuntimeError), match=message):
        call()
