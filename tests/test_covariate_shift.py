"""bnlib.experiments.covariate_shift: init scales against torch.nn.init, propagation at init, and drift
measures that give the known answer on known distributions."""

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from bnlib import functional as F
from bnlib.experiments.covariate_shift import (
    Summary,
    init_std,
    layer_drift,
    propagate,
    quantile_levels,
    split_drift,
    standardized,
    summarize,
    typical_unit,
    unit_weights,
    w1_from_quantiles,
    wasserstein1,
)


@pytest.mark.parametrize(("fan_in", "fan_out"), [(784, 100), (100, 100), (100, 10)])
def test_init_std_matches_torch_init(fan_in, fan_out):
    gain = torch.nn.init.calculate_gain
    assert init_std("he", fan_in, fan_out) == pytest.approx(gain("relu") / np.sqrt(fan_in))
    assert init_std("xavier", fan_in, fan_out) == pytest.approx(np.sqrt(2 / (fan_in + fan_out)))
    w = torch.empty(fan_out, fan_in)
    torch.nn.init.xavier_normal_(w, generator=torch.Generator().manual_seed(0))
    assert w.std().item() == pytest.approx(init_std("xavier", fan_in, fan_out), rel=0.05)
    torch.nn.init.kaiming_normal_(
        w, nonlinearity="relu", generator=torch.Generator().manual_seed(0)
    )
    assert w.std().item() == pytest.approx(init_std("he", fan_in, fan_out), rel=0.05)
    assert init_std("gaussian", fan_in, fan_out, small_std=0.03) == 0.03


def test_init_std_refuses_an_unknown_scheme():
    with pytest.raises(
        ValueError,
        match=re.escape("init must be one of ('gaussian', 'xavier', 'he') (got 'lecun')"),
    ):
        init_std("lecun", 3, 3)


@pytest.fixture(scope="module")
def net():
    x = np.random.default_rng(0).standard_normal((256, 30))
    return x, unit_weights((30, 40, 40, 40, 40), seed=1)


def test_propagate_reports_bn_statistics_of_each_layer(net):
    x, ws = net
    p = propagate(x, ws, "tanh", "xavier", gain=1.3)
    h = x
    for layer, w in enumerate(ws):
        z = h @ (1.3 * init_std("xavier", *w.shape) * w)
        h = np.tanh(z)
        assert p.mean[layer] == pytest.approx(np.sqrt(np.mean(F.batch_mean(z) ** 2)))
        assert p.std[layer] == pytest.approx(np.sqrt(np.mean(F.batch_var(z))))


@given(gain=st.floats(0.3, 3.0))
def test_relu_is_homogeneous_so_gain_compounds_layer_by_layer(net, gain):
    x, ws = net
    base = propagate(x, ws, "relu", "he")
    scaled = propagate(x, ws, "relu", "he", gain=gain)
    np.testing.assert_allclose(scaled.std / base.std, gain ** np.arange(1, 5), rtol=1e-9)


def test_he_keeps_relu_scale_and_small_init_loses_it(net):
    x, ws = net
    he, small = propagate(x, ws, "relu", "he"), propagate(x, ws, "relu", "gaussian")
    pooled = np.sqrt(he.std**2 + he.mean**2)  # He's analysis keeps E[z^2] at its input value
    assert np.all((pooled > 0.5) & (pooled < 2.0))
    per_layer = 0.01 * np.sqrt(40 / 2)  # std * sqrt(fan_in / 2): ReLU halves E[z^2]
    assert small.std[-1] / small.std[0] < (2 * per_layer) ** 3


def test_propagate_refuses_bad_input(net):
    x, ws = net
    with pytest.raises(
        ValueError,
        match=re.escape("expected x (N, D) and weights[0] (D, C) (got x (256, 29), (30, 40))"),
    ):
        propagate(x[:, :29], ws, "relu", "he")
    with pytest.raises(ValueError, match=r"activation must be one of .* \(got 'gelu'\)"):
        propagate(x, ws, "gelu", "he")
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        propagate(x.astype(int), ws, "relu", "he")


@given(
    arrays(
        np.float64, st.tuples(st.integers(2, 40), st.integers(1, 4)), elements=st.floats(-1e3, 1e3)
    )
)
def test_summarize_matches_numpy_percentile_and_quantile(z):
    s = summarize(z)
    np.testing.assert_allclose(s.mean, z.mean(0))
    np.testing.assert_allclose(s.std, z.std(0), atol=1e-9)
    np.testing.assert_allclose(s.percentiles, np.percentile(z, [15, 50, 85], axis=0).T, atol=1e-9)
    np.testing.assert_allclose(s.quantiles, np.quantile(z, quantile_levels(), axis=0).T, atol=1e-9)


def test_summarize_keeps_leading_axes(rng):
    z = rng.standard_normal((2, 3, 50, 7))  # (probe, layer, N, C)
    s = summarize(z)
    assert s.mean.shape == s.std.shape == (2, 3, 7)
    assert s.percentiles.shape == (2, 3, 7, 3) and s.quantiles.shape == (2, 3, 7, 20)
    np.testing.assert_allclose(s.quantiles[1, 2], summarize(z[1, 2]).quantiles)


def test_summarize_refuses_a_single_example():
    with pytest.raises(
        ValueError,
        match=re.escape("expected z of shape (..., N, C) with N >= 2 (got shape (1, 5))"),
    ):
        summarize(np.zeros((1, 5)))


@given(
    arrays(np.float64, st.integers(1, 30), elements=st.floats(-100, 100)),
    arrays(np.float64, st.integers(1, 30), elements=st.floats(-100, 100)),
)
def test_wasserstein1_matches_scipy(a, b):
    assert wasserstein1(a, b) == pytest.approx(stats.wasserstein_distance(a, b), abs=1e-9)


@given(shift=st.floats(-50, 50))
def test_wasserstein1_of_a_shifted_sample_is_the_shift(shift):
    a = np.random.default_rng(0).standard_normal(200)
    assert wasserstein1(a, a + shift) == pytest.approx(abs(shift), abs=1e-9)


def test_wasserstein1_refuses_empty_samples():
    with pytest.raises(
        ValueError, match=re.escape("expected two non-empty samples (got sizes 0 and 3)")
    ):
        wasserstein1(np.array([]), np.ones(3))


def gaussian_quantiles(mu, sigma):
    return stats.norm.ppf(quantile_levels(), loc=mu, scale=sigma)


@pytest.mark.parametrize("mu", [0.0, 0.3, -2.0])
def test_w1_from_quantiles_of_shifted_gaussians_is_the_shift(mu):
    assert w1_from_quantiles(gaussian_quantiles(mu, 1), gaussian_quantiles(0, 1)) == pytest.approx(
        abs(mu)
    )


@pytest.mark.parametrize("sigma", [0.5, 2.0])
def test_w1_from_quantiles_of_scaled_gaussians(sigma):
    exact = abs(sigma - 1) * np.sqrt(2 / np.pi)  # W1(N(0, s^2), N(0, 1)) = |s - 1| E|Z|
    got = w1_from_quantiles(gaussian_quantiles(0, sigma), gaussian_quantiles(0, 1))
    assert got == pytest.approx(exact, rel=0.03)  # the midpoint rule on 20 quantiles


def summaries(mus, sigmas, rng, n=4000, units=5):
    """A (P, 1, units) Summary of Gaussian samples: probe p has mean mus[p], std sigmas[p]."""
    z = np.stack(
        [m + s * rng.standard_normal((n, units)) for m, s in zip(mus, sigmas, strict=True)]
    )
    return Summary(*(a[:, None] for a in summarize(z)))


def test_layer_drift_of_a_moving_mean(rng):
    mus = [0.0, 0.5, 1.5, 1.5]
    d = layer_drift(summaries(mus, [1.0] * 4, rng))
    assert d.mean.shape == (3, 1)
    np.testing.assert_allclose(d.mean[:, 0], np.abs(np.diff(mus)), atol=0.06)
    np.testing.assert_allclose(d.w1[:, 0], np.abs(np.diff(mus)), atol=0.06)
    np.testing.assert_allclose(d.std[:, 0], 0.0, atol=0.05)


def test_layer_drift_of_a_growing_std_relative_and_from_the_start(rng):
    sigmas = [1.0, 2.0, 4.0]
    d = layer_drift(summaries([0.0] * 3, sigmas, rng), reference="initial")
    assert d.std.shape == (3, 1) and d.w1[0, 0] == 0.0
    np.testing.assert_allclose(d.std[:, 0], [0.0, 1.0, 3.0], atol=0.1)
    np.testing.assert_allclose(d.w1[:, 0], np.array([0, 1, 3]) * np.sqrt(2 / np.pi), rtol=0.05)
    rel = layer_drift(summaries([0.0, 0.0], [2.0, 6.0], rng), relative=True)
    assert rel.std[0, 0] == pytest.approx(2.0, rel=0.05)  # (6 - 2) / 2


def test_layer_drift_refuses_bad_input(rng):
    s = summaries([0.0, 1.0], [1.0, 1.0], rng)
    with pytest.raises(
        ValueError, match="reference must be 'previous' or 'initial' \\(got 'first'\\)"
    ):
        layer_drift(s, reference="first")
    flat = Summary(s.mean[:, 0], s.std[:, 0], s.percentiles[:, 0], s.quantiles[:, 0])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "expected a Summary with mean (P, L, C) and quantiles (P, L, C, Q) (got (2, 5) and (2, 5, 20))"
        ),
    ):
        layer_drift(flat)


def test_typical_unit_is_the_median_mover(rng):
    moves = np.array([0.0, 3.0, 1.0, 2.0, 4.0])  # unit 3 moved the median amount
    base = rng.standard_normal((500, 5))
    s = Summary(
        *(np.stack(a)[:, None] for a in zip(summarize(base), summarize(base + moves), strict=True))
    )
    assert typical_unit(s, 0) == 3
    broken = s._replace(quantiles=s.quantiles.copy())
    broken.quantiles[-1, 0, [1, 4]] = np.nan  # two units with NaN records: the median of the rest
    assert typical_unit(broken, 0) == 2


def test_split_drift_gives_the_whole_drift_to_the_part_that_moved(rng):
    s = summaries([0.0, 1.0, 3.0], [1.0, 1.0, 2.0], rng)  # (3 probes, 1 layer, 5 units)
    total = layer_drift(s).w1
    held_then = Summary(*(a[:-1] for a in s))  # z(theta(t), u(t')) = z(t): input did not matter
    only_own = split_drift(s, held_then)
    np.testing.assert_allclose(only_own.total, total)
    np.testing.assert_allclose(only_own.own, total)
    np.testing.assert_array_equal(only_own.earlier, 0.0)
    held_now = Summary(*(a[1:] for a in s))  # z(theta(t), u(t')) = z(t'): parameters did not
    only_earlier = split_drift(s, held_now)
    np.testing.assert_allclose(only_earlier.earlier, total)
    np.testing.assert_array_equal(only_earlier.own, 0.0)


@given(shift=st.floats(-5, 5), scale=st.floats(0.2, 5))
def test_split_drift_obeys_the_triangle_inequality_and_relative_divides_by_sigma(shift, scale):
    rng = np.random.default_rng(1)
    s = summaries([0.0, 1.0], [2.0, 1.5], rng)
    middle = summaries([shift], [scale], rng)  # any distribution in between
    d = split_drift(s, middle)
    assert np.all(d.total <= d.earlier + d.own + 1e-12)
    rel = split_drift(s, middle, relative=True)
    per_unit = w1_from_quantiles(middle.quantiles[0], s.quantiles[0]) / s.std[0]  # (1, 5)
    np.testing.assert_allclose(rel.earlier[0], per_unit.mean(axis=-1))


def test_shape_drift_ignores_shifts_and_rescalings_but_not_a_change_of_shape(rng):
    base = rng.standard_normal((2000, 5))
    skewed = rng.exponential(size=(2000, 5))
    s = Summary(*(a[:, None] for a in summarize(np.stack([base, 3.0 + 0.5 * base]))))
    np.testing.assert_allclose(standardized(s)[1], standardized(s)[0], atol=1e-12)
    held = Summary(*(a[:, None] for a in summarize((2.0 * base - 1.0)[None])))  # shifted, scaled
    moved = split_drift(s, held)
    assert np.all(moved.earlier > 0.5) and np.all(moved.total > 0.5)
    still = split_drift(s, held, shape=True)
    np.testing.assert_allclose([still.total, still.earlier, still.own], 0.0, atol=1e-12)
    other = Summary(*(a[:, None] for a in summarize(skewed[None])))  # a different shape
    d = split_drift(s, other, shape=True)
    assert np.all(d.earlier > 0.1) and np.all(d.own > 0.1)
    with pytest.raises(ValueError, match="give relative or shape, not both"):
        split_drift(s, other, relative=True, shape=True)


def test_split_drift_refuses_records_of_the_wrong_shape(rng):
    s = summaries([0.0, 1.0, 2.0], [1.0] * 3, rng)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "expected cross records (P - 1, L, C, Q) for a Summary (P, L, C, Q) "
            "(got (3, 1, 5, 20) for (3, 1, 5, 20))"
        ),
    ):
        split_drift(s, s)


def test_propagate_leaves_the_blas_thread_setting_as_it_was(net):
    from threadpoolctl import threadpool_info

    x, ws = net
    before = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]
    one = propagate(x, ws, "tanh", "he")
    assert [(i["internal_api"], i["num_threads"]) for i in threadpool_info()] == before
    np.testing.assert_array_equal(propagate(x, ws, "tanh", "he").std, one.std)  # deterministic
