"""bnlib.nn.activations: against torch, derivatives against numerical ones, numerics,
and the linearity measures against Monte Carlo estimates."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.nn import activations as A

TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda t: t}


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
def test_activation_and_derivative_match_torch(name, rng):
    g, g_grad = A.get(name)
    x = 4 * rng.standard_normal(200)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = TORCH[name](xt)
    yt.sum().backward()
    np.testing.assert_allclose(g(x), yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g_grad(x), xt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_derivative_matches_numerical_gradient(name, rng):
    g, g_grad = A.get(name)
    x = 3 * rng.standard_normal(50)
    assert rel_error(g_grad(x), numerical_gradient(g, x)) <= 1e-8


def test_sigmoid_is_stable_and_keeps_float32():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = A.sigmoid(x)
    np.testing.assert_allclose(
        s, [0.0, np.exp(-50) / (1 + np.exp(-50)), 0.5, 1 / (1 + np.exp(-50)), 1.0]
    )
    assert A.sigmoid(np.float32([1.0])).dtype == np.float32
    assert A.sigmoid(2).dtype == np.float64  # integers computed in float64


def test_maximal_slopes():
    assert A.sigmoid_grad(0.0) == 0.25 and A.tanh_grad(0.0) == 1.0
    assert A.relu_grad(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 1.0]


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match=r"activation must be one of .* \(got 'gelu'\)"):
        A.get("gelu")


# ---- the linearity measures against Monte Carlo estimates --------------------------------

N_MC = 1_000_000
CASES = [(1.0, 0.0), (3.0, 1.0), (0.5, -2.0), (2.0, 4.0)]


def mc_sample(gamma, beta, seed=0):
    return np.random.default_rng(seed).normal(beta, gamma, N_MC)


@pytest.mark.parametrize(("gamma", "beta"), CASES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("delta", [0.01, 0.05])
def test_linear_fraction_matches_monte_carlo(gamma, beta, activation, delta):
    """10^6 samples: a fraction's Monte Carlo standard error is <= 0.5 / 1000; tolerance 3e-3 (6 SE)."""
    x = mc_sample(gamma, beta)
    inside = np.abs(A.get(activation)[0](x) - A.tangent_at_zero(x, activation)) < delta
    np.testing.assert_array_equal(A.in_linear_range(x, delta, activation), inside)
    mc = np.mean(inside)
    assert A.linear_fraction(gamma, beta, delta, activation) == pytest.approx(mc, abs=3e-3)


@pytest.mark.parametrize(("gamma", "beta"), CASES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_saturation_fraction_matches_monte_carlo(gamma, beta, activation):
    """Derivative below a tenth of its maximum, counted on 10^6 samples; tolerance 3e-3 (6 SE)."""
    x = mc_sample(gamma, beta, seed=1)
    g_grad = A.get(activation)[1]
    mc = np.mean(g_grad(x) < 0.1 * g_grad(0.0) if activation != "relu" else g_grad(x) < 0.1)
    assert A.saturation_fraction(gamma, beta, activation) == pytest.approx(mc, abs=3e-3)


@pytest.mark.parametrize(("gamma", "beta"), CASES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_nonlinearity_index_matches_monte_carlo(gamma, beta, activation):
    """1 - corr(x, g(x))^2 on 10^6 samples. Its Monte Carlo spread, measured over 20 seeds,
    is at most 6.4e-4 (ReLU, gamma 2, beta -1); tolerance 4e-3 (6 spreads)."""
    x = mc_sample(gamma, beta, seed=2)
    y = A.get(activation)[0](x)
    mc = 1 - np.corrcoef(x, y)[0, 1] ** 2 if y.std() > 0 else 0.0
    assert A.nonlinearity_index(gamma, beta, activation) == pytest.approx(mc, abs=4e-3)


def test_closed_forms():
    a = A.linear_range(0.02)
    assert abs(A.sigmoid(a) - 0.5 - a / 4) == pytest.approx(0.02, rel=1e-9)
    s = A.saturation_threshold("sigmoid")
    assert A.sigmoid_grad(s) == pytest.approx(0.025, rel=1e-12)  # a tenth of 1/4
    assert A.tanh_grad(A.saturation_threshold("tanh")) == pytest.approx(0.1, rel=1e-12)
    relu = 1 - 0.25 / (0.5 - 1 / (2 * np.pi))  # corr(Z, ReLU(Z))^2 = (1/2)^2 / Var ReLU(Z)
    # quadrature across ReLU's kink: error of order h^2 (h = 0.004), hence 1e-5
    np.testing.assert_allclose(A.nonlinearity_index([0.5, 1.0, 7.0], 0.0, "relu"), relu, rtol=1e-5)
    assert A.active_fraction(2.0, -0.5) == pytest.approx(
        0.5 * math.erfc(0.25 / math.sqrt(2)), rel=1e-12
    )


def test_tanh_is_a_rescaled_sigmoid():
    """tanh(x) = 2 sigmoid(2x) - 1: tanh at gamma is the sigmoid at 2 gamma."""
    np.testing.assert_allclose(
        A.nonlinearity_index(1.0, [0.0, 0.5], "tanh"),
        A.nonlinearity_index(2.0, [0.0, 1.0]),
        rtol=1e-9,
    )


@given(
    gamma=st.floats(0.05, 20),
    beta=st.floats(-10, 10),
    delta=st.floats(1e-4, 0.5),
    activation=st.sampled_from(["sigmoid", "tanh"]),
)
def test_fractions_are_probabilities_and_symmetric_in_beta(gamma, beta, delta, activation):
    lin = A.linear_fraction(gamma, beta, delta, activation)
    sat = A.saturation_fraction(gamma, beta, activation)
    assert 0 <= lin <= 1 and 0 <= sat <= 1
    assert A.linear_fraction(gamma, -beta, delta, activation) == pytest.approx(lin, abs=1e-12)
    assert A.saturation_fraction(gamma, -beta, activation) == pytest.approx(sat, abs=1e-12)
    if A.linear_range(delta, activation) < A.saturation_threshold(activation):
        assert lin + sat <= 1 + 1e-12  # disjoint ranges


@given(delta=st.floats(1e-4, 0.3), gamma=st.floats(0.1, 10))
def test_wider_inputs_are_less_linear(delta, gamma):
    """For beta = 0: more spread (gamma) means less mass in the linear range, more saturation."""
    assert A.linear_fraction(gamma * 1.5, 0.0, delta) <= A.linear_fraction(gamma, 0.0, delta)
    assert A.saturation_fraction(gamma * 1.5, 0.0) >= A.saturation_fraction(gamma, 0.0)
    assert A.linear_range(delta * 2) > A.linear_range(delta)


def test_vectorised_over_gamma_beta_delta():
    got = A.linear_fraction(np.array([[1.0], [2.0]]), np.array([0.0, 1.0, 2.0]), 0.02)
    assert got.shape == (2, 3)
    assert got[0, 0] == pytest.approx(A.linear_fraction(1.0, 0.0, 0.02))
    assert A.nonlinearity_index(np.ones(4), np.linspace(-1, 1, 4)).shape == (4,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: A.linear_fraction(0.0, 0.0, 0.02), r"gamma must be finite and > 0 \(got 0.0\)"),
        (lambda: A.linear_fraction(1.0, 0.0, -0.1), r"delta must be finite and > 0 \(got -0.1\)"),
        (
            lambda: A.linear_range(0.02, "relu"),
            r"activation must be 'sigmoid' or 'tanh' here \(got 'relu'\); ReLU has no tangent",
        ),
        (lambda: A.nonlinearity_index([1.0, np.nan], 0.0), r"gamma must be finite and > 0"),
        (lambda: A.saturation_fraction(1.0, 0.0, "gelu"), r"got 'gelu'"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
