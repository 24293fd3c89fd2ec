"""bnlib.experiments.gamma_beta_sgd: the toy's runs, how its weights grow, what freezing costs."""

import numpy as np
import pytest

from bnlib.experiments import gamma_beta_sgd as G
from bnlib.nn.losses import mse
from bnlib.nn.toys import best_gamma_beta, shifted_scaled_targets
from bnlib.nn.train import batches, evaluate, grad_norm

DATA = shifted_scaled_targets()


def test_toy_run_loss_is_the_full_data_loss():
    result, final = G.toy_run(0.1, data=DATA)
    assert np.isfinite(final) and not result.diverged and result.steps == G.STEPS
    assert evaluate(G.toy_net(), *DATA, mse) > 100 * final  # the same net, untrained


def test_a_diverged_run_has_no_full_data_loss():
    result, final = G.toy_run(3.0, data=DATA)
    assert result.diverged and np.isnan(final)


def test_the_gradient_read_off_the_growth_is_the_first_batchs_gradient():
    """|W|^2 grows by exactly lr^2 |g|^2 when g is orthogonal to W: the |g| read off the
    norms equals the gradient of the first mini-batch, computed directly."""
    x, t = DATA
    first = next(batches(len(x), G.BATCH, 1, np.random.default_rng(0)))
    direct = grad_norm(G.toy_net(), x[first], t[first], mse)
    for lr in (0.01, 1.0):
        norms = G.weight_norms(lr, steps=(1,), data=DATA)
        assert norms[1] > norms[0]
        assert G.step_gradient(norms[0], norms[1], lr) == pytest.approx(direct, rel=1e-6)


def test_a_larger_learning_rate_grows_the_weights_more():
    grown = [G.weight_norms(lr, steps=(1,), data=DATA)[1] for lr in (0.01, 0.1, 1.0)]
    assert grown[0] < grown[1] < grown[2]


def test_step_gradient_inverts_the_growth():
    # |W| = 3, |g| = 2, lr = 0.5: |W_after| = sqrt(9 + 1) = sqrt(10)
    assert G.step_gradient(3.0, np.sqrt(10.0), 0.5) == pytest.approx(2.0)


def test_the_frozen_floor_is_reached_and_not_beaten():
    x, t = DATA
    best_gamma = best_gamma_beta(x, t)[0]
    means, spreads = G.frozen_floor(t, best_gamma)
    assert means == pytest.approx(0.5 * np.sum(t.mean(axis=0) ** 2))
    frozen = G.toy_run(0.1, freeze=("gamma", "beta"), data=DATA)[1]
    assert means + spreads - 1e-6 <= frozen < means + spreads + 0.01


def test_the_frozen_floor_is_zero_for_standardised_targets():
    x = np.random.default_rng(0).standard_normal((400, 2))
    t = (x - x.mean(axis=0)) / x.std(axis=0)  # targets BN(x W^T) can fit with W = I
    assert sum(G.frozen_floor(t, best_gamma_beta(x, t)[0])) == pytest.approx(0.0, abs=1e-12)


def test_share_of_decrease():
    assert G.share_of_decrease(6.0, 3.0, 0.0) == pytest.approx(0.5)
    assert G.share_of_decrease(6.0, 0.0, 0.0) == pytest.approx(1.0)


def test_freezing_gamma_beta_costs_the_toy_most_of_its_decrease():
    losses = G.toy_freeze_losses(0)
    kept = G.share_of_decrease(losses["start"], losses["γ, β frozen"], losses["all learned"])
    assert kept < 0.5


def test_relu_network_with_frozen_gamma_beta_still_learns():
    losses = G.relu_freeze_losses(0, steps=300)
    assert losses["all learned"] < losses["start"] and losses["γ, β frozen"] < losses["start"]
