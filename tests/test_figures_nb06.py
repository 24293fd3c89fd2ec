"""06's figures, tables and dashboard: what they show is what the runs hold."""

import numpy as np
import pytest

from bnlib.figures import nb06 as f
from bnlib.paper import typical_percentiles
from tests.test_paper import fake_run

P = 5  # probes at steps 0, 10, ..., 40


def fig1_runs():
    without = [fake_run([0.1, 0.3, 0.6, 0.85, 0.9 + 0.01 * s], seed=s, p=P) for s in range(3)]
    with_bn = [fake_run([0.1, 0.8, 0.9, 0.92, 0.93], seed=s, bn=True, p=P) for s in range(3)]
    return without + with_bn


def sweep():
    accs = {0.1: [0.1, 0.1, 0.2, 0.2, 0.3], 1.0: [0.1, 0.5, 0.8, 0.9, 0.91], 5.0: [0.1] * P}
    runs = [fake_run(a, lr=3.0 * m, p=P) for m, a in accs.items()]
    runs += [fake_run([0.1, 0.9 - 0.01 * k, 0.92, 0.93, 0.94], lr=3.0 * m, bn=True, p=P)
             for k, m in enumerate((0.1, 1.0, 5.0, 30.0))]  # fmt: skip
    return runs


def test_accuracy_bands_draw_median_and_range_over_seeds():
    runs = fig1_runs()
    ax = f.accuracy_bands(runs).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [10, 30, 60, 85, 91])  # median of seeds
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [10, 80, 90, 92, 93])
    assert ax.get_legend_handles_labels()[1][:2] == ["without BN: median of 3 seeds",
                                                     "with BN: median of 3 seeds"]  # fmt: skip


def test_percentile_panels_follow_each_seeds_typical_unit():
    runs = fig1_runs()
    fig = f.percentile_band_panels(runs)
    want = np.median([typical_percentiles(r, 2)[:, 1] for r in runs[:3]], axis=0)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), want)
    assert [ax.get_title() for ax in fig.axes] == ["(b) without BN", "(c) with BN"]


def test_figure1_table_lists_each_seed_without_and_with_bn():
    rows = f.figure1_table(fig1_runs(), target=0.9, at=(10, 40)).splitlines()
    assert len(rows) == 1 + 6
    assert rows[1].split()[-3:] == ["30.0%", "90.0%", "40"]  # seed 0 without BN
    assert rows[2].split()[-3:] == ["80.0%", "93.0%", "20"]


def test_sweep_table_and_summary_show_steps_to_target_and_fewer_steps():
    rows = f.sweep_table(sweep(), target=0.9).splitlines()
    assert len(rows) == 2 + 4
    x1 = next(r for r in rows if r.lstrip().startswith("×1 "))
    assert "91.0%" in x1 and x1.split()[-1] == "1.5×"  # 0.9 at step 30 without BN, 20 with
    x30 = rows[-1]
    assert "not trained" in x30 and x30.split()[-1] == "1.5×"
    fig = f.sweep_summary(sweep(), target=0.9)
    steps_ax = fig.axes[1]
    assert steps_ax.lines[0].get_xdata().tolist() == [1.0]  # without BN only x1 gets there
    assert steps_ax.lines[1].get_xdata().tolist() == [0.1, 5.0]  # the x of "never"


def test_dashboard_shows_the_chosen_multiple():
    dash = f.learning_rate_sweep(sweep(), target=0.9, multiplier=5.0)
    assert dash.shown["without BN"] == {"accuracy": 0.1, "steps_to": None, "broken": True}
    assert dash.shown["with BN"]["steps_to"] == 20 and not dash.shown["with BN"]["broken"]
    assert dash.figure.get_suptitle() == "learning rate 15 (×5 the base 3)"
    dash.controls["multiplier"].value = 30.0
    assert set(dash.shown) == {"with BN"}
    assert "without BN: not trained" in dash.figure.axes[0].get_title()
    assert [o[0] for o in dash.controls["multiplier"].options] == ["×1/10", "×1", "×5", "×30"]


@pytest.mark.parametrize(
    ("m", "text"), [(0.1, "×1/10"), (1 / 3, "×1/3"), (1.0, "×1"), (30.0, "×30")]
)
def test_times_writes_multipliers_as_the_paper_does(m, text):
    assert f.times(m) == text


def test_depth_figure_and_table():
    runs = [fake_run([0.1] * 3 + [0.1, a], depth=d, bn=bn, p=P)
            for d, a in ((2, 0.9), (6, 0.1)) for bn in (False, True)]  # fmt: skip
    fig = f.depth_figure(runs)
    assert fig.axes[0].lines[0].get_xdata().tolist() == [2, 6]
    assert fig.axes[1].lines[0].get_ydata()[0] == pytest.approx(f.sigma_b0(runs[0]))
    rows = f.depth_table(runs).splitlines()
    assert rows[2].split()[:3] == ["2", "90.0%", "40"] and rows[3].split()[1:3] == [
        "10.0%",
        "never",
    ]


def test_gap_figure_and_table():
    runs = fig1_runs()
    for r in runs:
        r.train_set_acc = np.minimum(r.test_acc + 0.05, 1.0)
    fig = f.gap_figure(runs)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), 5.0)
    table = f.gap_table(runs).splitlines()
    assert table[1].split()[:5] == ["without", "BN", "96.0%", "91.0%", "5.0"]


@pytest.mark.parametrize(
    ("x", "text"), [(0.9, "90%"), (0.897, "89.7%"), (0.1, "10%"), (0.9999, "100%")]
)
def test_pct_keeps_one_decimal_at_most(x, text):
    assert f.pct(x) == text
