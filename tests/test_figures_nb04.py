"""04's figures and learning-rate dashboard: the numbers shown follow the maths."""

import numpy as np
import pytest

from bnlib.nn.losses import mse
from bnlib.nn.toys import best_gamma_beta, shifted_scaled_targets
from bnlib.nn.train import evaluate
from bnlib.notebook.figures import nb04


@pytest.fixture(scope="module")
def dash():
    return nb04.learning_rate()


def loss_axes(dash):
    return next(ax for ax in dash.figure.axes if ax.get_title() == "loss")


def shown_texts(dash):
    return [t for ax in dash.figure.axes for t in ax.texts if t.get_visible()] + [
        t for t in dash.figure.texts if t.get_visible()
    ]


def test_good_learning_rate_converges_to_the_best_gamma_beta(dash):
    dash.controls["lr"].value = 0.1
    gamma, beta, least = best_gamma_beta(*shifted_scaled_targets())
    shown = dash.shown
    assert not shown["diverged"] and shown["message"] == ""
    assert least <= shown["final_loss"] < 5 * least
    np.testing.assert_allclose(shown["gamma"], gamma, rtol=0.15)  # SGD noise: see test_train
    np.testing.assert_allclose(shown["beta"], beta, atol=0.2)
    assert (
        f"loss over all data after training {shown['final_loss']:.3f}" in dash.figure.get_suptitle()
    )


def test_loss_panel_shows_the_full_data_and_best_losses_and_fits_the_curve(dash):
    dash.controls["lr"].value = 0.1
    loss_ax = loss_axes(dash)
    full = [ln for ln in loss_ax.lines if ln.get_label() == "over all data, after training"]
    assert full[0].get_ydata()[0] == pytest.approx(dash.shown["final_loss"])
    best = best_gamma_beta(*shifted_scaled_targets())[2]
    lo, hi = loss_ax.get_ylim()
    curve = loss_ax.lines[0].get_ydata()
    assert lo < best < hi and lo < curve.min() and curve.max() < hi
    assert hi < 1e4  # fitted to the run, not to the worst case
    assert loss_ax.get_legend()._loc == 9  # upper center, above the curve


def test_the_title_says_1995_not_2(dash):
    dash.controls["lr"].value = 10**0.3
    assert dash.figure.get_suptitle().startswith("learning rate 1.995:")
    assert not dash.shown["diverged"]


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
    warning = [t for t in shown_texts(dash) if "diverged at step" in t.get_text()]
    assert warning, "the divergence message is not shown in the figure"
    assert "DIVERGED" in dash.figure.get_suptitle()
    assert warning[0].axes is loss_axes(dash)  # in the loss panel's top left
    assert loss_axes(dash).get_legend()._loc == 4  # lower right: not on a rising curve
    named = [t.get_text() for t in loss_axes(dash).get_legend().get_texts()]
    assert named == ["mini-batch loss", "mini-batch loss, mean of the last 10"]  # what is drawn
    for ax in dash.figure.axes:
        assert ax.get_xlim()[1] == max(dash.shown["steps"], 10)  # zoomed to the steps run
    dash.controls["lr"].value = 0.1
    assert not any("diverged" in t.get_text() for t in shown_texts(dash))
    assert len(loss_axes(dash).get_legend().get_texts()) == 4  # all data and best: back


def test_toy_run_loss_is_the_full_data_loss():
    data = shifted_scaled_targets()
    result, final = nb04.toy_run(0.1, data=data)
    assert np.isfinite(final) and not result.diverged
    assert evaluate(nb04.toy_net(), *data, mse) > 100 * final  # the same net, untrained


def test_static_figures_draw():
    from bnlib.notebook.viz import rendered_pixels

    result, _ = nb04.toy_run(0.1)
    g, b, least = best_gamma_beta(*shifted_scaled_targets())
    figs = [
        nb04.computational_graph(),
        nb04.trajectories(result, g, b, least, 0.03),
        nb04.lr_sweep([0.01, 0.1, 3.0], [0.1, 0.02, np.nan], [False, False, True], 6.8, least),
        nb04.freeze_bars(["a", "b"], [0.1, 3.0], 6.8),
    ]
    shares = [t.get_text() for t in figs[-1].axes[0].texts]
    assert shares == ["  0.100: 100.0 % of the decrease", "  3.000: 56.7 % of the decrease"]
    for fig in figs:
        assert rendered_pixels(fig).std() > 0
