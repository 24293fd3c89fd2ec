"""01's figures, tables and dashboards show numbers that follow from the maths: a forward pass
written out here, and fake runs whose drifts have a closed form (tests/fake_runs.py)."""

import numpy as np
import pytest
from scipy.stats import norm

from bnlib.experiments.covariate_shift import unit_weights
from bnlib.notebook.figures import nb01 as f
from tests.fake_runs import K, fake_run

STD = {  # the init schemes' weight stds, from their definitions
    "gaussian": lambda n_in, n_out: 0.01,
    "xavier": lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)),
    "he": lambda n_in, n_out: np.sqrt(2 / n_in),
}
G = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


def sigma_at(x, weights, act, init, depth, gain=1.0):
    """σ_B of layer ``depth``'s input z, RMS over its units: the network written out."""
    h = x
    for w in weights[:depth]:
        z = h @ (gain * STD[init](*w.shape) * w)
        h = G[act](z)
    return np.sqrt(np.mean(z.var(axis=0)))


@pytest.fixture(scope="module")
def net():
    return f.digits(), unit_weights((784,) + (100,) * 20, seed=0)


def test_propagation_shows_each_layers_sigma_b_at_the_chosen_depth_and_scale(net):
    dash = f.propagation()
    dash.controls["gain"].value = 1.3
    dash.controls["depth"].value = 7
    for act, init in [("relu", "he"), ("tanh", "xavier"), ("sigmoid", "he")]:
        want = sigma_at(*net, act, init, depth=7, gain=1.3)
        assert dash.shown[f"{act}/{init}"] == pytest.approx(want, rel=1e-9)
    assert "through 7 layers" in dash.figure.get_suptitle()
    assert "× 1.30" in dash.figure.get_suptitle()


def test_propagation_relu_he_compounds_the_scale():
    dash = f.propagation()
    dash.controls["depth"].value = 12
    base = dash.shown["relu/he"]
    dash.controls["gain"].value = 1.1
    assert dash.shown["relu/he"] / base == pytest.approx(1.1**12, rel=1e-9)  # ReLU(a z) = a ReLU(z)
    texts = [t.get_text() for ax in dash.figure.axes for t in ax.texts]
    assert texts.count("$\\sigma_B$ at layer 12:") == 3
    assert f"He: {f.sigma_text(dash.shown['relu/he'])}" in texts


def test_propagation_notes_sit_inside_the_panels():
    for ax in f.propagation().figure.axes:
        for t in ax.texts:
            x, y = t.get_position()
            assert 0 <= x <= 1 and 0 <= y <= 1


def test_sigma_text_floors_rounding_noise():
    assert f.sigma_text(3e-18) == "< 1e-12"
    assert f.sigma_text(3.3e-10) == "3.3e-10"
    assert f.sigma_text(0.7251) == "0.73"
    assert f.sci(1234.5) == "1.2e+03" and f.sci(-29.29) == "-29.29"


def moving_units(bn=False):
    """Unit c of every layer: sigma 1 + 0.1 p (c + 1) at probe p, mean -p. Unit c moves in
    proportion to c + 1, so the unit that moved a median amount of the four is unit 1."""
    p, c = np.arange(5)[:, None, None], np.arange(4)[None, None, :]
    sigma = np.broadcast_to(1 + 0.1 * p * (c + 1), (5, 3, 4))
    mean = np.broadcast_to(-1.0 * p, (5, 3, 4))
    return fake_run([0.1, 0.5, 0.9, 0.9, 0.9], sigma, mean=mean, bn=bn)


def test_percentiles_over_steps_draws_the_typical_units_percentiles():
    fig = f.percentiles_over_steps({"without BN": moving_units(), "with BN": moving_units(True)})
    assert len(fig.axes) == 2 and all(len(ax.lines) == 3 for ax in fig.axes)
    assert fig.axes[0].get_title() == "without BN: unit 1 of layer 3"
    p = np.arange(5)
    for line, level in zip(fig.axes[0].lines, (0.15, 0.5, 0.85), strict=True):
        want = -p + (1 + 0.2 * p) * norm.ppf(level)  # unit 1: sigma 1 + 0.2 p
        np.testing.assert_allclose(line.get_ydata(), want, atol=1e-12)
    assert fig.axes[1].lines[0].get_color() == f.BN_COLOR[True]


def test_verdict_names_both_networks():
    assert f.verdict({False: "trains", True: "trains"}) == "both networks train"
    assert f.verdict({False: "broke", True: "trains"}) == "without BN it breaks, with BN it trains"
    assert f.verdict({False: None, True: "broke"}) == (
        "without BN it was not trained, with BN it breaks"
    )


@pytest.fixture(scope="module")
def lr_grid():
    """Without BN: trains at 1, breaks at 10 (its loss ends up); with BN: trains at 1 and 10,
    breaks at 100. Layer 3's sigma grows by a known step after step 300: 0.3 or 0.1."""
    up = [2.3, 2.2, 2.3, 2.4, 2.6]
    return [
        fake_run([0.1, 0.5, 0.6, 0.7, 0.8], [1.0, 1.3, 1.6, 1.9, 2.2], lr=1.0),
        fake_run([0.1, 0.9, 0.9, 0.9, 0.92], [1.0, 1.1, 1.2, 1.3, 1.4], lr=1.0, bn=True),
        fake_run([0.1] * 5, [1.0, 1.3, 1.6, 1.9, 2.2], lr=10.0, loss=up),
        fake_run([0.1, 0.9, 0.9, 0.9, 0.93], [1.0, 1.1, 1.2, 1.3, 1.4], lr=10.0, bn=True),
        fake_run([0.1] * 5, [1.0, 1.1, 1.2, 1.3, 1.4], lr=100.0, bn=True, loss=up),
    ]


def test_lr_explorer_shows_each_runs_numbers(lr_grid):
    dash = f.lr_explorer(lr_grid, lr=1.0)
    assert dash.shown["without BN"] == pytest.approx(
        {"accuracy": 0.8, "outcome": "trains", "drift": 0.3 * K}
    )
    assert dash.shown["with BN"]["drift"] == pytest.approx(0.1 * K)
    assert dash.figure.get_suptitle() == "learning rate 1: both networks train"
    dash.controls["lr"].value = 10.0
    assert dash.shown["without BN"]["outcome"] == "broke"
    assert dash.shown["with BN"]["accuracy"] == 0.93
    assert dash.figure.get_suptitle() == "learning rate 10: without BN it breaks, with BN it trains"
    assert dash.figure.axes[0].get_title() == "at the end: 10.0% vs 93.0%"


def test_lr_explorer_says_when_a_rate_was_not_trained(lr_grid):
    dash = f.lr_explorer(lr_grid, lr=100.0)
    assert set(dash.shown) == {"with BN"}
    assert dash.figure.get_suptitle() == (
        "learning rate 100: without BN it was not trained, with BN it breaks"
    )
    assert all(len(line.get_xdata()) == 0 for line in dash.figure.axes[0].lines[:1])
    assert dash.figure.axes[0].get_title() == "at the end: — vs 10.0%"
    assert dash.figure.axes[2].get_title() == "without BN: not trained"
