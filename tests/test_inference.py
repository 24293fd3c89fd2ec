"""bnlib.inference: running averages (PyTorch's convention), Algorithm 2's
population statistics, and folding BN into the layer before it."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnlib import functional as F
from bnlib import inference as I


def test_ema_update_weights_the_new_batch_by_momentum():
    new = I.ema_update(np.array([1.0, 2.0]), np.array([3.0, 6.0]), momentum=0.1)
    np.testing.assert_allclose(new, [0.9 * 1 + 0.1 * 3, 0.9 * 2 + 0.1 * 6])


def test_ema_update_does_not_mutate():
    running = np.array([1.0, 2.0])
    I.ema_update(running, np.zeros(2), 0.5)
    np.testing.assert_array_equal(running, [1.0, 2.0])


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_update_running_stats_matches_torch_over_steps(momentum, rng):
    bn = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    mean, var = np.zeros(3), np.ones(3)
    for n in range(1, 8):
        x = rng.normal(n, 1 + n, size=(5, 3))
        bn(torch.from_numpy(x))
        mean, var = I.update_running_stats(
            mean, var, F.batch_mean(x), F.batch_var(x), 5, momentum, n
        )
        np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-12)


def test_cumulative_average_is_the_plain_mean_of_batch_statistics(rng):
    stats = rng.standard_normal((6, 4))
    running = np.zeros(4)
    for n, s in enumerate(stats, start=1):
        running = I.cumulative_update(running, s, n)
    np.testing.assert_allclose(running, stats.mean(axis=0), rtol=1e-12)


def test_population_stats_is_algorithm_2(rng):
    m = 8
    batches = rng.normal(2.0, 3.0, size=(20, m, 4))
    means = np.array([F.batch_mean(b) for b in batches])
    variances = np.array([F.batch_var(b) for b in batches])
    mean, var = I.population_stats(means, variances, m)
    np.testing.assert_allclose(mean, batches.reshape(-1, 4).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(var, m / (m - 1) * variances.mean(axis=0), rtol=1e-12)


def test_m_over_m_minus_1_makes_the_variance_estimate_unbiased():
    """Monte Carlo, 20,000 batches of m = 4 from N(0, 2^2): the corrected average
    is within 2% of 4; the uncorrected one is 3/4 of it."""
    rng = np.random.default_rng(1)
    m, true_var = 4, 4.0
    batches = rng.normal(0, 2, size=(20_000, m, 1))
    variances = np.array([F.batch_var(b) for b in batches])
    means = np.zeros_like(variances)
    _, var = I.population_stats(means, variances, m)
    assert abs(var[0] - true_var) / true_var < 0.02
    assert abs(variances.mean() - true_var * (m - 1) / m) / true_var < 0.02


@given(
    w=arrays(np.float64, (4, 3), elements=st.floats(-3, 3)),
    b=arrays(np.float64, 4, elements=st.floats(-3, 3)),
    gamma=arrays(np.float64, 4, elements=st.floats(0.1, 3)),
    beta=arrays(np.float64, 4, elements=st.floats(-3, 3)),
    mean=arrays(np.float64, 4, elements=st.floats(-3, 3)),
    var=arrays(np.float64, 4, elements=st.floats(0.01, 10)),
)
def test_fold_into_linear_equals_linear_then_bn_in_eval(w, b, gamma, beta, mean, var):
    u = np.random.default_rng(0).standard_normal((7, 3))
    y = F.batch_norm_eval(u @ w.T + b, gamma, beta, mean, var)
    w2, b2 = I.fold_into_linear(w, b, gamma, beta, mean, var)
    np.testing.assert_allclose(u @ w2.T + b2, y, atol=1e-9)


def test_fold_into_linear_matches_torch_fusion(rng):
    lin, bn = torch.nn.Linear(3, 4).double(), torch.nn.BatchNorm1d(4).double()
    bn.running_mean.copy_(torch.from_numpy(rng.standard_normal(4)))
    bn.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2, 4)))
    bn.weight.data.copy_(torch.from_numpy(rng.uniform(0.5, 2, 4)))
    fused = torch.nn.utils.fusion.fuse_linear_bn_eval(lin.eval(), bn.eval())
    w, b = I.fold_into_linear(
        *(
            t.detach().numpy()
            for t in (lin.weight, lin.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var)
        )
    )
    np.testing.assert_allclose(w, fused.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b, fused.bias.detach().numpy(), rtol=1e-12)


def test_fold_into_conv_weight_and_no_bias(rng):
    w = rng.standard_normal((2, 3, 3, 3))
    w2, b2 = I.fold_into_linear(
        w, None, np.array([2.0, 1.0]), np.zeros(2), np.array([1.0, 0]), np.full(2, 1 - 1e-5)
    )
    np.testing.assert_allclose(w2, w * np.array([2.0, 1.0])[:, None, None, None])
    np.testing.assert_allclose(b2, [-2.0, 0.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: I.ema_update(np.zeros(2), np.zeros(2), 1.5),
            r"momentum must be in \[0, 1\] \(got 1.5\)",
        ),
        (
            lambda: I.ema_update(np.zeros(2), np.zeros(2), None),
            r"momentum must be in \[0, 1\] \(got None\)",
        ),
        (
            lambda: I.update_running_stats(
                np.zeros(2), np.ones(2), np.zeros(2), np.ones(2), 4, -0.1, 1
            ),
            r"in \[0, 1\] or None \(got -0.1\)",
        ),
        (lambda: I.cumulative_update(np.zeros(2), np.zeros(2), 0), r"n must be an integer >= 1"),
        (lambda: I.unbiased_var(np.ones(2), 1), r"needs m >= 2 .* \(got m=1\)"),
        (
            lambda: I.population_stats(np.zeros((3, 2)), np.zeros((3, 4)), 5),
            r"shape \(batches, C\) \(got \(3, 2\) and \(3, 4\)\)",
        ),
        (
            lambda: I.fold_into_linear(
                np.ones(3), None, np.ones(3), np.ones(3), np.ones(3), np.ones(3)
            ),
            r"weight must be \(C_out, C_in, ...\)",
        ),
        (
            lambda: I.fold_into_linear(
                np.ones((3, 2)), None, np.ones(2), np.ones(3), np.ones(3), np.ones(3)
            ),
            r"gamma must have one entry per channel \(feature\), shape \(3,\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- conventions: PyTorch's momentum and the "decay" of Keras/TF, Flax, CS231n ---


def test_pytorch_momentum_0_1_is_decay_0_9():
    assert I.momentum_to_decay(0.1) == pytest.approx(0.9, abs=1e-15)
    assert I.decay_to_momentum(0.99) == pytest.approx(0.01, abs=1e-15)  # Keras' and Flax's default


@given(st.floats(0.0, 1.0))
def test_converters_round_trip(a):
    assert I.decay_to_momentum(I.momentum_to_decay(a)) == pytest.approx(a, abs=1e-15)
    assert I.momentum_to_decay(I.decay_to_momentum(a)) == pytest.approx(a, abs=1e-15)


@given(
    decay=st.floats(0.0, 1.0),
    old=arrays(np.float64, 3, elements=st.floats(-10, 10)),
    batch=arrays(np.float64, 3, elements=st.floats(-10, 10)),
)
def test_decay_convention_is_the_same_average(decay, old, batch):
    keras_flax_cs231n = decay * old + (1 - decay) * batch
    np.testing.assert_allclose(
        I.ema_update(old, batch, I.decay_to_momentum(decay)), keras_flax_cs231n, atol=1e-12
    )


def test_ema_update_equals_torch_running_mean_over_many_steps(rng):
    """300 steps of a drifting input: bnlib's EMA of batch means is torch's running_mean."""
    bn = torch.nn.BatchNorm1d(2, momentum=0.05).double()
    running = np.zeros(2)
    for step in range(300):
        x = rng.normal(step / 100, 1 + step / 300, size=(16, 2))
        bn(torch.from_numpy(x))
        running = I.ema_update(running, F.batch_mean(x), momentum=0.05)
    np.testing.assert_allclose(running, bn.running_mean.numpy(), rtol=1e-12)


# --- the seed's §3.3 reading: averaging batch standard deviations ---


def test_batch_std_ratio_exact_values():
    assert I.batch_std_ratio(2) == pytest.approx(1 / np.sqrt(np.pi), rel=1e-12)
    # m = 4: sqrt(1/2) Gamma(2) / Gamma(3/2) = sqrt(1/2) * 2 / sqrt(pi)
    assert I.batch_std_ratio(4) == pytest.approx(np.sqrt(0.5) * 2 / np.sqrt(np.pi), rel=1e-12)
    assert I.batch_std_ratio(10**6) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("m", [2, 4, 8, 32])
def test_batch_std_ratio_is_what_averaging_batch_stds_gives(m):
    """Monte Carlo, 40,000 batches: mean of sigma_B / sigma within 1% of the formula,
    while Algorithm 2's variance average is unbiased."""
    x = np.random.default_rng(m).normal(0.0, 3.0, size=(m, 40_000))
    variances = F.batch_var(x)  # each column is one batch of m values
    assert np.sqrt(variances).mean() / 3.0 == pytest.approx(I.batch_std_ratio(m), rel=0.01)
    _, var = I.population_stats(np.zeros((len(variances), 1)), variances[:, None], m)
    assert var[0] == pytest.approx(9.0, rel=0.02)


def test_batch_std_ratio_grows_to_one():
    ratios = [I.batch_std_ratio(m) for m in (2, 3, 4, 8, 16, 64, 256, 4096)]
    assert all(a < b < 1 for a, b in itertools.pairwise(ratios))
    # still below 1 after the sqrt(m/(m-1)) correction: no fix for averaging stds
    assert all(I.batch_std_ratio(m) * np.sqrt(m / (m - 1)) < 1 for m in (2, 4, 32, 256))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: I.decay_to_momentum(1.5), r"decay must be in \[0, 1\] \(got 1.5\)"),
        (lambda: I.momentum_to_decay(-0.1), r"momentum must be in \[0, 1\] \(got -0.1\)"),
        (lambda: I.momentum_to_decay("0.1"), r"momentum must be in \[0, 1\] \(got '0.1'\)"),
        (lambda: I.momentum_to_decay(True), r"momentum must be in \[0, 1\] \(got True\)"),
        (lambda: I.decay_to_momentum(float("nan")), r"decay must be in \[0, 1\] \(got nan\)"),
        (lambda: I.batch_std_ratio(1), r"m must be an integer >= 2, the batch size \(got 1\)"),
        (lambda: I.batch_std_ratio(4.0), r"m must be an integer >= 2, the batch size \(got 4.0\)"),
    ],
)
def test_conventions_refuse_bad_input_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
