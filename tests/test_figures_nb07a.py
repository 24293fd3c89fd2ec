"""07a_the_ics_debate's figures draw the numbers they are given: the drift between probes and
the noise floor, L·η (L-smoothness times the learning rate) per seed, gradient ICS per seed."""

import numpy as np
from matplotlib.figure import Figure

from bnlib.experiments.covariate_shift import layer_drift, summarize, typical_unit
from bnlib.experiments.landscape import descend
from bnlib.experiments.numpy_mnist import ProbedRun
from bnlib.nn.mlp import mlp
from bnlib.nn.toys import linear_map
from bnlib.notebook.figures import nb07a


def _descents():
    x, t = linear_map(40, 3)
    return {
        label: [
            descend(
                mlp([3] * 5, activation="identity", norm=norm, seed=s),
                x,
                t,
                lr=1e-3,
                steps=4,
                every=2,
                distances=[0.01, 0.1],
                ics_layer=1,
            )
            for s in range(2)
        ]
        for label, norm in (("no BN", None), ("BN", "batch"))
    }


def test_landscape_plots_l_times_eta_per_seed_and_names_the_distances():
    descents = _descents()
    fig = nb07a.landscape(descents, lr=1e-3, distances=[0.01, 0.1])
    assert isinstance(fig, Figure)
    l_eta = fig.axes[1].lines  # the second panel plots L * eta, one line per run
    np.testing.assert_allclose(l_eta[0].get_ydata(), 1e-3 * descents["no BN"][0].smoothness)
    np.testing.assert_allclose(l_eta[-1].get_ydata(), [2, 2])  # the edge of stability, L = 2/eta
    titles = [ax.get_title() for ax in fig.axes[1:4]]
    assert "L-smoothness" in titles[0] and "β" not in titles[0]  # β is BN's shift only
    assert all("d = 0.01–0.1" in title for title in titles)  # which distances each panel is over
    assert all(ax.get_ylabel() for ax in fig.axes[:4])  # every panel says what it plots


def test_gradient_ics_draws_a_line_per_seed_and_network():
    ics = {label: [(d.steps, d.ics) for d in runs] for label, runs in _descents().items()}
    fig = nb07a.gradient_ics(ics, "title")
    assert len(fig.axes[0].lines) == 4
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), ics["no BN"][0][1][:, 2])


def test_noisy_bn_runs_draw_the_drift_given_and_the_noise_floor():
    z = summarize(np.random.default_rng(0).normal(size=(3, 1, 20, 4)).cumsum(axis=0))
    run = ProbedRun(
        np.array([0, 10, 20]), np.array([0.1, 0.5, 0.8]), z, np.full((3, 3), np.nan), None
    )
    w1 = {"BN": layer_drift(z).w1[:, 0]}
    fig = nb07a.noisy_bn_runs({"BN": run}, w1, noise_floor=0.3)
    drift, floor = fig.axes[1].lines
    np.testing.assert_allclose(drift.get_ydata(), w1["BN"])
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [10, 50, 80])  # in %
    assert list(floor.get_ydata()) == [0.3, 0.3]
    assert "10 steps apart" in fig.axes[1].get_ylabel()
    assert len(nb07a.noisy_bn_runs({"BN": run}, w1).axes[1].lines) == 1  # no floor unless given


def test_unit_percentiles_draws_three_percentiles_of_the_typical_unit():
    z = summarize(np.random.default_rng(1).normal(size=(3, 1, 50, 5)))
    run = ProbedRun(np.array([0, 10, 20]), np.zeros(3), z, np.full((3, 3), np.nan), None)
    fig = nb07a.unit_percentiles({"BN": run, "no BN": run})
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3
    u = typical_unit(z, 0)
    np.testing.assert_allclose(
        fig.axes[0].lines[1].get_ydata(), z.percentiles[:, 0, u, 1]
    )  # median
    assert fig.axes[0].get_title().startswith(f"BN: unit {u}")
