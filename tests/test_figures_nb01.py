"""01's figures and dashboards: the numbers they show follow bnlib's maths."""

import numpy as np
import pytest
from scipy.stats import norm

from bnlib.experiments.covariate_shift import (
    Summary,
    layer_drift,
    propagate,
    typical_unit,
    unit_weights,
)
from bnlib.experiments.ics import Traced
from bnlib.experiments.torch_nets import NetConfig, Run
from bnlib.notebook.figures import nb01 as f


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
            assert shown["drift"] == pytest.approx(f.late_drift(r), nan_ok=True)
            assert shown["outcome"] == f.outcome(r)
        assert f"learning rate {lr:g}:" in dash.figure.get_suptitle()


def test_lr_explorer_says_when_a_rate_was_not_trained(grid):
    dash = f.lr_explorer(grid, lr=100.0)
    assert set(dash.shown) == {"with BN"}
    assert dash.figure.get_suptitle() == (
        f"learning rate 100: without BN it was not trained, "
        f"with BN it {f.PHRASE[dash.shown['with BN']['outcome']]}"
    )
    assert all(len(line.get_xdata()) == 0 for line in dash.figure.axes[0].lines[:1])
    assert dash.figure.axes[0].get_title().startswith("at the end: — vs ")


def test_verdict_names_both_networks():
    assert f.verdict({False: "trains", True: "trains"}) == "both networks train"
    assert f.verdict({False: "broke", True: "trains"}) == "without BN it breaks, with BN it trains"
    assert f.verdict({False: "stuck", True: "trains"}).startswith(
        "without BN it is stuck at chance"
    )


def test_lr_table_has_a_row_per_rate_and_bn(grid):
    rows = f.lr_table(list(grid)).splitlines()
    assert len(rows) == 1 + len(grid) and "outcome" in rows[0]
    r = next(r for r in grid if r.config.lr == 0.3 and r.config.bn)
    row = next(line for line in rows[1:] if line.split()[:2] == ["0.3", "yes"])
    assert f"{f.outcome(r)} ×1" in row and f.sci(f.late_drift(r)) in row
    assert f"{100 * r.test_acc[-1]:.1f}%" in row


def test_outcome_breaks_sticks_or_trains():
    p = 10  # probes every 100 steps, 3 layers of 4 units
    moving = [1.0 + 0.1 * k for k in range(p)]
    assert f.outcome(fake_run([0.1] + [0.9] * (p - 1), moving)) == "trains"
    assert f.outcome(fake_run([0.1] * p, moving, loss=[2.3] * p)) == "stuck"
    assert f.outcome(fake_run([0.1] * p, moving, loss=[2.3] * (p - 1) + [2.6])) == "broke"
    frozen = [1.0, 5.0] + [5.0] * (p - 2)  # one jump, then nothing moves
    assert f.outcome(fake_run([0.1] * p, frozen, loss=[2.3] * p)) == "broke"
    nan_run = fake_run([0.1] * p, moving)
    nan_run.train_loss[30:] = np.nan
    assert f.outcome(nan_run) == "broke"


def test_late_averages_the_intervals_after_a_step():
    run = fake_run([0.1] * 6, [1.0, 2.0, 3.0, 4.0, 6.0, 8.0], every=100)  # probes 0..500
    w1 = layer_drift(run.z).w1[:, 2]  # intervals ending at 100..500
    assert f.late(layer_drift(run.z).w1, run, after=300)[2] == pytest.approx(w1[3:].mean())
    assert f.late_drift(run) == pytest.approx(w1[3:].mean())
    assert np.isnan(f.late(layer_drift(run.z).w1, run, after=500)).all()


def test_settled_at_is_the_first_step_from_which_drift_stays_low():
    sigmas = [1.0, 2.0, 2.5, 2.55, 2.6, 2.62]  # W1 of a change of sigma s: |ds| * 0.8
    run = fake_run([0.1] * 6, sigmas, every=100)
    w1 = layer_drift(run.z).w1[:, 2]
    assert np.all(w1[2:] < 0.1) and w1[1] > 0.1
    assert f.settled_at(run, level=0.1) == 200
    assert f.settled_at(run, level=1e-6) is None


def test_saturated_share_counts_inputs_beyond_four():
    run = fake_run([0.1, 0.1], [1.0, 1.0], mean=[0.0, -4.0])  # half of N(-4, 1) is below -4
    assert f.saturated_share(run) == pytest.approx(0.5)
    assert f.saturated_share(fake_run([0.1, 0.1], [1.0, 1.0])) == 0.0


def traced(run, held):
    """A Traced-like record whose cross z (the layer's old parameters on the new input) is
    ``held``: "then" (nothing but the parameters moved) or "now" (only the input moved)."""
    cut = slice(None, -1) if held == "then" else slice(1, None)
    return Traced(run, Summary(*(a[cut] for a in run.z)))


def test_split_numbers_give_the_moved_part_all_the_drift():
    run = fake_run([0.1, 0.5, 0.9, 0.9, 0.9], [1.0, 1.5, 2.0, 2.5, 3.5], every=100)
    total = f.late(layer_drift(run.z).w1, run)
    own = f.split_numbers(traced(run, "then"))
    np.testing.assert_allclose(own["own"], total)
    np.testing.assert_allclose(own["ics"], 0.0)
    ics = f.split_numbers(traced(run, "now"))
    np.testing.assert_allclose(ics["ics"], total)
    rel = f.late(layer_drift(run.z, relative=True).w1, run)
    np.testing.assert_allclose(ics["ics_rel"], rel)
    np.testing.assert_allclose(ics["sigma_end"], 3.5)


def test_split_table_and_figure_show_medians_over_seeds():
    runs = [fake_run([0.1] * 5, [1.0, 1.0 + d, 1.0 + 2 * d, 1.0 + 3 * d, 1.0 + 4 * d])
            for d in (0.1, 0.2, 0.4)]  # fmt: skip
    traces = {False: [traced(r, "now") for r in runs], True: [traced(r, "then") for r in runs]}
    ics = [f.split_numbers(t)["ics"][2] for t in traces[False]]
    table = f.split_table(traces).splitlines()
    assert len(table) == 1 + 2 * 3 and f.span(ics) in table[3]
    fig = f.split_figure(traces)
    heights = [p.get_height() for p in fig.axes[0].patches]  # without BN's 3 bars, then BN's
    assert heights[2] == pytest.approx(np.median(ics)) and heights[3:] == [0.0] * 3


def test_figures_draw_what_they_are_given():
    a = fake_run([0.1, 0.5, 0.9], [1.0, 1.5, 2.0], mean=[0, -1, -2])
    b = fake_run([0.1, 0.8, 0.9], [1.0, 1.1, 1.2], bn=True)
    fig = f.percentiles_over_steps({"without BN": a, "with BN": b})
    assert len(fig.axes) == 2 and all(len(ax.lines) == 3 for ax in fig.axes)
    u = typical_unit(a.z, 2)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), a.z.percentiles[:, 2, u, 1])
    assert fig.axes[0].get_title() == f"without BN: unit {u} of layer 3"
    fig = f.drift_over_steps({"without BN": a})
    np.testing.assert_allclose(fig.axes[0].lines[2].get_ydata(), layer_drift(a.z).w1[:, 2])
    assert "per 100 steps" in fig.axes[0].get_ylabel()
    fig = f.remedies_figure({"x": (a, b)})
    relative = layer_drift(a.z, relative=True).w1[:, 2]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), relative)
    broke = fake_run([0.1, 0.1], [1, 1], lr=10.0, loss=[2.3, 2.6])
    fig = f.lr_summary([a, b, broke])
    acc_ax = fig.axes[2]
    crosses = [line for line in acc_ax.lines if line.get_marker() == "x" and len(line.get_xdata())]
    assert [line.get_xdata().tolist() for line in crosses] == [[10.0]]  # the broken run
    assert [t.get_text() for t in acc_ax.get_xticklabels()][:3] == ["0.1", "0.3", "1"]


def test_run_numbers_follow_the_records():
    run = fake_run([0.1, 0.5, 0.85, 0.9, 0.95], [1.0, 2.0, 2.0, 2.0, 4.0], every=100)
    n = f.run_numbers(run, target=0.8)
    assert n["accuracy"] == 0.95 and n["steps_to"] == 200 and n["outcome"] == "trains"
    assert n["sigma_start"] == pytest.approx(1.0) and n["sigma_end"] == pytest.approx(4.0)
    w1 = layer_drift(run.z).w1[:, 2]  # probe intervals ending at steps 100..400
    assert n["late"] == pytest.approx(w1[-1])  # only (300, 400] ends after step 300
    assert n["late_rel"] == pytest.approx(layer_drift(run.z, relative=True).w1[-1, 2])


def test_numbers_table_gives_ranges_over_seeds():
    seeds = [fake_run([0.1, 0.5, a, 0.9, 0.95], [1.0, 2.0, 2.0, 2.0, 4.0]) for a in (0.7, 0.85)]
    table = f.numbers_table({"a remedy": seeds}, target=0.8)
    head, row = table.splitlines()
    assert "steps to 80%" in head and "95.0–95.0%" in row and "200–300" in row
    nan_run = fake_run([0.1, 0.1], [1, 1])
    nan_run.train_loss[3:] = np.nan
    assert "broke in 1 of 1 seeds (NaN by step 3)" in f.numbers_table({"x": [nan_run]})
    assert "never" in f.numbers_table({"slow": [fake_run([0.1, 0.2], [1, 1.2])]})
    assert f.per_seed_steps([None, 900, 1000]) == "never, 900, 1000"
    assert f.per_seed_steps([None, None]) == "never"
    assert f.per_seed_steps([200, 200]) == "200" and f.per_seed_steps([300, 400]) == "300–400"


def test_select_and_by_lr():
    runs = [fake_run([0.1, 0.2], [1, 1], lr=lr, bn=bn) for lr in (3.0, 0.3) for bn in (0, 1)]
    assert [r.config.lr for r in f.select(runs, bn=True)] == [3.0, 0.3]
    assert list(f.by_lr(runs, bn=False)) == [0.3, 3.0]


def test_split_numbers_shape_part_ignores_mean_and_scale():
    run = fake_run([0.1] * 5, [1.0, 1.5, 2.0, 2.5, 3.5], mean=[0, 1, 2, 3, 4])  # Gaussians
    n = f.split_numbers(traced(run, "now"))
    assert np.all(n["ics"][2] > 0.5)
    np.testing.assert_allclose(n["ics_shape"], 0.0, atol=1e-12)
    assert "ICS, shape" in f.split_table({False: [traced(run, "now")]}).splitlines()[0]


def test_bn_cut_divides_the_medians_without_bn_by_those_with_bn():
    runs = [fake_run([0.1] * 5, [1.0, 1.0 + d, 1.0 + 2 * d, 1.0 + 3 * d, 1.0 + 4 * d])
            for d in (0.1, 0.2, 0.4)]  # fmt: skip
    slow = [fake_run([0.1] * 5, [1.0, 1.05, 1.1, 1.15, 1.2]) for _ in range(3)]
    cut = f.bn_cut(
        {False: [traced(r, "now") for r in runs], True: [traced(r, "now") for r in slow]}
    )
    want = np.median([f.split_numbers(traced(r, "now"))["ics"][2] for r in runs])
    assert cut[2] == pytest.approx(want / f.split_numbers(traced(slow[0], "now"))["ics"][2])
    none = f.bn_cut(
        {False: [traced(r, "now") for r in runs], True: [traced(r, "then") for r in runs]}
    )
    assert np.isnan(none).all()  # nothing to divide by: no ICS with "BN"


def test_relative_drift_is_not_shown_where_sigma_b_is_tiny():
    run = fake_run([0.1] * 5, [1e-4, 0.005, 0.5, 1.0, 1.5])
    rel = f.relative_drift(run)
    assert np.isnan(rel[:2]).all()  # intervals starting at sigma 1e-4 and 0.005
    np.testing.assert_allclose(rel[2:], layer_drift(run.z, relative=True).w1[2:, 2])
    tiny = fake_run([0.1] * 5, [1e-4, 2e-4, 4e-4, 8e-4, 2e-3])
    assert np.isnan(f.late_drift(tiny, relative=True)) and f.late_drift(tiny) > 0
    table = f.numbers_table({"tiny": [tiny]})
    assert " / —" in table.splitlines()[1] and table.splitlines()[-1].startswith("—: σ_B below")
    fig = f.remedies_figure({"x": (run,)})
    assert np.isnan(fig.axes[1].lines[0].get_ydata()[:2]).all()


def test_lr_layer_table_gives_every_layers_drift():
    a = fake_run([0.1, 0.5, 0.9, 0.9, 0.9], [1.0, 1.5, 2.0, 2.5, 3.5], lr=3.0)
    broke = fake_run([0.1, 0.1], [1, 2], lr=10.0, loss=[2.3, 2.6])
    rows = f.lr_layer_table([a, broke]).splitlines()
    assert rows[0].split()[2:] == ["layer", "1", "layer", "2", "layer", "3"]
    w1 = layer_drift(a.z).w1
    want = f"{f.sci(w1[0, 1])} / {f.sci(f.late(w1, a)[1])}"
    assert want in rows[1] and rows[2].count("(broke)") == 3


def test_lr_summary_labels_the_narrow_middle_panel():
    a = fake_run([0.1, 0.5, 0.9, 0.9, 0.9], [1.0, 1.05, 1.1, 1.15, 1.2], lr=3.0)
    b = fake_run([0.1, 0.5, 0.9, 0.9, 0.9], [1.0, 1.2, 1.4, 1.6, 1.8], lr=10.0)
    fig = f.lr_summary([a, b])
    fig.canvas.draw()
    ax = fig.axes[1]
    lo, hi = ax.get_ylim()
    assert len([t for t in ax.get_yticks() if lo <= t <= hi]) >= 2
    assert "total" in fig.axes[0].get_ylabel()


def test_propagation_notes_sit_inside_the_panels():
    dash = f.propagation()
    for ax in dash.figure.axes:
        for t in ax.texts:
            x, y = t.get_position()
            assert 0 <= x <= 1 and 0 <= y <= 1
