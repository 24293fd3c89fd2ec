"""04's figures and learning-rate dashboard: the numbers shown follow the maths."""

import numpy as np
import pytest

from bnlib.figures import nb04
from bnlib.losses import mse
from bnlib.toys import best_gamma_beta, shifted_scaled_targets
from bnlib.train import evaluate


@pytest.fixture(scope="module")
def dash():
    return nb04.learning_rate()


def test_good_learning_rate_converges_to_the_best_gamma_beta(dash):
    dash.controls["lr"].value = 0.1
    gamma, beta, least = best_gamma_beta(*shifted_scaled_targets())
    shown = dash.shown
    assert not shown["diverged"] and shown["message"] == ""
    assert least <= shown["final_loss"] < 5 * least
    np.testing.assert_allclose(shown["gamma"], gamma, rtol=0.15)  # SGD noise: see test_train
    np.testing.assert_allclose(shown["beta"], beta, atol=0.2)
    assert f"loss after training {shown['final_loss']:.3f}" in dash.figure.get_suptitle()


def test_slow_learning_rate_leaves_gamma_beta_near_the_start(dash):
    dash.controls["lr"].value = 0.001
    # 300 steps at lr 0.001: the distance to the optimum shrinks by about (1 - 0.001)^300 ~ 0.74
    assert not dash.shown["diverged"]
    assert np.all(np.abs(dash.shown["beta"]) < 0.5) and dash.shown["final_loss"] > 1.0


@pytest.mark.parametrize("lr", [2.5, 10.0])
def test_learning_rate_over_two_diverges_with_a_message_in_the_figure(dash, lr):
    """Curvature of the loss in (gamma, beta) ~ 1: |1 - lr| > 1 for lr > 2."""
    dash.controls["lr"].value = lr
    assert np.isnan(dash.shown["final_loss"])
    assert dash.shown["diverged"] and dash.shown["steps"] < nb04.STEPS
    warning = [
        t for t in dash.figure.texts if t.get_visible() and "diverged at step" in t.get_text()
    ]
    assert warning, "the divergence message is not shown in the figure"
    assert "DIVERGED" in dash.figure.get_suptitle()
    for ax in dash.figure.axes:
        assert ax.get_xlim()[1] == max(dash.shown["steps"], 10)  # zoomed to the steps run
    dash.controls["lr"].value = 0.1
    assert not any(t.get_visible() and "diverged" in t.get_text() for t in dash.figure.texts)


def test_toy_run_loss_is_the_full_data_loss():
    data = shifted_scaled_targets()
    result, final = nb04.toy_run(0.1, data=data)
    assert np.isfinite(final) and not result.diverged
    assert evaluate(nb04.toy_net(), *data, mse) > 100 * final  # the same net, untrained


def test_static_figures_draw():
    from bnlib.viz import rendered_pixels

    result, _ = nb04.toy_run(0.1)
    g, b, least = best_gamma_beta(*shifted_scaled_targets())
    figs = [
        nb04.computational_graph(),
        nb04.trajectories(result, g, b),
        nb04.lr_sweep([0.01, 0.1, 3.0], [0.1, 0.02, np.nan], [False, False, True], 6.8, least),
        nb04.freeze_bars(["a", "b"], [0.1, 3.0], 6.8),
    ]
    for fig in figs:
        assert rendered_pixels(fig).std() > 0
