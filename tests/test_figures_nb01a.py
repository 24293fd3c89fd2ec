"""Lab 01a's figures draw drifts whose values follow from the maths: fake runs of Gaussian
units, where a change of sigma from s to t moves each unit by |t - s| K (tests/fake_runs.py)."""

import numpy as np
import pytest

from bnlib.notebook.figures import nb01 as f01
from bnlib.notebook.figures import nb01a as f
from tests.fake_runs import K, fake_run, traced

SIGMAS = [1.0, 1.5, 2.0, 2.5, 3.5]  # per-interval W1: 0.5 K, 0.5 K, 0.5 K, K


def test_drift_over_steps_draws_every_layers_w1_per_interval():
    fig = f.drift_over_steps({"without BN": fake_run([0.1] * 5, SIGMAS)})
    lines = fig.axes[0].lines
    assert [line.get_label() for line in lines] == ["layer 1", "layer 2", "layer 3"]
    np.testing.assert_allclose(lines[2].get_xdata(), [100, 200, 300, 400])
    np.testing.assert_allclose(lines[2].get_ydata(), [0.5 * K, 0.5 * K, 0.5 * K, K])
    assert "per 100 steps" in fig.axes[0].get_ylabel()


def test_split_figure_bars_are_the_medians_over_seeds_with_their_ranges():
    runs = [fake_run([0.1] * 5, [1.0 + k * d for k in range(5)]) for d in (0.1, 0.2, 0.4)]
    traces = {False: [traced(r, "now") for r in runs], True: [traced(r, "then") for r in runs]}
    fig = f.split_figure(traces)
    ics, own = fig.axes[0].patches, fig.axes[1].patches  # without BN's 3 layers, then BN's
    np.testing.assert_allclose([p.get_height() for p in ics], [0.2 * K] * 3 + [0.0] * 3)
    np.testing.assert_allclose([p.get_height() for p in own], [0.0] * 3 + [0.2 * K] * 3)
    assert [p.get_x() + p.get_width() / 2 for p in ics[:3]] == pytest.approx([0.8, 1.8, 2.8])
    assert "mean after step 300" in fig.axes[0].get_ylabel()


def test_lr_summary_marks_broken_runs_and_labels_the_rates():
    a = fake_run([0.1, 0.5, 0.9, 0.9, 0.9], [1.0, 1.05, 1.1, 1.15, 1.2], lr=3.0)
    b = fake_run([0.1, 0.5, 0.9, 0.9, 0.95], [1.0, 1.2, 1.4, 1.6, 1.8], lr=10.0, bn=True)
    broke = fake_run([0.1, 0.1], [1, 1], lr=10.0, loss=[2.3, 2.6])
    fig = f.lr_summary([a, b, broke])
    first, late, acc = fig.axes
    dots = [line for line in first.lines if line.get_marker() == "o" and len(line.get_xdata())]
    assert sorted(float(y) for line in dots for y in line.get_ydata()) == pytest.approx(
        [0.05 * K, 0.2 * K]
    )
    crosses = [line for line in acc.lines if line.get_marker() == "x" and len(line.get_xdata())]
    assert [line.get_xdata().tolist() for line in crosses] == [[10.0]]
    assert [line.get_ydata().tolist() for line in crosses] == [[10.0]]  # at chance, in %
    assert not any(line.get_marker() == "x" and len(line.get_xdata()) for line in late.lines)
    assert [t.get_text() for t in acc.get_xticklabels()][:3] == ["0.1", "0.3", "1"]
    fig.canvas.draw()
    lo, hi = late.get_ylim()
    assert len([t for t in late.get_yticks() if lo <= t <= hi]) >= 2  # a narrow range, labelled


def test_remedies_figure_draws_the_drift_in_z_and_in_units_of_sigma():
    run = fake_run([0.1] * 5, [1e-4, 0.005, 0.5, 1.0, 1.5])
    with_bn = fake_run([0.1] * 5, SIGMAS, bn=True)
    fig = f.remedies_figure({"x": (run, with_bn)})
    top, bottom = fig.axes[0], fig.axes[1]
    np.testing.assert_allclose(top.lines[1].get_ydata(), [0.5 * K, 0.5 * K, 0.5 * K, K])
    rel = bottom.lines[0].get_ydata()
    assert np.isnan(rel[:2]).all()  # sigma_B below 0.01 at the interval's start: not drawn
    np.testing.assert_allclose(rel[2:], [0.5 * K / 0.5, 0.5 * K / 1.0])
    assert top.lines[1].get_color() == f01.BN_COLOR[True]
