"""Lab 01a's tables print the numbers the maths gives: a forward pass written out, and fake
runs of Gaussian units whose drifts have a closed form (tests/fake_runs.py)."""

import numpy as np
import pytest
from scipy.stats import norm

from bnlib.experiments.covariate_shift import unit_weights
from bnlib.notebook.figures import nb01 as f01
from bnlib.notebook.figures import nb01a_tables as t
from tests.fake_runs import K, fake_run, traced


def test_span_gives_the_median_and_the_range():
    assert t.span([0.25, 0.17, 0.18]) == "0.18 [0.17–0.25]"
    assert t.span([2e-5, 1e-5, 3e-5]) == "2e-05 [1e-05–3e-05]"


def test_init_table_shows_sigma_b_and_mu_b_of_every_activation_and_init():
    x = np.random.default_rng(1).standard_normal((64, 30))
    weights = unit_weights((30,) + (30,) * 20, seed=0)
    rows = [r.split() for r in t.init_table(x, weights).splitlines()]
    assert rows[0] == ["σ_B", "1", "5", "10", "20", "μ_B", "1", "20"]
    inits = [r[1] for r in rows[1:]]
    assert inits == ["small", "Xavier", "He"] * 3 and rows[1][0] == "sigmoid"
    h = x  # ReLU + He written out: layer 1's z and its statistics
    z = h @ (np.sqrt(2 / 30) * weights[0])
    relu_he = rows[9]
    assert relu_he[:2] == ["relu", "He"]
    assert relu_he[2] == f01.sigma_text(np.sqrt(np.mean(z.var(axis=0))))
    assert relu_he[6] == f01.sigma_text(np.sqrt(np.mean(z.mean(axis=0) ** 2)))


def moving_units(bn):
    """Every unit: mean -p and sigma 1 + 0.1 p at probe p (every 100 steps)."""
    p = np.arange(5.0)
    return traced(fake_run([0.1] * 5, 1 + 0.1 * p, mean=-p, bn=bn, seed=3), "now")


def test_percentile_table_shows_the_typical_units_percentiles_and_movement():
    table = t.percentile_table({False: [moving_units(False)], True: [moving_units(True)]})
    head, row, _ = table.splitlines()
    assert head.split() == ["step", "0", "step", "200", "step", "400", "moved"]
    z15 = norm.ppf(0.15)  # the 85th percentile is the mirror image
    want = [-2 + 1.2 * z15, -2.0, -2 - 1.2 * z15, -4 + 1.4 * z15, -4.0, -4 - 1.4 * z15]
    assert row.split()[:4] == ["without", "BN,", "seed", "3"]
    assert [float(v) for v in row.split()[7:13]] == pytest.approx(want, abs=0.006)
    assert float(row.split()[-1]) == pytest.approx(2 - 0.2 * z15, abs=0.006)  # 15th: -2 -> -4


def test_split_table_gives_medians_and_ranges_over_seeds():
    runs = [fake_run([0.1] * 5, [1.0 + k * d for k in range(5)]) for d in (0.1, 0.2, 0.4)]
    traces = {False: [traced(r, "now") for r in runs], True: [traced(r, "then") for r in runs]}
    rows = t.split_table(traces).splitlines()
    assert len(rows) == 1 + 2 * 3
    assert rows[0].split()[:4] == ["layer", "total", "ICS", "(earlier)"]
    without_3, with_3 = rows[3].split(), rows[6].split()
    assert without_3[:3] == ["without", "BN", "3"]
    assert " ".join(without_3[5:7]) == t.span([0.1 * K, 0.2 * K, 0.4 * K])  # ICS: all of it
    assert " ".join(with_3[5:7]) == "0.00 [0.00–0.00]"  # with "BN": no ICS
    assert with_3[-1] == f01.sci(1 + 4 * 0.2)  # σ_B at the end, median over seeds


@pytest.fixture
def grid():
    sig = [0.5, 0.6, 0.7, 0.8, 1.0]  # first interval 0.1 K, after step 300 0.2 K
    return [fake_run([0.1, 0.5, 0.6, 0.7, 0.8], sig, lr=3.0, seed=s, mean=-1.0) for s in (0, 1)] + [
        fake_run([0.1, 0.1], [1.0, 5.0], lr=10.0, mean=[0.0, -30.0], loss=[2.3, 2.6])
    ]


def test_lr_table_gives_outcomes_drifts_and_saturation(grid):
    rows = [r.split() for r in t.lr_table(grid).splitlines()]
    assert rows[1][:4] == ["3", "no", "trains", "×2"]
    assert rows[1][5:8] == [f01.sci(0.1 * K), "/", f01.sci(0.2 * K)]  # first / late drift
    assert rows[1][8:] == ["-1.00", "0%"]  # median z; none beyond |z| > 4
    assert rows[2][:4] == ["10", "no", "broke", "×1"]
    assert rows[2][5:8] == ["30.00", "/", "(broke)"]  # W1 of N(0, 1) -> N(-30, 25) is 30
    assert rows[2][8:] == ["-30.00", "100%"]


def test_lr_layer_table_gives_every_layers_drift(grid):
    rows = t.lr_layer_table(grid).splitlines()
    assert rows[0].split() == ["lr", "BN", "layer", "1", "layer", "2", "layer", "3"]
    cell = f"{f01.sci(0.1 * K)} / {f01.sci(0.2 * K)}"
    assert rows[1].count(cell) == 3 and rows[2].count("(broke)") == 3


def test_numbers_table_gives_ranges_over_seeds_and_masks_tiny_sigmas():
    seeds = [fake_run([0.1, 0.5, a, 0.9, 0.95], [1.0, 2.0, 2.0, 2.0, 4.0]) for a in (0.7, 0.85)]
    tiny = fake_run([0.1] * 5, [1e-4, 2e-4, 4e-4, 8e-4, 2e-3])
    nan_run = fake_run([0.1, 0.1], [1, 1])
    nan_run.train_loss[3:] = np.nan
    table = t.numbers_table({"a remedy": seeds, "tiny": [tiny], "x": [nan_run]}, target=0.8)
    head, remedy, small, broke, note = table.splitlines()
    assert "steps to 80%" in head
    sigma_b, drifts = ["1.00", "→", "4.00"], [f01.sci(2 * K), "/", f01.sci(K)]
    assert remedy.split()[2:] == ["95.0–95.0%", "200–300", *sigma_b, *drifts]
    assert small.split()[-3:] == [f01.sci(1.2e-3 * K), "/", "—"]
    assert broke.split()[1:] == ["broke", "×1", "never", "—", "(NaN", "by", "step", "3)"]
    assert note.startswith("—: σ_B below 0.01")
