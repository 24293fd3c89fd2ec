"""bnlib.experiments.tracking: running averages over many steps against torch, and the lag/noise maths
against simulation."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnlib import functional as F
from bnlib.experiments import tracking as T
from bnlib.inference import ema_update


@given(
    stats=arrays(np.float64, (20, 3), elements=st.floats(-100, 100)),
    momentum=st.floats(0.0, 1.0),
)
def test_ema_trace_is_ema_update_step_by_step(stats, momentum):
    trace = T.ema_trace(stats, momentum, start=np.zeros(3))
    running = np.zeros(3)
    for t, s in enumerate(stats):
        running = ema_update(running, s, momentum)
        np.testing.assert_allclose(trace[t], running, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.01, 0.5, None])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (2, 3, 4, 4)])
def test_running_stats_trace_equals_torch_over_300_steps(momentum, shape, rng):
    """Every step of a drifting input: running_mean and running_var as torch keeps them."""
    bn = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(3, momentum=momentum)
    bn = bn.double()
    xs = [rng.normal(t / 50, 1 + t / 100, size=shape) for t in range(300)]
    torch_means, torch_vars = [], []
    for x in xs:
        bn(torch.from_numpy(x))
        torch_means.append(bn.running_mean.numpy().copy())
        torch_vars.append(bn.running_var.numpy().copy())
    m = int(np.prod(shape)) // 3  # values per channel: m' = N*L or N*H*W
    means, variances = T.running_stats_trace(
        [F.batch_mean(x) for x in xs], [F.batch_var(x) for x in xs], m, momentum
    )
    np.testing.assert_allclose(means, torch_means, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(variances, torch_vars, rtol=1e-11)


@given(momentum=st.floats(1e-4, 0.999), fraction=st.floats(1e-6, 0.999))
def test_steps_to_forget_is_the_first_step_below_the_fraction(momentum, fraction):
    n = T.steps_to_forget(momentum, fraction)
    assert n >= 1
    assert T.start_weight(momentum, n) <= fraction
    assert n == 1 or T.start_weight(momentum, n - 1) > fraction


def test_steps_to_forget_known_values():
    # PyTorch's default 0.1: 0.9^44 = 0.0097 <= 1% < 0.9^43 = 0.0108
    assert T.steps_to_forget(0.1) == 44
    assert T.steps_to_forget(0.01) == 459
    assert T.steps_to_forget(1.0) == 1


def test_ema_error_matches_monte_carlo():
    """4,000 simulated training runs: mean final error = bias, its spread = noise."""
    true, _ = T.drifting_moments(400)
    noise_var = np.full(400, 0.25)
    rng = np.random.default_rng(3)
    for a in (0.003, 0.03, 0.3):
        bias, noise = T.ema_error(true, noise_var, [a], start=0.0)
        stats = true + 0.5 * rng.standard_normal((4000, 400))
        final = T.ema_trace(stats.T, a, start=np.zeros(4000))[-1] - true[-1]
        assert final.mean() == pytest.approx(bias[0], abs=4 * noise[0] / np.sqrt(4000))
        assert final.std() == pytest.approx(noise[0], rel=0.05)


def test_lag_under_a_steady_drift_is_slope_times_one_minus_a_over_a():
    """For true_t = s t the EMA lags by (1 - a)/a steps once the start is forgotten."""
    slope, steps = 0.01, 5000
    true = slope * np.arange(1, steps + 1)
    for a in (0.01, 0.1, 0.5):
        bias, _ = T.ema_error(true, np.zeros(steps), [a], start=0.0)
        assert bias[0] == pytest.approx(-slope * (1 - a) / a, rel=1e-9)


def test_noise_in_the_steady_state_is_sigma_sqrt_a_over_2_minus_a():
    steps = 5000
    for a in (0.01, 0.1, 0.9):
        _, noise = T.ema_error(np.zeros(steps), np.full(steps, 4.0), [a], start=0.0)
        assert noise[0] == pytest.approx(2.0 * np.sqrt(a / (2 - a)), rel=1e-9)


def test_best_momentum_minimises_the_steady_state_rms():
    """Steady drift s per step, noise variance v: RMS^2 = (s (1-a)/a)^2 + v a/(2-a)."""
    from scipy.optimize import minimize_scalar

    slope, v, steps = 0.002, 4.0 / 32, 20_000
    true = slope * np.arange(1, steps + 1)
    grid = np.geomspace(1e-3, 1.0, 301)
    best = T.best_momentum(true, np.full(steps, v), grid, start=0.0)

    def rms2(a):
        return (slope * (1 - a) / a) ** 2 + v * a / (2 - a)

    exact = minimize_scalar(rms2, bounds=(1e-3, 1.0), method="bounded", options={"xatol": 1e-9}).x
    assert best == pytest.approx(exact, rel=grid[1] / grid[0] - 1)  # within one grid step


def test_best_momentum_grows_as_the_noise_shrinks():
    true, var = T.drifting_moments(600)
    grid = np.geomspace(1e-3, 1.0, 61)
    best = [T.best_momentum(true, var / m, grid, start=0.0) for m in (4, 32, 256)]
    assert best[0] < best[1] < best[2]
    assert best[0] in grid


def test_simulated_batch_stats_have_the_right_distribution():
    mean, var = np.full(20_000, 3.0), np.full(20_000, 4.0)
    for m in (2, 8):
        mu, v = T.simulated_batch_stats(mean, var, m, seed=m)
        assert mu.mean() == pytest.approx(3.0, abs=0.05)
        assert mu.var() == pytest.approx(4.0 / m, rel=0.05)  # Var[mu_B] = sigma^2 / m
        assert v.mean() == pytest.approx(4.0 * (m - 1) / m, rel=0.05)  # E[sigma^2_B]


def test_simulated_batches_share_their_first_examples_across_m():
    mean, var = T.drifting_moments(50)
    mu2, var2 = T.simulated_batch_stats(mean, var, 2, seed=1)
    mu4, _ = T.simulated_batch_stats(mean, var, 4, seed=1)
    # the first two of the four draws are the batch of two: mean4 = (2 mean2 + rest) / 4
    x = mean + np.sqrt(var) * np.random.default_rng(1).standard_normal((4, 50))
    np.testing.assert_allclose(mu2, x[:2].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(mu4, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(var2, x[:2].var(axis=0), rtol=1e-12)


def test_drifting_moments_move_fast_then_slowly():
    mean, var = T.drifting_moments(600)
    assert mean.shape == var.shape == (600,) and (var > 0).all()
    assert mean[99] - mean[0] > 4 * (mean[599] - mean[499])  # early change dominates
    assert (np.diff(mean) > 0).all() and mean[-1] - mean[-101] > 0.1  # still drifting


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: T.ema_trace(np.zeros(3), 2.0, 0.0), r"momentum must be in \[0, 1\] \(got 2.0\)"),
        (lambda: T.ema_trace(np.zeros(3), None, 0.0), r"momentum must be in \[0, 1\] \(got None\)"),
        (lambda: T.steps_to_forget(0.0), r"never forgotten \(got momentum=0\)"),
        (lambda: T.steps_to_forget(0.1, 1.5), r"fraction must be in \(0, 1\) \(got 1.5\)"),
        (lambda: T.start_weight(-1, 3), r"momentum must be in \[0, 1\] \(got -1\)"),
        (lambda: T.ema_error(np.zeros(3), np.ones(3), [0.1, 7], 0.0), r"\(got 7.0\)"),
        (lambda: T.simulated_batch_stats(np.zeros(3), np.ones(3), 1), r"m must be an integer >= 2"),
        (
            lambda: T.best_momentum(np.zeros(3), np.ones(3), [], 0.0),
            r"at least one value \(got none\)",
        ),
        (
            lambda: T.running_stats_trace(np.zeros((3, 2)), np.ones((3, 4)), 4),
            r"batch_vars must have the shape of batch_means, \(3, 2\) \(got \(3, 4\)\)",
        ),
        (lambda: T.running_stats_trace(np.zeros((3, 2)), np.ones((3, 2)), 1), r"needs m >= 2"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_integer_statistics_are_refused_with_a_type_error():
    with pytest.raises(TypeError, match=r"batch_stats must be a floating-point array"):
        T.ema_trace(np.arange(3), 0.1, 0.0)
