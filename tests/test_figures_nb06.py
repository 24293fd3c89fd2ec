"""06's figures and tables (Figure 1, depth, the gap): what they show is what the runs hold."""

import dataclasses

import numpy as np
import pytest

from bnlib.experiments.paper import at_fit, movement, typical_percentiles
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
    assert fig.axes[0].get_legend_handles_labels()[1][:2] == [
        "without BN: median of 3 seeds", "with BN: median of 3 seeds"]  # fmt: skip
    assert fig.axes[1].get_ylim() == (70, 100) and fig.axes[1].get_xlim() == (8, 40)


def test_percentile_panels_follow_each_seeds_typical_unit():
    runs = fig1_runs()
    fig = f.percentile_band_panels(runs)
    want = np.median([typical_percentiles(r, 2)[:, 1] for r in runs[:3]], axis=0)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), want)
    assert [ax.get_title() for ax in fig.axes] == ["(b) without BN", "(c) with BN"]


def test_movement_table_gives_median_and_range_of_paper_movement():
    runs = fig1_runs()
    rows = f.movement_table(runs, windows=((10, 40),)).splitlines()
    assert len(rows) == 1 + 2
    moved = np.stack([movement(r, 2, 10, 40) for r in runs[3:]])  # with BN, (S, 3)
    want = f.med_range(moved[:, 0], lambda v: f.num(v, 2))
    assert rows[2].startswith("with BN") and want in rows[2]


def test_movement_table_until_an_accuracy_compares_at_the_same_progress():
    runs = fig1_runs()  # without BN reaches 85% at step 30, with BN at step 20
    rows = f.movement_table(runs, windows=((0, 10),), until=0.85).splitlines()
    assert len(rows) == 1 + 2 * 2 + 1
    without = np.stack([movement(r, 2, 0, 30) for r in runs[:3]])  # (S, 3)
    with_bn = np.stack([movement(r, 2, 0, 20) for r in runs[3:]])
    assert rows[2].startswith("without BN") and "0 to 85%" in rows[2]
    assert f.med_range(without[:, 1], lambda v: f.num(v, 2)) in rows[2]
    assert rows[4].startswith("with BN") and "0 to 85%" in rows[4]
    assert f.med_range(with_bn[:, 2], lambda v: f.num(v, 2)) in rows[4]
    assert rows[-1].endswith("step 30 without BN, 20 with BN")
    never = f.movement_table(runs, windows=(), until=0.99).splitlines()
    assert never[1].split()[-3:] == ["—"] * 3 and "step — without BN" in never[-1]


def test_input_levels_name_the_median_input_and_the_lowest_15th_percentile():
    runs = fig1_runs()
    rows = f.input_levels(runs, at=(10, 40)).splitlines()
    p = np.stack([typical_percentiles(r, 2) for r in runs[:3]])  # without BN, (S, P, 3)
    assert f"step 40 {f.med_range(p[:, 4, 1])}" in rows[0]
    assert rows[0].endswith(f"lowest 15th percentile {f.num(p[..., 0].min(), 2)}")


def test_figure1_table_lists_each_seed_without_and_with_bn():
    rows = f.figure1_table(fig1_runs(), target=0.9, at=(10, 40)).splitlines()
    assert len(rows) == 1 + 6
    assert rows[1].split()[-3:] == ["30.0%", "90.0%", "40"]  # seed 0 without BN
    assert rows[2].split()[-3:] == ["80.0%", "93.0%", "20"]


@pytest.mark.parametrize(
    ("values", "text"),
    [([3.0, 2.5, 6.7], "3.0 (2.5–6.7)"), ([-2.3, -2.6, -2.2], "-2.3 (-2.6 to -2.2)"),
     ([1.0, 1.0, np.nan], "1.0"), ([np.nan], "—")],
)  # fmt: skip
def test_med_range(values, text):
    assert f.med_range(values) == text


def test_depth_figure_and_table():
    runs = [fake_run([0.1] * 3 + [0.1, a], depth=d, bn=bn, p=P)
            for d, a in ((2, 0.9), (3, 0.1)) for bn in (False, True)]  # fmt: skip
    signal = {"float64": ("k", np.array([1.0, 0.1, 0.01]))}
    fig = f.depth_figure(runs, signal)
    assert fig.axes[0].lines[0].get_ydata()[-1] == 90.0  # without BN, 2 layers
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [1.0, 0.1, 0.01])
    np.testing.assert_allclose(fig.axes[1].lines[1].get_ydata(),  # with BN, the deepest run
                               [f.sigma_b(runs[3], 0, i) for i in range(3)])  # fmt: skip
    hollow = fig.axes[1].lines[-1]  # the runs without BN, float32, at step 0
    np.testing.assert_allclose(hollow.get_ydata(), [f.sigma_b(runs[0]), f.sigma_b(runs[2])])
    np.testing.assert_allclose(hollow.get_xdata(), [2, 3])  # each network at its last layer
    assert hollow.get_label().startswith("without BN, std 0.01: the trained 2, 3-layer networks")
    assert "each at its last hidden layer" in hollow.get_label()
    rows = f.depth_table(runs, at=(10, 40)).splitlines()
    assert rows[1].split()[:7] == ["2", "without", "BN", "std", "0.01", "10.0%", "90.0%"]
    assert rows[1].split()[7] == "40" and rows[3].split()[7] == "never"


def test_depth_figure_and_table_tell_xavier_from_the_small_init():
    xavier = fake_run([0.1] * P, depth=3, p=P)
    xavier.config = dataclasses.replace(xavier.config, init="xavier")
    runs = [fake_run([0.1] * 4 + [0.5], depth=3, p=P), xavier]
    fig = f.depth_figure(runs, {})
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels[:2] == ["without BN, 3 layers", "without BN, 3 layers, Xavier"]
    assert fig.axes[0].lines[1].get_color() == f.PALETTE["green"]
    small, big = fig.axes[1].lines  # one hollow marker per init
    assert small.get_label() == (
        "without BN, std 0.01: the trained 3-layer network,\nat its last hidden layer, float32"
    )
    assert big.get_label().startswith("without BN, Xavier: the trained 3-layer network,")
    assert big.get_color() == f.PALETTE["green"]
    rows = f.depth_table(runs, at=(40,)).splitlines()
    assert rows[1].split()[3:6] == ["std", "0.01", "50.0%"] and rows[2].split()[3:5] == [
        "Xavier", "10.0%"]  # fmt: skip


def gap_runs():
    runs = fig1_runs()
    for k, r in enumerate(runs):
        r.train_set_acc = np.minimum(r.test_acc + 0.05 - 0.01 * (k >= 3), 1.0)  # BN: gap 4
    return runs


def test_gap_figure_pairs_each_seed_at_the_end_and_at_the_same_fit():
    runs = gap_runs()
    fig = f.gap_figure(runs, fit=0.9)
    seed0 = [at_fit(r, 0.9).gap for r in (runs[0], runs[3])]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [5.0, 4.0])  # at the end
    np.testing.assert_allclose(fig.axes[1].lines[5].get_ydata(), 100 * np.array(seed0))  # 3 seeds,
    # then the dots of the end: the same fit's lines come sixth


def test_gap_table_compares_at_matched_fit():
    rows = f.gap_table(gap_runs(), fit=0.9).splitlines()
    assert rows[2].split() == ["0", "30", "90.0", "85.0", "5.0", "20", "94.0", "90.0", "4.0"]
    assert rows[-1] == "the gap is smaller with BN in 3 of 3 seeds, by 1.0 points (median, range)"
    assert "not reached" in f.gap_table(gap_runs(), fit=0.999).splitlines()[2]


def test_end_gap_table_takes_the_median_of_per_seed_gaps():
    runs = gap_runs()
    for k, r in enumerate(runs):  # loss gap 0.3 without BN; with BN 0.2, but 0.4 in seed 2
        r.train_set_loss = np.full(P, 0.1)
        r.test_loss = np.full(P, 0.4 if k < 3 else 0.5 if k == 5 else 0.3)
    rows = f.end_gap_table(runs).splitlines()
    assert rows[1].split()[2:5] == ["96.0%", "91.0%", "5.0"]
    assert rows[2].split()[2:5] == ["97.0%", "93.0%", "4.0"]
    assert rows[1].split()[-1] == "0.300" and rows[2].split()[-1] == "0.200"
    assert rows[3] == "the gap is larger with BN in 0 of 3 seeds in accuracy, in 1 of 3 in loss"


@pytest.mark.parametrize(
    ("m", "text"), [(0.1, "×1/10"), (1 / 3, "×1/3"), (1.0, "×1"), (30.0, "×30"), (5 / 3, "×5/3")]
)
def test_times_writes_multipliers_as_the_paper_does(m, text):
    assert f.times(m) == text


@pytest.mark.parametrize(
    ("x", "text"), [(0.9, "90%"), (0.897, "89.7%"), (0.1, "10%"), (0.9999, "100%")]
)
def test_pct_keeps_one_decimal_at_most(x, text):
    assert f.pct(x) == text


def test_init_signal_shrinks_by_a_quarter_of_std_sqrt_fan_in_per_layer():
    x = np.random.default_rng(0).standard_normal((64, 784))
    (_, small), (_, xavier) = f.init_signal(x, depth=4).values()
    assert small.shape == xavier.shape == (4,)
    ratio = small[2:] / small[1:-1]  # deep layers: sigmoid slope 1/4 x 0.01 x sqrt(100)
    np.testing.assert_allclose(ratio, 0.025, rtol=0.1)
    assert np.all(xavier[1:] > 5 * small[1:])


def test_reach_gives_each_runs_first_step_at_its_target_and_inf_for_never():
    runs = fig1_runs()  # without BN: 0.1, 0.3, 0.6, 0.85, 0.9 + 0.01 s at steps 0..40
    np.testing.assert_array_equal(f.reach(runs[:3], 0.6), [20, 20, 20])
    np.testing.assert_array_equal(f.reach(runs[:3], [0.3, 0.9, 0.925]), [10, 40, np.inf])
    assert f.reach(runs[3:], 0.99).tolist() == [np.inf] * 3


def test_at_chance_means_no_better_than_chance_after_step_0():
    assert f.at_chance(fake_run([0.5, 0.1, 0.1, 0.1, 0.1], p=P))  # step 0 does not count
    assert f.at_chance(fake_run([0.1, 0.1, 0.1, 0.13, 0.1], p=P))
    working = fake_run([0.1, 0.1, 0.1, 0.2, 0.1], p=P)  # its test loss is 1, below ln 10
    assert not f.at_chance(working)
    working.test_loss = np.array([2.3, 2.3, 2.3, 40.0, np.nan])  # blown up: 20% is luck
    assert f.at_chance(working)


def test_moved_is_paper_movement_per_run_one_span_for_all_or_one_each():
    runs = fig1_runs()[:3]
    np.testing.assert_allclose(f.moved(runs, (10, 40)), [movement(r, 2, 10, 40) for r in runs])
    per_run = f.moved(runs, [(0, 20), (0, None), (0, np.inf)])
    np.testing.assert_allclose(per_run[0], movement(runs[0], 2, 0, 20))
    assert np.isnan(per_run[1:]).all()  # never reached: no movement to measure


def test_paired_gaps_hold_each_seeds_gap_at_the_end_and_at_the_same_fit():
    runs = gap_runs()
    g = f.paired_gaps(runs, fit=0.9)
    assert g.shape == (3, 2, 2)
    np.testing.assert_allclose(g[:, 0], [[0.05, 0.04]] * 3)
    np.testing.assert_allclose(g[0, 1], [at_fit(runs[0], 0.9).gap, at_fit(runs[3], 0.9).gap])
    assert np.isnan(f.paired_gaps(runs, fit=0.999)[:, 1]).all()


def test_broken_when_diverged_or_no_better_than_chance_at_the_end():
    run = fake_run([0.1, 0.3, 0.6, 0.85, 0.9], p=P)
    assert not f.broken(run)
    run.test_loss = np.array([2.3, 1.5, 1.0, 0.5, 40.0])  # blown up at the end
    assert f.broken(run)
    assert f.broken(fake_run([0.1, 0.3, 0.6, 0.85, 0.12], p=P))
