"""bnlib.functional against torch.nn.functional.batch_norm + autograd, a numerical
gradient, properties of Algorithm 1, numerics and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnlib import functional as F
from bnlib.gradcheck import numerical_gradient, rel_error
from tests.torch_ref import torch_bn

SHAPES = [(8, 3), (6, 4, 5), (4, 3, 5, 6)]
RTOL = {np.float32: 1e-5, np.float64: 1e-10}


def assert_rel(got, want, rtol):
    """max |got - want| <= rtol * max |want|: relative to the array's scale."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    err = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30)
    assert err <= rtol, f"relative error {err:.3g} > {rtol:g}"


def make(shape, dtype, rng, offset=0.0, scale=1.0):
    c = shape[1]
    x = (offset + scale * rng.standard_normal(shape)).astype(dtype)
    gamma = rng.uniform(0.5, 2.0, c).astype(dtype)
    beta = rng.standard_normal(c).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    return x, gamma, beta, dy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [*SHAPES, (256, 1024), (16, 8, 16, 16)])
def test_train_forward_and_backward_match_torch(shape, dtype, rng):
    x, gamma, beta, dy = make(shape, dtype, rng, offset=3.0, scale=2.0)
    y, cache = F.batch_norm_train(x, gamma, beta)
    dx, dgamma, dbeta = F.batch_norm_backward(dy, cache)
    y_t, dx_t, dgamma_t, dbeta_t = torch_bn(x, gamma, beta, dy)
    for got, want in [(y, y_t), (dx, dx_t), (dgamma, dgamma_t), (dbeta, dbeta_t)]:
        assert got.dtype == dtype
        assert_rel(got, want, RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_eval_forward_and_backward_match_torch(shape, dtype, rng):
    x, gamma, beta, dy = make(shape, dtype, rng)
    mean = rng.standard_normal(shape[1]).astype(dtype)
    var = rng.uniform(0.5, 2.0, shape[1]).astype(dtype)
    y = F.batch_norm_eval(x, gamma, beta, mean, var)
    grads = F.batch_norm_eval_backward(dy, x, gamma, mean, var)
    want = torch_bn(x, gamma, beta, dy, training=False, mean=mean, var=var)
    for got, ref in zip((y, *grads), want, strict=True):
        assert got.dtype == dtype
        assert_rel(got, ref, RTOL[dtype])


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_numerical_gradient(shape, rng):
    x, gamma, beta, dy = make(shape, np.float64, rng)
    _, cache = F.batch_norm_train(x, gamma, beta)
    dx, dgamma, dbeta = F.batch_norm_backward(dy, cache)
    assert (
        rel_error(dx, numerical_gradient(lambda v: F.batch_norm_train(v, gamma, beta)[0], x, dy))
        <= 1e-7
    )
    assert (
        rel_error(
            dgamma, numerical_gradient(lambda g: F.batch_norm_train(x, g, beta)[0], gamma, dy)
        )
        <= 1e-7
    )
    assert (
        rel_error(dbeta, numerical_gradient(lambda b: F.batch_norm_train(x, gamma, b)[0], beta, dy))
        <= 1e-7
    )


def test_algorithm_1_step_by_step_equals_batch_norm_train(rng):
    x, gamma, beta, _ = make((5, 3, 4, 4), np.float64, rng)
    mu = F.batch_mean(x)
    var = F.batch_var(x, mu)
    y_steps = F.scale_and_shift(F.normalize(x, mu, var), gamma, beta)
    y, cache = F.batch_norm_train(x, gamma, beta)
    np.testing.assert_allclose(y_steps, y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cache.x_hat, F.normalize(x, mu, var), atol=1e-12)
    np.testing.assert_allclose(mu, x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(var, x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_statistics_are_per_channel_over_batch_and_space(rng):
    x = rng.standard_normal((3, 2, 4, 5))
    x[:, 1] += 10.0  # channel 1 only
    np.testing.assert_allclose(F.batch_mean(x), x.transpose(1, 0, 2, 3).reshape(2, -1).mean(1))
    assert F.batch_mean(x)[1] > 9 > F.batch_mean(x)[0]


@pytest.mark.parametrize("shape", [(256, 1024), (64, 16, 16, 16)])
def test_float32_with_large_offset_normalises(shape, rng):
    """mean 1e4, std 1 in float32: E[x^2] - E[x]^2 would lose every digit here."""
    x = (1e4 + rng.standard_normal(shape)).astype(np.float32)
    y, _ = F.batch_norm_train(x, None, None)
    axes = (0, *range(2, x.ndim))
    x64 = x.astype(np.float64)
    want = (x64 - x64.mean(axes, keepdims=True)) / np.sqrt(x64.var(axes, keepdims=True) + 1e-5)
    assert y.dtype == np.float32
    assert_rel(y, want, 1e-5)
    assert np.all(np.abs(y.mean(axis=axes)) < 1e-5)
    np.testing.assert_allclose(y.astype(np.float64).std(axis=axes), 1.0, rtol=1e-4)


def _large_offset_errors(train, shape, rng):
    """Relative errors of y, dx, dgamma, dbeta of float32 BN on mean-1e4 data, against the
    same formulas in float64 on the same (float32-rounded) data."""
    x, gamma, beta, dy = make(shape, np.float32, rng, offset=1e4)
    y, cache = train(x, gamma, beta)
    got = (y, *F.batch_norm_backward(dy, cache))
    want = F.batch_norm_train(*(v.astype(np.float64) for v in (x, gamma, beta)))
    want = (want[0], *F.batch_norm_backward(dy.astype(np.float64), want[1]))
    errs = [np.max(np.abs(g - w)) / np.max(np.abs(w)) for g, w in zip(got, want, strict=True)]
    return dict(zip(("y", "dx", "dgamma", "dbeta"), errs, strict=True))


def _without_second_centring(x, gamma, beta, eps=1e-5):
    """A mutant of batch_norm_train: x - mu_B with mu_B rounded to float32, not corrected."""
    mu = F.batch_mean(x)
    x_c = x - F._c(mu, x.ndim)
    var = F._mean(x_c**2)
    inv_std = (1 / np.sqrt(var + eps)).astype(x.dtype)
    x_hat = x_c * F._c(inv_std, x.ndim)
    y = F._c(gamma, x.ndim) * x_hat + F._c(beta, x.ndim)
    return y, F.BNCache(x_hat, gamma, mu, var, inv_std)


@pytest.mark.parametrize("shape", [(256, 64), (32, 8, 8, 8)])
def test_float32_with_large_offset_forward_and_backward(shape):
    """Mean 1e4, std 1, float32 (the rounding of mu_B is up to 5e-4 there): y, dx, dgamma and
    dbeta agree with float64 to 1e-6 of their scale (1e-7 measured). Without the second centring in
    batch_norm_train the same check fails: the test can tell."""
    errs = _large_offset_errors(F.batch_norm_train, shape, np.random.default_rng(0))
    assert max(errs.values()) < 1e-6, errs
    mutant = _large_offset_errors(
        _without_second_centring, shape, np.random.default_rng(0)
    )  # same data
    assert mutant["y"] > 1e-5 and mutant["dgamma"] > 1e-5, mutant


finite = st.floats(-100, 100, allow_nan=False, width=64)


@given(
    x=arrays(np.float64, st.tuples(st.integers(4, 12), st.integers(1, 4)), elements=finite),
    gamma=st.floats(0.1, 5),
    beta=st.floats(-5, 5),
)
def test_output_mean_is_beta_and_std_is_gamma(x, gamma, beta):
    spread = x.std(axis=0)
    x = x[:, spread > 1e-3]  # a constant feature has no std to normalise to
    if x.shape[1] == 0:
        return
    c = x.shape[1]
    y, _ = F.batch_norm_train(x, np.full(c, gamma), np.full(c, beta), eps=0.0)
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-9)
    np.testing.assert_allclose(y.std(axis=0), gamma, rtol=1e-9)


@given(
    x=arrays(np.float64, (10, 3, 4), elements=finite),
    a=arrays(np.float64, 3, elements=st.floats(0.01, 100)),
    b=arrays(np.float64, 3, elements=finite),
)
def test_invariant_to_positive_scale_and_shift_per_feature(x, a, b):
    """BN(a x + b) = BN(x) for a > 0 per feature (eps=0, non-constant features)."""
    if np.any(x.std(axis=(0, 2)) < 1e-2):
        return
    g, z = np.ones(3), np.zeros(3)
    y1, _ = F.batch_norm_train(x, g, z, eps=0.0)
    y2, _ = F.batch_norm_train(a[None, :, None] * x + b[None, :, None], g, z, eps=0.0)
    np.testing.assert_allclose(y1, y2, atol=1e-7)


def test_gradient_sums_to_zero_and_is_orthogonal_to_x_hat(rng):
    """Exactly with eps = 0; with eps > 0 mean(x_hat^2) = var / (var + eps) < 1."""
    x, gamma, beta, dy = make((16, 5), np.float64, rng)
    _, cache = F.batch_norm_train(x, gamma, beta, eps=0.0)
    dx, _, _ = F.batch_norm_backward(dy, cache)
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose((dx * cache.x_hat).sum(axis=0), 0, atol=1e-12)
    _, cache = F.batch_norm_train(x, gamma, beta, eps=1e-2)
    dx, _, _ = F.batch_norm_backward(dy, cache)
    assert np.max(np.abs((dx * cache.x_hat).sum(axis=0))) > 1e-6


def test_functions_do_not_modify_their_inputs(rng):
    x, gamma, beta, dy = make((6, 3), np.float64, rng)
    before = [a.copy() for a in (x, gamma, beta, dy)]
    _, cache = F.batch_norm_train(x, gamma, beta)
    F.batch_norm_backward(dy, cache)
    F.batch_norm_backward(dy, cache)  # twice: the cache is not consumed
    for a, b in zip((x, gamma, beta, dy), before, strict=True):
        np.testing.assert_array_equal(a, b)


# ---- bad input: a clear error that says what was expected and what was got ----


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.batch_norm_train(np.zeros(5), None, None),
            ValueError,
            r"expected 2D, 3D or 4D input \(got 1D input\)",
        ),
        (
            lambda: F.batch_norm_train(np.zeros((2, 3, 4, 5, 6)), None, None),
            ValueError,
            r"\(got 5D input\)",
        ),
        (
            lambda: F.batch_norm_train(np.ones((1, 4)), None, None),
            ValueError,
            r"Expected more than 1 value per channel when training",
        ),
        (
            lambda: F.batch_norm_train(np.ones((4, 3)), np.ones(4), None),
            ValueError,
            r"gamma must have one entry per channel \(feature\), shape \(3,\) \(got shape \(4,\)\)",
        ),
        (
            lambda: F.batch_norm_train(np.ones((4, 3)), None, np.ones((3, 1))),
            ValueError,
            r"beta must have one entry per channel",
        ),
        (
            lambda: F.batch_norm_train(np.ones((4, 3), dtype=int), None, None),
            TypeError,
            r"floating-point array.*got dtype int",
        ),
        (
            lambda: F.batch_norm_train(np.ones((4, 3)), None, None, eps=-1),
            ValueError,
            r"eps must be a finite number >= 0 \(got -1\)",
        ),
        (
            lambda: F.normalize(np.ones((4, 3)), np.zeros(3), np.ones(2)),
            ValueError,
            r"var must have one entry per channel",
        ),
        (
            lambda: F.batch_norm_eval(
                np.ones((4, 3)), None, None, np.zeros(3), np.ones(3), eps=float("nan")
            ),
            ValueError,
            r"eps must be a finite number",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_wrong_dy_shape_is_refused(rng):
    _, cache = F.batch_norm_train(rng.standard_normal((4, 3)), None, None)
    with pytest.raises(
        ValueError,
        match=r"dy must have the shape of the forward output y, \(4, 3\) \(got \(3, 4\)\)",
    ):
        F.batch_norm_backward(np.ones((3, 4)), cache)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_an_error_not_a_nan_output(bad, rng):
    """Training would spread one NaN to every example of its channel: refuse it."""
    x = rng.standard_normal((8, 3))
    x[2, 1] = bad
    with pytest.raises(ValueError, match=r"non-finite .* in channel\(s\) \[1\]"):
        F.batch_norm_train(x, None, None)
    with pytest.raises(ValueError, match=r"1 NaN or inf value\(s\); expected finite input"):
        F.batch_norm_eval(x, None, None, np.zeros(3), np.ones(3))
    _, cache = F.batch_norm_train(rng.standard_normal((8, 3)), None, None)
    with pytest.raises(ValueError, match=r"expected finite dy"):
        F.batch_norm_backward(x, cache)


def test_values_too_large_for_float32_are_an_error(rng):
    x = np.full((4, 2), 1e30, np.float32)
    x[0] = -1e30
    with pytest.raises(ValueError, match=r"too large for float32"):
        F.batch_norm_train(x, None, None)


def test_constant_channel_with_eps_zero_is_an_error_not_nan():
    """eps exists for this case: var = 0 and eps = 0 would divide by zero."""
    x = np.ones((4, 2))
    x[:, 1] = [1.0, 2.0, 3.0, 4.0]
    y, _ = F.batch_norm_train(x, None, None)  # eps = 1e-5: the constant channel gives 0
    np.testing.assert_array_equal(y[:, 0], 0.0)
    for call in (
        lambda: F.batch_norm_train(x, None, None, eps=0.0),
        lambda: F.normalize(x, F.batch_mean(x), F.batch_var(x), eps=0.0),
        lambda: F.batch_norm_eval(x, None, None, np.zeros(2), np.array([0.0, 1.0]), eps=0.0),
        lambda: F.batch_norm_eval(x, None, None, np.zeros(2), np.array([-1.0, 1.0])),
    ):
        with pytest.raises(
            ValueError, match=r"expected var \+ eps > 0 in every channel .* channel\(s\) \[0\]"
        ):
            call()
