"""bnlib.nn.train: SGD lowers the loss at a good learning rate, divergence is
reported (not raised, not NaN) at a bad one, freezing freezes."""

import numpy as np
import pytest

from bnlib.layers import BatchNorm1d
from bnlib.nn.losses import bce_with_logits, mse
from bnlib.nn.mlp import Linear, Net, mlp
from bnlib.nn.toys import best_gamma_beta, shifted_scaled_targets, xor
from bnlib.nn.train import (
    batches,
    evaluate,
    fit_classifier,
    grad_norm,
    output_curvature,
    predict_proba,
    sgd,
)


def toy_net(seed=0):
    """y = BN(x W^T): the output's scale and shift can come from gamma, beta only."""
    return Net(Linear(2, 2, bias=False, rng=seed), BatchNorm1d(2, dtype=np.float64))


X, T = shifted_scaled_targets(512, seed=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_good_learning_rate_lowers_the_loss_and_finds_the_best_gamma_beta(seed):
    """|gamma| -> std of the best fit, beta -> mean of t, up to SGD noise.

    (W, gamma) and (-W, -gamma) give the same output, so gamma's sign follows W's
    start. SGD noise: beta wanders by about sqrt(lr / 2) * std(t) / sqrt(32) ~ 0.07
    for lr = 0.1 (the largest target std is 3). Worst over seeds 0-9: 11 % for
    gamma (the small one, 0.47), 0.12 for beta; tolerances 15 % and 0.2.
    """
    net = toy_net(seed)
    before = evaluate(net, X, T, mse)
    result = sgd(net, X, T, mse, lr=0.1, steps=300, batch_size=32, seed=seed)
    after = evaluate(net, X, T, mse)
    assert not result.diverged and result.message == ""
    assert after < 0.02 * before
    gamma, beta, _ = best_gamma_beta(X, T)
    np.testing.assert_allclose(np.abs(result.gamma[0][-1]), gamma, rtol=0.15)
    np.testing.assert_allclose(result.beta[0][-1], beta, atol=0.2)


def test_history_has_one_row_per_step():
    result = sgd(toy_net(), X, T, mse, lr=0.1, steps=25, batch_size=32)
    assert result.loss.shape == (25,) and result.steps == 25
    assert result.gamma[0].shape == (26, 2) and result.beta[0].shape == (26, 2)
    np.testing.assert_array_equal(result.gamma[0][0], [1, 1])  # the paper's initial values
    np.testing.assert_array_equal(result.beta[0][0], [0, 0])


@pytest.mark.parametrize("lr", [2.5, 10.0, 1e8])
def test_divergence_is_detected_and_reported_not_raised(lr):
    """For l = 1/2 mean squared error, gamma and beta diverge when lr > 2 (curvature ~ 1)."""
    result = sgd(toy_net(), X, T, mse, lr=lr, steps=300, batch_size=32)
    assert result.diverged
    assert result.message.startswith("diverged at step")
    assert f"learning rate {lr:g} is too large" in result.message
    assert result.steps < 300
    assert len(result.gamma[0]) == result.steps  # no update after the step that diverged
    assert np.all(np.isfinite(result.gamma[0])) and np.all(np.isfinite(result.beta[0]))


def test_divergence_of_a_deep_network_is_reported_too():
    x, y = xor(64)
    result = sgd(mlp([2, 8, 8, 1], activation="relu"), x, y, bce_with_logits, lr=1e12, steps=50)
    assert result.diverged and "diverged at step" in result.message


@pytest.mark.parametrize(
    ("freeze", "still", "moved"),
    [
        (("gamma", "beta"), ["1.gamma", "1.beta"], ["0.weight"]),
        (("weight",), ["0.weight"], ["1.gamma", "1.beta"]),
        (("gamma",), ["1.gamma"], ["1.beta", "0.weight"]),
    ],
)
def test_freezing_freezes_exactly_the_kinds_named(freeze, still, moved):
    net = toy_net()
    start = {p.name: p.value.copy() for p in net.parameters()}
    sgd(net, X, T, mse, lr=0.1, steps=20, batch_size=32, freeze=freeze)
    now = {p.name: p.value for p in net.parameters()}
    for name in still:
        np.testing.assert_array_equal(now[name], start[name])
    for name in moved:
        assert not np.allclose(now[name], start[name]), f"{name} did not move"


def test_gamma_beta_carry_the_scale_and_shift_weights_cannot():
    """Weights alone cannot move BN's output mean off beta = 0: the loss stays high."""
    frozen_gb, frozen_w = toy_net(), toy_net()
    sgd(frozen_gb, X, T, mse, lr=0.1, steps=300, batch_size=32, freeze=("gamma", "beta"))
    sgd(frozen_w, X, T, mse, lr=0.1, steps=300, batch_size=32, freeze=("weight",))
    shift_error = 0.5 * np.sum(T.mean(axis=0) ** 2)  # the part only beta can remove
    assert evaluate(frozen_gb, X, T, mse) >= shift_error
    assert evaluate(frozen_w, X, T, mse) < evaluate(frozen_gb, X, T, mse)


def test_same_seed_same_run():
    a = sgd(toy_net(), X, T, mse, lr=0.1, steps=30, batch_size=32, seed=4)
    b = sgd(toy_net(), X, T, mse, lr=0.1, steps=30, batch_size=32, seed=4)
    np.testing.assert_array_equal(a.loss, b.loss)


def test_batches_cover_each_epoch_once_and_drop_the_remainder():
    rng = np.random.default_rng(0)
    got = list(batches(10, 4, 5, rng))
    assert len(got) == 5 and all(len(b) == 4 for b in got)
    assert len(set(np.concatenate(got[:2]))) == 8  # one epoch: 2 full batches, no repeats


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, r"lr must be a finite number > 0 \(got 0.0\)"),
        ({"lr": float("nan")}, r"lr must be a finite number > 0"),
        ({"steps": 0}, r"steps must be an integer >= 1 \(got 0\)"),
        ({"batch_size": 1}, r"batch_size must be an integer >= 2: BN needs 2 examples \(got 1\)"),
        (
            {"freeze": ("gama",)},
            r"freeze must be a collection of \('weight', 'bias', 'gamma', 'beta'\) \(got \('gama',\)\)",
        ),
        ({"freeze": "gamma"}, r"freeze must be a collection of"),
    ],
)
def test_bad_arguments_are_refused_clearly(kwargs, message):
    args = {"lr": 0.1, "steps": 5, "batch_size": 8, **kwargs}
    with pytest.raises(ValueError, match=message):
        sgd(toy_net(), X, T, mse, **args)


def test_x_and_t_must_have_the_same_rows():
    with pytest.raises(ValueError, match=r"one row per example \(got 512 and 5 rows\)"):
        sgd(toy_net(), X, T[:5], mse, lr=0.1, steps=5)


def test_fit_classifier_learns_xor_and_the_frozen_sigmoid_net_cannot():
    """With beta fixed at 0, sigma(z) - 1/2 is odd and BN keeps oddness: the sigmoid net
    computes an odd function of (centred) x plus a constant, and XOR is even."""
    x, y = xor(400, seed=0)
    _, acc, result = fit_classifier(x, y, [2, 8, 8, 1], steps=1500)
    assert acc > 0.97 and not result.diverged
    frozen, acc_frozen, _ = fit_classifier(x, y, [2, 8, 8, 1], steps=1500, freeze=("gamma", "beta"))
    assert acc_frozen < 0.6
    f = frozen.eval().forward(x)[:, 0] - frozen.layers[-1].bias[0]
    g = frozen.eval().forward(-x)[:, 0] - frozen.layers[-1].bias[0]
    assert np.std(f + g) < 0.05 * np.std(f) + 1e-3  # odd, up to the data's mean not being 0


def test_fit_classifier_starts_gamma_where_asked_and_freezing_keeps_it_there():
    x, y = xor(80, seed=1)
    net, _, result = fit_classifier(x, y, [2, 4, 4, 1], steps=30, gamma=3.0, freeze=("gamma",))
    assert all(np.all(g == 3.0) for g in result.gamma)  # every step, every layer
    assert all(np.all(bn.weight == 3.0) for bn in net.bn_layers)
    r_1 = fit_classifier(x, y, [2, 4, 4, 1], steps=30, gamma=1.0)[2]
    r_d = fit_classifier(x, y, [2, 4, 4, 1], steps=30)[2]  # 1 is the default start
    np.testing.assert_array_equal(r_1.loss, r_d.loss)
    with pytest.raises(ValueError, match=r"gamma must be a finite number > 0 \(got -1\.0\)"):
        fit_classifier(x, y, [2, 4, 1], steps=5, gamma=-1.0)


def _loss_in_output_layer(net, x, y, theta):
    """The mean cross-entropy with the output layer's (W, b) set to theta, in eval mode."""
    out = net.layers[-1]
    out.weight[...], out.bias[...] = theta[:-1], theta[-1]
    return bce_with_logits(net.eval().forward(x), y)[0]


def test_output_curvature_is_the_top_eigenvalue_of_the_finite_difference_hessian():
    x, y = xor(60, seed=2)
    net, _, _ = fit_classifier(x, y, [2, 3, 1], steps=40)
    out = net.layers[-1]
    theta = np.concatenate([out.weight[0], out.bias]).copy()
    got = output_curvature(net, x)
    h, k = 1e-4, len(theta)
    hess = np.zeros((k, k))
    for i in range(k):  # central differences of the loss
        for j in range(k):
            e_i, e_j = h * np.eye(k)[i], h * np.eye(k)[j]
            f = [
                _loss_in_output_layer(net, x, y, theta + a + b)
                for a, b in ((e_i, e_j), (e_i, -e_j), (-e_i, e_j), (-e_i, -e_j))
            ]
            hess[i, j] = (f[0] - f[1] - f[2] + f[3]) / (4 * h * h)
    _loss_in_output_layer(net, x, y, theta)  # the weights back
    assert got == pytest.approx(np.linalg.eigvalsh(hess)[-1], rel=1e-5)


def test_output_curvature_needs_one_logit():
    with pytest.raises(ValueError, match=r"one output logit \(got 2\)"):
        output_curvature(mlp([2, 3, 2]), X)


def test_predict_proba_is_the_sigmoid_of_the_logit():
    x, y = xor(40)
    net, _, _ = fit_classifier(x, y, [2, 4, 1], steps=20)
    p = predict_proba(net, x)
    assert p.shape == (40,) and np.all((p > 0) & (p < 1))
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-net(x)[:, 0])), rtol=1e-12)


def test_grad_norm_is_the_norm_of_the_backward_pass_and_updates_nothing():
    net = toy_net()
    w = net.layers[0].weight.copy()
    got = grad_norm(net, X[:32], T[:32], mse)
    assert np.array_equal(net.layers[0].weight, w)
    h = 1e-6  # central differences of the batch loss in each weight
    num = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        for sign in (1, -1):
            net.layers[0].weight[idx] = w[idx] + sign * h
            num[idx] += sign * mse(net.train().forward(X[:32]), T[:32])[0] / (2 * h)
        net.layers[0].weight[idx] = w[idx]
    assert got == pytest.approx(np.linalg.norm(num), rel=1e-6)
    beta = grad_norm(net, X[:32], T[:32], mse, kind="beta")
    assert beta == pytest.approx(np.linalg.norm((net.forward(X[:32]) - T[:32]).mean(0)), rel=1e-9)
    with pytest.raises(ValueError, match=r"kind must be one of .* \(got 'w'\)"):
        grad_norm(net, X, T, mse, kind="w")


def test_forward_backward_turns_only_an_overflow_before_bn_into_an_infinite_loss():
    """BN refuses non-finite statistics with NonFiniteError (a ValueError): that one step
    is a diverged step (loss inf, no gradients); every other error still stops training."""
    from bnlib._check import NonFiniteError
    from bnlib.nn.train import forward_backward

    net = mlp([2, 3, 1], seed=0)
    huge = np.array([[1e308, 1e308], [-1e308, 1e308], [1e308, -1e308]])
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(NonFiniteError):
        net.forward(huge)
    with np.errstate(over="ignore", invalid="ignore"):
        assert forward_backward(net, huge, np.zeros((3, 1)), mse) == np.inf
    assert net.layers[0].grad_weight is None  # no backward pass
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        forward_backward(net, np.ones((1, 2)), np.zeros((1, 1)), mse)
