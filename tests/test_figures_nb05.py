"""05_moving_averages' figures: the dashboard's numbers follow bnlib's maths."""

import numpy as np
import pytest

from bnlib.experiments.tracking import best_momentum, drifting_moments, ema_error, steps_to_forget
from bnlib.inference import batch_std_ratio
from bnlib.notebook.figures import nb05
from bnlib.notebook.viz import num
from bnlib.notebook.widgets import REGISTRY


@pytest.fixture
def dash():
    return REGISTRY["nb05.ema_tracking"]()


def test_default_is_pytorchs_momentum_and_a_batch_of_32(dash):
    assert dash.shown["momentum"] == pytest.approx(0.1)
    assert dash.shown["decay"] == pytest.approx(0.9)
    assert dash.shown["m"] == 32
    assert dash.shown["steps_to_forget"] == 44


@pytest.mark.parametrize(("momentum", "m"), [(0.01, 8), (0.3, 256), (0.001, 2)])
def test_shown_error_is_ema_error(dash, momentum, m):
    dash.controls["momentum"].value = momentum
    dash.controls["m"].value = m
    mean, var = drifting_moments(600)
    bias, noise = ema_error(mean, var / m, [momentum], start=0.0)
    assert dash.shown["lag"] == pytest.approx(bias[0], rel=1e-12)
    assert dash.shown["noise"] == pytest.approx(noise[0], rel=1e-12)
    assert dash.shown["rms"] == pytest.approx(np.hypot(bias[0], noise[0]), rel=1e-12)
    assert dash.shown["steps_to_forget"] == steps_to_forget(momentum)
    assert dash.figure.get_suptitle().endswith(f"batch size m = {m}")
    right_title = dash.figure.axes[2].get_title()
    assert f"lag {num(abs(bias[0]), 3)}, noise {num(noise[0], 3)}" in right_title


def test_four_times_the_batch_halves_the_noise(dash):
    dash.controls["momentum"].value = 0.1
    dash.controls["m"].value = 16
    noise_16 = dash.shown["noise"]
    dash.controls["m"].value = 64
    assert dash.shown["noise"] == pytest.approx(noise_16 / 2, rel=1e-12)


def test_the_best_momentum_shown_is_trackings_and_marked_on_the_total_curve(dash):
    dash.controls["m"].value = 256
    mean, var = drifting_moments(600)
    grid = np.geomspace(1e-3, 1.0, 61)
    best = best_momentum(mean, var / 256, grid, start=0.0)
    assert dash.shown["best_momentum"] == best
    assert f"lowest total at momentum {best:.2g}" in dash.figure.axes[2].get_title()
    marker = next(line for line in dash.figure.axes[2].lines if line.get_label() == "lowest total")
    assert marker.get_xdata()[0] == best


def test_bigger_batches_allow_a_bigger_momentum(dash):
    best = []
    for m in (2, 32, 512):
        dash.controls["m"].value = m
        best.append(dash.shown["best_momentum"])
    assert best[0] < best[1] < best[2]


def test_running_estimate_line_starts_near_zero_and_ends_near_the_true_mean(dash):
    dash.controls["momentum"].value = 0.1
    dash.controls["m"].value = 512
    ax_mean = dash.figure.axes[0]
    ema = next(line for line in ax_mean.lines if line.get_label() == "running estimate")
    y = np.asarray(ema.get_ydata())
    true_end = drifting_moments(600)[0][-1]
    assert abs(y[0]) < 0.5  # one step from 0: 0.9 * 0 + 0.1 * (a batch mean near 1)
    assert y[-1] == pytest.approx(true_end, abs=0.1)


def test_std_slip_figure_draws_the_exact_ratio():
    ms = np.array([2, 8, 32])
    ratio = np.array([batch_std_ratio(int(m)) for m in ms])
    fig = nb05.std_slip(ms, ratio, ratio * np.sqrt(ms / (ms - 1)), np.ones(3))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "batch size m" and "underestimates" in ax.get_title()
    exact = ax.lines[1]
    assert np.asarray(exact.get_ydata())[0] == pytest.approx(1 / np.sqrt(np.pi))


def test_forgetting_figure_marks_44_steps_for_momentum_0_1():
    fig = nb05.forgetting(momenta=(0.1,), steps=1000)
    ax = fig.axes[0]
    assert "momentum 0.1\n44 steps" in [t.get_text() for t in ax.texts]
    dot = next(line for line in ax.lines if line.get_marker() == "o")
    assert list(dot.get_xdata()) == [44]
    assert dot.get_ydata()[0] == pytest.approx(0.9**44)
    assert ax.get_xscale() == "log"


def test_forgetting_figure_leaves_out_the_dot_beyond_its_range():
    fig = nb05.forgetting(momenta=(0.001,), steps=1000)  # 4603 steps > 1000
    ax = fig.axes[0]
    assert not [line for line in ax.lines if line.get_marker() == "o"]
    assert all("4603" not in t.get_text() for t in ax.texts)


def test_pitfall_summary_shows_both_accuracies_in_percent():
    fig = nb05.pitfall_summary({"forgot model.eval()": (0.5, 0.98)})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["50.0%", "98.0%"]


def test_pitfall_summary_legend_lists_the_bars_top_down_and_shows_the_note():
    fig = nb05.pitfall_summary({"a": (0.5, 0.98), "b": (0.6, 0.9)}, note="(no bar for 2)")
    ax = fig.axes[0]
    fixed, pitfall = ax.containers  # drawn in this order: fixed at y + 0.2, pitfall at y - 0.2
    assert fixed[0].get_y() > pitfall[0].get_y()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["fixed", "pitfall"]
    assert ax.get_title().endswith("\n(no bar for 2)")


def test_pitfall_summary_alt_text_gives_each_pair_of_values():
    fig = nb05.pitfall_summary({"a": (0.5, 0.98), "b": (0.6, 0.9)}, note="(no bar for 2)")
    assert "a: 50.0% with the pitfall, 98.0% fixed; b: 60.0% with the pitfall, 90.0% fixed" in (
        fig.alt
    )
    assert fig.alt.endswith("(no bar for 2)")


def test_dashboard_alt_text_follows_the_momentum(dash):
    assert "momentum 0.1 and batch size m = 32" in dash.figure.alt
    assert "jitters" in dash.figure.alt and "after 44 steps" in dash.figure.alt
    dash.controls["momentum"].value = 0.003
    lag = abs(dash.shown["lag"])  # signed: below the true mean
    assert lag > dash.shown["noise"]  # a small momentum lags
    assert "trails behind" in dash.figure.alt and f"lag {num(lag, 3)}" in dash.figure.alt
