"""bnlib.nn.toys: the generated tasks have the properties the notebooks rely on."""

import numpy as np
import pytest

from bnlib.nn.toys import (
    angle_to_best,
    best_gamma_beta,
    binary_accuracy,
    disk,
    grid,
    shifted_scaled_targets,
    spirals,
    standard_sample,
    xor,
)


def test_xor_labels_are_the_sign_of_the_blob_and_even():
    x, y = xor(400, noise=0.1)
    assert x.shape == (400, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert binary_accuracy(x[:, 0] * x[:, 1], y) == 1.0  # x1 x2 > 0 <=> label 1 (blobs well apart)
    assert y.mean() == 0.5


def test_spirals_are_point_symmetric_with_swapped_labels():
    x, y = spirals(400, noise=0.0)
    assert y.mean() == 0.5
    r = np.hypot(*x.T)
    assert 0.1 <= r.min() and r.max() <= 2.0 + 1e-12
    # class 1 is class 0 turned by 180 degrees: -x of a class-0 point lies on spiral 1
    a0, a1 = x[y == 0], x[y == 1]
    nearest = np.min(np.linalg.norm(-a0[:, None, :] - a1[None, :, :], axis=2), axis=1)
    assert np.median(nearest) < 0.05


def test_disk_labels_are_even_and_the_inner_share_is_known():
    x, y = disk(20_000, radius=1.0, seed=3)
    assert x.shape == (20_000, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert np.array_equal(y, (np.hypot(*(-x).T) < 1.0).astype(float))  # label(-x) = label(x)
    share = 1 - np.exp(-0.5)  # P(|x| < 1) for x ~ N(0, I_2): a chi-square with 2 dof
    assert abs(y.mean() - share) < 5 * np.sqrt(share * (1 - share) / 20_000)
    assert disk(400, seed=0)[1].mean() < 0.45  # unequal classes: a constant is not 50 %


def test_best_gamma_beta_are_the_targets_std_and_mean():
    x, t = shifted_scaled_targets(20_000, mean=(2.0, -1.5), std=(3.0, 0.5), noise=0.1, seed=1)
    gamma, beta, loss = best_gamma_beta(x, t)
    np.testing.assert_allclose(beta, [2.0, -1.5], atol=0.05)  # Monte Carlo: 5 std errors
    np.testing.assert_allclose(gamma, [3.0, 0.5], rtol=0.03)
    assert loss == pytest.approx(0.5 * 2 * 0.1**2, rel=0.05)  # only the noise is left


def test_angle_to_best_is_zero_along_the_targets_slope_and_90_across_it():
    x, t = shifted_scaled_targets(2000, noise=0.0, seed=0)
    coef = np.linalg.lstsq(np.column_stack([x, np.ones(len(x))]), t, rcond=None)[0][:2].T
    np.testing.assert_allclose(angle_to_best(coef, x, t), [0, 0], atol=1e-6)
    np.testing.assert_allclose(angle_to_best(-3 * coef, x, t), [0, 0], atol=1e-6)  # a line
    across = coef[:, ::-1] * [1, -1]  # each row turned by 90 degrees
    np.testing.assert_allclose(angle_to_best(across, x, t), [90, 90], atol=1e-6)
    turned = np.array([[np.cos(0.5), np.sin(0.5)], [1.0, 0.0]])  # two arbitrary rows
    u = coef / np.linalg.norm(coef, axis=1, keepdims=True)
    angle = np.degrees(np.arccos(np.clip(np.abs(np.sum(turned * u, axis=1)), 0, 1)))
    np.testing.assert_allclose(angle_to_best(turned, x, t), angle)
    with pytest.raises(ValueError, match=r"expected W of shape \(2, 2\) \(got \(3, 2\)\)"):
        angle_to_best(np.ones((3, 2)), x, t)
    with pytest.raises(ValueError, match="expected every row of W to be non-zero"):
        angle_to_best(np.array([[1.0, 0.0], [0.0, 0.0]]), x, t)


def test_standard_sample_has_mean_exactly_0_and_std_exactly_1():
    z = standard_sample(500, seed=3)
    assert z.shape == (500, 1)
    assert abs(z.mean()) < 1e-15 and z.std() == pytest.approx(1.0, abs=1e-14)
    assert np.array_equal(z, standard_sample(500, seed=3))
    assert not np.array_equal(z, standard_sample(500, seed=4))


def test_grid_covers_the_points():
    x = np.array([[0.0, -1.0], [2.0, 3.0]])
    xx, _, pts = grid(x, steps=5, margin=0.5)
    assert xx.shape == (5, 5) and pts.shape == (25, 2)
    assert pts.min(axis=0).tolist() == [-0.5, -1.5] and pts.max(axis=0).tolist() == [2.5, 3.5]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xor(3), r"n must be an integer >= 4 \(got 3\)"),
        (lambda: spirals(10.5), r"got 10.5"),
        (lambda: disk(10, radius=0.0), r"radius must be a finite number > 0 \(got 0.0\)"),
        (
            lambda: shifted_scaled_targets(10, mean=(1.0,), std=(1.0, 2.0)),
            r"mean and std must be 1-D of one length",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_linear_map_targets_are_an_exact_linear_map_of_x():
    from bnlib.nn.toys import linear_map

    x, t = linear_map(200, 5, seed=3)
    assert x.shape == t.shape == (200, 5)
    a, *_ = np.linalg.lstsq(x, t, rcond=None)
    np.testing.assert_allclose(x @ a, t, atol=1e-10)  # no noise, no offset
    np.testing.assert_array_equal(linear_map(200, 5, seed=3)[1], t)  # seeded
