"""bnlib.nn.losses: the formulas, their gradients, numerics and bad input."""

import numpy as np
import pytest

from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.nn.losses import bce_with_logits, cross_entropy, mse


def test_losses_match_their_formulas(rng):
    z, y = rng.standard_normal((6, 1)), (rng.random(6) > 0.5).astype(float)
    loss, dz = bce_with_logits(z, y)
    p = 1 / (1 + np.exp(-z[:, 0]))
    assert loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-12)
    np.testing.assert_allclose(dz[:, 0], (p - y) / 6, rtol=1e-12)
    pred, t = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    loss, dpred = mse(pred, t)
    assert loss == pytest.approx(0.5 * np.sum((pred - t) ** 2) / 5)
    np.testing.assert_allclose(dpred, (pred - t) / 5)


def test_bce_is_stable_for_large_logits():
    loss, dz = bce_with_logits(np.array([[800.0], [-800.0]]), np.array([0.0, 1.0]))
    assert loss == pytest.approx(800.0) and np.all(np.isfinite(dz))


@pytest.mark.parametrize("loss_fn", [mse, bce_with_logits])
def test_gradient_matches_numerical_gradient(loss_fn, rng):
    pred, t = rng.standard_normal((7, 1)), (rng.random((7, 1)) > 0.5).astype(float)
    grad = loss_fn(pred, t)[1]
    assert rel_error(grad, numerical_gradient(lambda p: loss_fn(p, t)[0], pred)) <= 1e-8


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mse(np.zeros((4, 2)), np.zeros((4, 3))),
            r"mse: expected pred \(N, K\) and target of the same shape \(got \(4, 2\) and \(4, 3\)\)",
        ),
        (lambda: bce_with_logits(np.zeros((4, 1)), np.zeros(5)), r"got \(4, 1\) and \(5, 1\)"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_cross_entropy_matches_torch(rng):
    import torch

    z, y = 3 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    zt = torch.from_numpy(z.copy()).requires_grad_(True)
    lt = torch.nn.functional.cross_entropy(zt, torch.from_numpy(y))
    lt.backward()
    loss, dz = cross_entropy(z, y)
    assert loss == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_gradient_and_stability(rng):
    z, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    num = numerical_gradient(lambda v: cross_entropy(v, y)[0], z)
    assert rel_error(cross_entropy(z, y)[1], num) <= 1e-8
    loss, dz = cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0) and np.all(np.isfinite(dz))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: cross_entropy(np.zeros((3, 2)), np.zeros(3)),
            r"cross_entropy: expected logits \(N, K\) and integer labels \(N,\) \(got \(3, 2\) and float64 \(3,\)\)",
        ),
        (
            lambda: cross_entropy(np.zeros((3, 2)), np.array([0, 2, 1])),
            r"labels must be class numbers 0..1 \(got 0..2\)",
        ),
    ],
)
def test_cross_entropy_refuses_bad_labels(call, message):
    with pytest.raises(ValueError, match=message):
        call()
