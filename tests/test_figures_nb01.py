"""01's figures and dashboards: the numbers they show follow bnlib's maths."""

import numpy as np
import pytest
from scipy.stats import norm

from bnlib.figures import nb01 as f
from bnlib.nets import NetConfig, Run
from bnlib.shift import Summary, layer_drift, propagate, typical_unit, unit_weights


def fake_run(acc, sigma, mean=None, lr=1.0, bn=False, loss=None, every=100):
    """A Run with P probes of 3 layers x 4 units; z ~ N(mean, sigma^2) per probe, by quantiles."""
    p = len(acc)
    sigma = np.broadcast_to(np.asarray(sigma, float).reshape(-1, 1, 1), (p, 3, 4))
    mean = np.broadcast_to(np.asarray(mean or 0.0, float).reshape(-1, 1, 1), (p, 3, 4))
    levels = (np.arange(20) + 0.5) / 20
    q = mean[..., None] + sigma[..., None] * norm.ppf(levels)
    pct = mean[..., None] + sigma[..., None] * norm.ppf([0.15, 0.5, 0.85])
    loss = np.linspace(2.3, 1.0, p) if loss is None else np.asarray(loss, float)
    return Run(NetConfig(lr=lr, bn=bn), np.arange(p) * every, loss, np.asarray(acc, float),
               np.ones(every * (p - 1)), Summary(mean, sigma, pct, q))  # fmt: skip


def test_propagation_shows_propagate_at_the_chosen_depth_and_scale():
    dash = f.propagation()
    dash.controls["gain"].value = 1.3
    dash.controls["depth"].value = 7
    x = f.digits()
    ws = unit_weights((784,) + (100,) * 20, seed=0)
    for act, init in [("relu", "he"), ("tanh", "xavier"), ("sigmoid", "gaussian")]:
        want = propagate(x, ws, act, init, 1.3).std[6]
        assert dash.shown[f"{act}/{init}"] == pytest.approx(want, rel=1e-9)
    assert (
        "through 7 layers" in dash.figure.texts[-1].get_text()
        or "through 7 layers" in dash.figure.get_suptitle()
    )


def test_propagation_relu_he_compounds_the_scale():
    dash = f.propagation()
    dash.controls["depth"].value = 12
    base = dash.shown["relu/he"]
    dash.controls["gain"].value = 1.1
    assert dash.shown["relu/he"] / base == pytest.approx(1.1**12, rel=1e-9)
    texts = [t.get_text() for ax in dash.figure.axes for t in ax.texts]
    assert texts.count("$\\sigma_B$ at layer 12:") == 3
    assert f"He: {f.sigma_text(dash.shown['relu/he'])}" in texts


def test_sigma_text_floors_rounding_noise():
    assert f.sigma_text(3e-18) == "< 1e-12"
    assert f.sigma_text(3.3e-10) == "3.3e-10"
    assert f.sigma_text(0.7251) == "0.73"
    assert f.sci(1234.5) == "1.2e+03" and f.sci(-29.29) == "-29.29"


@pytest.fixture(scope="module")
def grid():
    return f.quick_lr_grid()


def test_lr_explorer_shows_each_runs_numbers(grid):
    dash = f.lr_explorer(grid, lr=3.0)
    for lr in (0.3, 10.0, 100.0):
        dash.controls["lr"].value = lr
        for r in (r for r in grid if r.config.lr == lr):
            shown = dash.shown[f.BN_LABEL[r.config.bn]]
            assert shown["accuracy"] == r.test_acc[-1]
            assert shown["drift"] == pytest.approx(np.mean(layer_drift(r.z).w1[:, 2]))
            assert shown["broken"] == f.broken(r)
        assert f"learning rate {lr:g}:" in dash.figure.get_suptitle()


def test_lr_explorer_says_when_a_rate_was_not_trained(grid):
    dash = f.lr_explorer(grid, lr=30.0)
    assert set(dash.shown) == {"with BN"}
    assert dash.figure.get_suptitle() == (
        f"learning rate 30: without BN not trained, with BN {f.STATE[dash.shown['with BN']['broken']]}"
    )
    assert all(len(line.get_xdata()) == 0 for line in dash.figure.axes[0].lines[:1])
    assert dash.figure.axes[0].get_title().startswith("at the end: — vs ")


def test_lr_table_has_a_row_per_rate(grid):
    rows = f.lr_table(list(grid)).splitlines()
    assert len(rows) == 2 + 6 and rows[-1].lstrip().startswith("100 ")
    assert "not trained" in rows[-1] and "not trained" not in rows[2]
    r = next(r for r in grid if r.config.lr == 0.3 and not r.config.bn)
    assert f.sci(f.mean_drift(r)) in rows[2]


def test_broken_means_nan_or_a_loss_no_lower_than_at_the_start():
    assert not f.broken(fake_run([0.1, 0.1], [1, 1], loss=[2.3, 2.29]))  # stuck, still creeping
    assert f.broken(fake_run([0.1, 0.1], [1, 1], loss=[2.3, 2.4]))  # saturated
    nan_run = fake_run([0.1, 0.1], [1, 1])
    nan_run.train_loss[30:] = np.nan
    assert f.broken(nan_run)


def test_run_numbers_follow_the_records():
    run = fake_run([0.1, 0.5, 0.85, 0.9, 0.95], [1.0, 2.0, 2.0, 2.0, 4.0], every=100)
    n = f.run_numbers(run, target=0.8, early=200, late=200)
    assert n["accuracy"] == 0.95 and n["steps_to"] == 200
    assert n["sigma_start"] == pytest.approx(1.0) and n["sigma_end"] == pytest.approx(4.0)
    w1 = layer_drift(run.z).w1[:, 2]  # probe intervals ending at steps 100..400
    assert n["drift_early"] == pytest.approx(w1[:2].mean())
    assert n["drift_late"] == pytest.approx(w1[-2:].mean())
    table = f.numbers_table({"a run": run}, target=0.8)
    assert "steps to 80%" in table.splitlines()[0] and "95.0%" in table and "200" in table
    assert "never" in f.numbers_table({"slow": fake_run([0.1, 0.2], [1, 1])})


def test_figures_draw_what_they_are_given():
    a = fake_run([0.1, 0.5, 0.9], [1.0, 1.5, 2.0], mean=[0, -1, -2])
    b = fake_run([0.1, 0.8, 0.9], [1.0, 1.0, 1.0], bn=True)
    fig = f.percentiles_over_steps({"without BN": a, "with BN": b})
    assert len(fig.axes) == 2 and all(len(ax.lines) == 3 for ax in fig.axes)
    u = typical_unit(a.z, 2)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), a.z.percentiles[:, 2, u, 1])
    assert fig.axes[0].get_title() == f"without BN: unit {u} of layer 3"
    fig = f.drift_over_steps({"without BN": a})
    np.testing.assert_allclose(fig.axes[0].lines[2].get_ydata(), layer_drift(a.z).w1[:, 2])
    fig = f.remedies_figure({"x": (a, b)})
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), f.sigma_b(a))
    fig = f.lr_summary([a, b, fake_run([0.1, 0.1], [1, 1], lr=10.0, loss=[2.3, 2.5])])
    acc_ax = fig.axes[1]
    assert [line.get_label() for line in acc_ax.lines[::2]] == ["without BN", "with BN"]
    assert acc_ax.lines[1].get_xdata().tolist() == [10.0]  # the cross marks the broken run
