"""07_beyond_the_paper's figures draw from bnlib's results, and the dashboard's numbers
follow the maths: the sweep's median accuracies over seeds, BN's values over batch-mates
(±1 at m = 2)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from bnlib.experiments.numpy_mnist import Sweep
from bnlib.norms import batch_mates
from bnlib.notebook.figures import nb07
from bnlib.notebook.widgets import REGISTRY


@pytest.fixture(scope="module")
def sweep():
    acc = np.array([[0.3, 0.8, 0.9], [0.85, 0.86, 0.87], [0.8, 0.82, 0.84], [0.7, 0.75, 0.8]])
    acc = acc[..., None] + np.array([-0.02, 0.0, 0.05])  # three seeds; the median is acc
    train = np.full_like(acc, np.nan)
    train[0] = acc[0] - 0.1
    return Sweep(
        ("batch", "layer", "group", None),
        (2, 8, 64),
        (0, 1, 2),
        600,
        acc,
        train,
        np.ones(acc.shape[:2]),
    )


@pytest.fixture
def dash(sweep):
    return nb07.small_batches(sweep, m=8, unit=3)


def test_shown_accuracies_are_the_sweeps(dash, sweep):
    for m, j in ((2, 0), (64, 2), (8, 1)):
        dash.controls["m"].value = m
        assert dash.shown["batch"] == np.median(sweep.eval_acc[0, j])
        assert dash.shown["None"] == np.median(sweep.eval_acc[3, j])
        title = dash.figure.axes[0].get_title()
        assert f"m = {m}: BN {100 * np.median(sweep.eval_acc[0, j]):.1f}%" in title


@pytest.mark.parametrize("m", [2, 8, 64])
def test_shown_spread_is_bns_output_over_batch_mates(dash, m):
    dash.controls["m"].value = m
    v = batch_mates(nb07.first_layer_inputs(), 0, m, draws=400)[:, 3]
    assert dash.shown["bn_std"] == pytest.approx(v.std(), rel=1e-12)
    assert f"std {dash.shown['bn_std']:.2f} over 400" in dash.figure.axes[1].get_title()


def test_batches_of_two_give_plus_or_minus_one(dash):
    dash.controls["m"].value = 2
    assert dash.shown["at_one"] > 0.5  # most pairs: |x_hat| = 1 to 1e-3 (eps aside)
    assert dash.figure.axes[1].get_ylim()[1] > 0.5  # the two spikes fit
    dash.controls["m"].value = 64
    assert dash.shown["at_one"] < 0.05 and dash.shown["bn_std"] < 0.3
    assert dash.figure.axes[1].get_ylim()[1] < 0.5  # the y axis follows the histogram


def test_the_registered_dashboard_builds_from_a_quick_sweep():
    dash = REGISTRY["nb07.small_batches"]()
    assert set(dash.shown) >= {"batch", "layer", "group", "None", "bn_std"}


def test_static_figures_draw(sweep):
    axes_fig, sweep_fig = nb07.norm_axes(), nb07.batch_sizes(sweep)
    assert isinstance(sweep_fig, Figure)
    assert len(axes_fig.axes) == 4 and [ax.get_zlabel() for ax in axes_fig.axes] == ["H·W"] * 4
    titles = [ax.get_title() for ax in axes_fig.axes]
    assert titles[0].startswith("BatchNorm") and "over N, H, W" in titles[0]
    bn_eval = sweep_fig.axes[1].lines[0]  # BN at test time: eval mode, median over the seeds
    np.testing.assert_allclose(bn_eval.get_ydata(), 100 * np.median(sweep.eval_acc[0], axis=1))


def test_a_median_below_the_zoom_is_written_out(sweep):
    texts = [t.get_text() for t in nb07.batch_sizes(sweep).axes[0].texts]
    assert texts == ["↓ BN: 28–35%"]  # BN at m = 2: 0.3 - 0.02 and 0.3 + 0.05


def test_alt_texts_name_each_panel_and_the_best_norm(sweep):
    panels = nb07.norm_axes().alt.split("Panel ")[1:]
    assert [p.split(",")[1].split(":")[0].strip() for p in panels] == [
        "BatchNorm",
        "LayerNorm",
        "InstanceNorm",
        "GroupNorm with 2 groups",
    ]
    alt = nb07.batch_sizes(sweep).alt
    assert "BatchNorm: blue circles; LayerNorm: green squares" in alt
    # medians: m = 2 LayerNorm 0.85, m = 8 LayerNorm 0.86, m = 64 BatchNorm 0.9
    assert "at m = 2: LayerNorm; at m = 8: LayerNorm; at m = 64: BatchNorm." in alt
