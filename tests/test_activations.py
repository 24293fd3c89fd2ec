"""bnlib.activations: against torch, derivatives against numerical ones, numerics."""

import numpy as np
import pytest
import torch

from bnlib import activations as A
from bnlib.gradcheck import numerical_gradient, rel_error

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
