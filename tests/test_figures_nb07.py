"""07_beyond_the_paper's figures draw from bnlib's results, and the dashboard's numbers
follow the maths: the sweep's median accuracies over seeds, BN's values over batch-mates
(±1 at m = 2)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from bnlib.experiments.landscape import descend
from bnlib.experiments.numpy_mnist import Sweep
from bnlib.nn.mlp import mlp
from bnlib.nn.toys import linear_map
from bnlib.norms import batch_mates
from bnlib.notebook.figures import nb07
from bnlib.notebook.widgets import REGISTRY


@pytest.fixture(scope="module")
def sweep():
    acc = np.array([[0.3, 0.8, 0.9], [0.85, 0.86, 0.87], [0.8, 0.82, 0.84], [0.7, 0.75, 0.8]])
    acc = acc[..., None] + np.array([-0.02, 0.0, 0.05])  # three seeds; the median is acc
    train = np.full_like(acc, np.nan)
    train[0] = acc[0] - 0.1
    return Sweep(("batch", "layer", "group", None), (2, 8, 64), (0, 1, 2), 600, acc, train,
                 np.ones(acc.shape[:2]))  # fmt: skip


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
    x, t = linear_map(40, 3)
    descents = {
        label: [descend(mlp([3] * 5, activation="identity", norm=norm, seed=s), x, t, lr=1e-3,
                        steps=4, every=2, distances=[0.01, 0.1], ics_layer=1) for s in range(2)]
        for label, norm in (("no BN", None), ("BN", "batch"))
    }  # fmt: skip
    ics = {label: [(d.steps, d.ics) for d in runs] for label, runs in descents.items()}
    figs = [nb07.batch_sizes(sweep), nb07.norm_axes(),
            nb07.landscape(descents, lr=1e-3, distances=[0.01, 0.1]),
            nb07.gradient_ics(ics, "title")]  # fmt: skip
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[1].axes) == 4 and [ax.get_zlabel() for ax in figs[1].axes] == ["H·W"] * 4
    beta_eta = figs[2].axes[1].lines  # the second panel plots beta * eta, one line per run
    np.testing.assert_allclose(beta_eta[0].get_ydata(), 1e-3 * descents["no BN"][0].smoothness)
    assert len(figs[3].axes[0].lines) == 4  # a line per seed and network
    titles = [ax.get_title() for ax in figs[2].axes[1:4]]
    assert all("d = 0.01–0.1" in title for title in titles)  # which distances each panel is over
    assert all(ax.get_ylabel() for ax in figs[2].axes[:4])  # every panel says what it plots


def test_noisy_bn_runs_draw_the_drift_between_probes_and_the_noise_floor():
    from bnlib.experiments.covariate_shift import layer_drift, summarize
    from bnlib.experiments.numpy_mnist import Run

    z = summarize(np.random.default_rng(0).normal(size=(3, 1, 20, 4)).cumsum(axis=0))
    run = Run(np.array([0, 10, 20]), np.array([0.1, 0.5, 0.8]), z, np.full((3, 3), np.nan), None)
    fig = nb07.noisy_bn_runs({"BN": run}, noise_floor=0.3)
    drift, floor = fig.axes[1].lines
    np.testing.assert_allclose(drift.get_ydata(), layer_drift(z).w1[:, 0])
    assert list(floor.get_ydata()) == [0.3, 0.3]
    assert "10 steps apart" in fig.axes[1].get_ylabel()
    assert len(nb07.noisy_bn_runs({"BN": run}).axes[1].lines) == 1  # no floor unless given


def test_a_median_below_the_zoom_is_written_out(sweep):
    texts = [t.get_text() for t in nb07.batch_sizes(sweep).axes[0].texts]
    assert texts == ["↓ BN: 28–35%"]  # BN at m = 2: 0.3 - 0.02 and 0.3 + 0.05
