"""06's figures (Figure 1 a, the learning-rate variants and dashboard, depth): what they show is
what the runs hold."""

import dataclasses

import numpy as np
import pytest

from bnlib.experiments.paper import fewer_steps_by_seed, typical_percentiles
from bnlib.experiments.sigmoid_depth import sigma_b
from bnlib.notebook.figures import nb06 as f
from tests.test_paper import fake_run

P = 5  # probes at steps 0, 10, ..., 40


def fig1_runs():
    without = [fake_run([0.1, 0.3, 0.6, 0.85, 0.9 + 0.01 * s], seed=s, p=P) for s in range(3)]
    with_bn = [fake_run([0.1, 0.8, 0.9, 0.92, 0.93], seed=s, bn=True, p=P) for s in range(3)]
    return without + with_bn


def test_accuracy_bands_draw_median_and_range_over_seeds_and_zoom_in():
    fig = f.accuracy_bands(fig1_runs(), zoom=(70, 100))
    for ax in fig.axes:
        np.testing.assert_allclose(ax.lines[0].get_ydata(), [10, 30, 60, 85, 91])  # median
        np.testing.assert_allclose(ax.lines[1].get_ydata(), [10, 80, 90, 92, 93])
    labels = fig.axes[0].get_legend_handles_labels()[1][:2]
    assert labels == ["without BN: median of 3 seeds", "with BN: median of 3 seeds"]
    assert fig.axes[1].get_ylim() == (70, 100) and fig.axes[1].get_xlim() == (8, 40)


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ([3.0, 2.5, 6.7], "3.0 (2.5–6.7)"),
        ([-2.3, -2.6, -2.2], "-2.3 (-2.6 to -2.2)"),
        ([1.0, 1.0, np.nan], "1.0"),
        ([np.nan], "—"),
    ],
)
def test_med_range(values, text):
    assert f.med_range(values) == text


@pytest.mark.parametrize(
    ("x", "text"), [(0.9, "90%"), (0.897, "89.7%"), (0.1, "10%"), (0.9999, "100%")]
)
def test_pct_keeps_one_decimal_at_most(x, text):
    assert f.pct(x) == text


def run(acc, lr, bn=False, lr_invariant=None, seed=0):
    r = fake_run(acc, seed=seed, bn=bn, lr=lr, p=P)
    r.config = dataclasses.replace(r.config, lr_invariant=lr_invariant)
    return r


def sweep(seed=0):
    """Seed 0: the baseline's best is 0.91 at step 40; BN x1 gets there at 20, x5 at 10."""
    return [
        run([0.1, 0.5, 0.8, 0.9, 0.91], 3.0, seed=seed),
        run([0.1] * P, 15.0, seed=seed),  # without BN at x5: broken
        run([0.1, 0.9, 0.92, 0.93, 0.94], 3.0, bn=True, seed=seed),
        run([0.1, 0.92, 0.93, 0.94, 0.94], 15.0, bn=True, seed=seed),
        run([0.1] * P, 90.0, bn=True, seed=seed),  # BN-x30: broken
        run([0.1, 0.5, 0.95, 0.95, 0.95], 3.0, bn=True, lr_invariant=90.0, seed=seed),
    ]


def test_variants_figure_puts_each_seed_at_its_steps_to_target_never_right_of_the_end():
    runs = sweep(0) + sweep(1)
    base = [r for r in runs if not r.config.bn and r.config.lr == 3.0]
    fig = f.variants_figure(runs, base)
    ax_acc, ax_steps = fig.axes
    dots = [line for line in ax_steps.lines if line.get_linestyle() == "None"]
    hits = [list(line.get_xdata()) for line in dots]
    assert hits == [[40, 40], [50, 50], [20, 20], [10, 10], [50, 50], [20, 20]]  # never: 1.25 x 40
    x5 = fewer_steps_by_seed(base, [r for r in runs if r.config.bn and r.config.lr == 15.0])
    np.testing.assert_allclose(x5, [4.0, 4.0])  # what the dots at 10 against 40 say
    accs = [line.get_xdata() for line in ax_acc.lines if line.get_marker() == "o"]
    np.testing.assert_allclose(accs[2], [94.0, 94.0])  # with BN x1 at the end
    labels = [t.get_text() for t in ax_acc.get_yticklabels()]
    assert labels[-1] == "with BN, ×30 before BN, ×1 rest" and labels[0] == "without BN, ×1"


def test_variants_figure_tags_shorter_runs():
    runs = sweep(0)
    runs[4] = fake_run([0.1, 0.1, 0.1], bn=True, lr=90.0, p=3)  # 20 steps, not 40
    fig = f.variants_figure(runs, runs[:1])
    assert "with BN, ×30 (20 steps)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_depth_figure_draws_each_run_and_the_signal():
    runs = [
        fake_run([0.1] * 3 + [0.1, a], depth=d, bn=bn, p=P)
        for d, a in ((2, 0.9), (3, 0.1))
        for bn in (False, True)
    ]
    xavier = fake_run([0.1] * P, depth=3, p=P)
    xavier.config = dataclasses.replace(xavier.config, init="xavier")
    signal = {"std 0.01": np.array([1.0, 0.1, 0.01]), "Xavier": np.array([1.0, 0.5, 0.25])}
    fig = f.depth_figure([*runs, xavier], signal)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels[:3] == [
        "without BN, 2 layers",
        "without BN, 3 layers",
        "without BN, 3 layers, Xavier",
    ]
    assert fig.axes[0].lines[0].get_ydata()[-1] == 90.0
    assert fig.axes[0].lines[2].get_color() == f.PALETTE["green"]
    small, big, bn = fig.axes[1].lines
    np.testing.assert_allclose(small.get_ydata(), [1.0, 0.1, 0.01])
    np.testing.assert_allclose(big.get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(bn.get_ydata(), [sigma_b(runs[3], 0, i) for i in range(3)])


def test_dashboard_shows_the_chosen_rate_and_what_is_not_trained():
    runs = sweep(0)
    dash = f.learning_rate_sweep(runs, choice="×5")
    without, with_bn = dash.shown["without BN"], dash.shown["with BN"]
    assert without["broken"] and without["steps_to"] is None and without["accuracy"] == 0.1
    assert with_bn["steps_to"] == 10 and not with_bn["broken"]
    assert with_bn["median_input"] == pytest.approx(typical_percentiles(runs[3], 2)[-1, 1])
    assert dash.figure.get_suptitle() == "learning rate ×5 the base 3 (seed 0)"
    dash.controls["choice"].value = "×30 before BN, ×1 rest"
    assert set(dash.shown) == {"with BN"} and dash.shown["with BN"]["steps_to"] == 20
    assert "without BN: not trained at this rate" in dash.figure.axes[0].get_title()
    assert dash.figure.get_suptitle() == "learning rate ×30 before BN, ×1 rest (seed 0)"


def test_the_registered_dashboard_builds_from_a_quick_sweep():
    dash = f.learning_rate_sweep()
    assert dash.controls["choice"].value == "×5"
    assert np.isfinite(dash.shown["with BN"]["accuracy"])


def test_variants_figure_alt_text_lists_the_rows_and_those_at_chance():
    runs = sweep(0) + sweep(1)
    fig = f.variants_figure(runs, [r for r in runs if not r.config.bn and r.config.lr == 3.0])
    rows, chance = fig.alt.split("Rows, top to bottom: ")[1].split(". At chance")
    assert rows.split("; ")[0] == "without BN, ×1" and len(rows.split("; ")) == 6
    assert chance.endswith(": without BN, ×5 (2 of 2 seeds); with BN, ×30 (2 of 2 seeds).")
