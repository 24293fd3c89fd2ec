"""04's figures and learning-rate dashboard: the numbers shown follow the maths."""

import numpy as np
import pytest

from bnlib.experiments.gamma_beta_sgd import STEPS, toy_run
from bnlib.nn.toys import best_gamma_beta, shifted_scaled_targets
from bnlib.notebook.figures import nb04
from bnlib.notebook.viz import num


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
    # the top third of the (log) axis is kept free for the legend: the curve stays below it
    assert np.log(curve.max()) < np.log(lo) + 2 / 3 * np.log(hi / lo)
    named = [t.get_text() for t in loss_ax.get_legend().get_texts()]
    assert named[-1] == f"best possible: {num(best, 4)}" and "over all data" in named[2]


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
    assert dash.shown["diverged"] and dash.shown["steps"] < STEPS
    warning = [t for t in shown_texts(dash) if "diverged at step" in t.get_text()]
    assert warning, "the divergence message is not shown in the figure"
    assert "DIVERGED" in dash.figure.get_suptitle()
    assert warning[0].axes is loss_axes(dash)  # in the loss panel's top left
    assert f"diverged at step {dash.shown['steps'] - 1}:" in warning[0].get_text()
    renderer = dash.figure.canvas.get_renderer()
    legend_box = loss_axes(dash).get_legend().get_window_extent(renderer)
    assert not legend_box.overlaps(warning[0].get_window_extent(renderer))  # not on the message
    named = [t.get_text() for t in loss_axes(dash).get_legend().get_texts()]
    assert named == ["mini-batch loss", "mini-batch loss, mean of the last 10"]  # what is drawn
    for ax in dash.figure.axes:
        assert ax.get_xlim()[1] == max(dash.shown["steps"], 10)  # zoomed to the steps run
    dash.controls["lr"].value = 0.1
    assert not any("diverged" in t.get_text() for t in shown_texts(dash))
    assert len(loss_axes(dash).get_legend().get_texts()) == 4  # all data and best: back


def test_static_figures_draw():
    from bnlib.notebook.viz import rendered_pixels

    result, _ = toy_run(0.1)
    g, b, least = best_gamma_beta(*shifted_scaled_targets())
    figs = [
        nb04.computational_graph(),
        nb04.trajectories(result, g, b, least, 0.03),
        nb04.lr_sweep([0.01, 0.1, 3.0], [0.1, 0.02, np.nan], [False, False, True], 6.8, least),
    ]
    for fig in figs:
        assert rendered_pixels(fig).std() > 0
