"""Lab 06a's figures (Figure 1 b, c with seed bands; the gap): what they show is what the runs
hold."""

import numpy as np

from bnlib.experiments.paper import at_fit, typical_percentiles
from bnlib.notebook.figures import nb06a as f
from tests.test_figures_nb06 import fig1_runs


def gap_runs():
    runs = fig1_runs()
    for k, r in enumerate(runs):
        r.train_set_acc = np.minimum(r.test_acc + 0.05 - 0.01 * (k >= 3), 1.0)  # BN: gap 4
    return runs


def test_percentile_panels_follow_each_seeds_typical_unit():
    runs = fig1_runs()
    fig = f.percentile_band_panels(runs)
    want = np.median([typical_percentiles(r, 2)[:, 1] for r in runs[:3]], axis=0)
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), want)
    assert [ax.get_title() for ax in fig.axes] == ["(b) without BN", "(c) with BN"]


def test_gap_figure_pairs_each_seed_at_the_end_and_at_the_same_fit():
    runs = gap_runs()
    fig = f.gap_figure(runs, fit=0.9)
    seed0 = [at_fit(r, 0.9).gap for r in (runs[0], runs[3])]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [5.0, 4.0])  # at the end
    # three seeds' lines and two groups of dots at the end; then the same fit's lines
    np.testing.assert_allclose(fig.axes[1].lines[5].get_ydata(), 100 * np.array(seed0))
