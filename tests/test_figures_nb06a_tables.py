"""Lab 06a's text tables: each cell is the number bnlib.experiments computes."""

import dataclasses
import re

import numpy as np

from bnlib.experiments.paper import fewer_steps_by_seed, movement, typical_percentiles
from bnlib.experiments.sigmoid_depth import sigma_b
from bnlib.notebook.figures import nb06a_tables as t
from bnlib.notebook.figures.nb06 import med_range
from bnlib.notebook.viz import num
from tests.test_figures_nb06 import P, fig1_runs, sweep
from tests.test_figures_nb06a import gap_runs
from tests.test_paper import fake_run


def test_figure1_table_lists_each_seed_without_and_with_bn():
    rows = t.figure1_table(fig1_runs(), target=0.9, at=(10, 40)).splitlines()
    assert len(rows) == 1 + 6
    assert rows[1].split()[-3:] == ["30.0%", "90.0%", "40"]  # seed 0 without BN
    assert rows[2].split()[-3:] == ["80.0%", "93.0%", "20"]


def test_movement_table_gives_median_and_range_within_windows_and_to_the_same_progress():
    runs = fig1_runs()  # without BN reaches 85% at step 30, with BN at step 20
    rows = t.movement_table(runs, windows=((10, 40),), until=0.85).splitlines()
    assert len(rows) == 1 + 2 * 2 + 1
    window = np.stack([movement(r, 2, 10, 40) for r in runs[3:]])  # with BN, (S, 3)
    assert rows[3].startswith("with BN") and med_range(window[:, 0], lambda v: num(v, 2)) in rows[3]
    without = np.stack([movement(r, 2, 0, 30) for r in runs[:3]])
    assert "0 to 85%" in rows[2] and med_range(without[:, 1], lambda v: num(v, 2)) in rows[2]
    assert rows[-1].endswith("step 30 without BN, 20 with BN")
    never = t.movement_table(runs, windows=(), until=0.99).splitlines()
    assert never[1].split()[-3:] == ["—"] * 3 and "step — without BN" in never[-1]


def test_input_levels_name_the_median_input_and_the_lowest_15th_percentile():
    runs = fig1_runs()
    rows = t.input_levels(runs, at=(10, 40)).splitlines()
    p = np.stack([typical_percentiles(r, 2) for r in runs[:3]])  # without BN, (S, P, 3)
    assert med_range(p[:, 4, 1]) in rows[1]
    assert rows[1].endswith(num(p[..., 0].min(), 2))


def test_variants_table_counts_seeds_and_reports_fewer_steps_by_seed():
    runs = sweep(0) + sweep(1)
    base = [r for r in runs if not r.config.bn and r.config.lr == 3.0]
    rows = t.variants_table(runs, base).splitlines()
    label = {tuple(re.split(r"\s{2,}", r)[:2]): r for r in rows}  # columns: 2+ spaces apart
    x5 = label["with BN", "×5"].split()
    ratio = fewer_steps_by_seed(base, [r for r in runs if r.config.lr == 15.0 and r.config.bn])
    assert x5[-1] == med_range(ratio) == "4.0" and x5[-2] == "10"
    x30 = label["with BN", "×30"]
    assert "0 of 2" in x30 and "never" in x30
    split = next(r for r in rows if "×30 before BN" in r)
    assert "2 of 2" in split and split.split()[-1] == "2.0"


def test_variants_table_tags_shorter_runs_and_explains_fractions():
    runs = sweep(0)
    runs[4] = fake_run([0.1, 0.1, 0.1], bn=True, lr=90.0, p=3)  # 20 steps, not 40
    runs.append(fake_run([0.1, 0.5, 0.85, 0.91, 0.92], lr=8.0, p=P))  # without BN at 8: x8/3
    lines = t.variants_table(runs, runs[:1]).splitlines()
    assert any(r.startswith("with BN") and "×30 (20 steps)" in r and "never" in r for r in lines)
    assert lines[-2:] == [
        "×8/3: the rate 8, 8/3 of the base 3",
        "(20 steps): trained 20 steps only: the accuracy is at step 20, and 'never' means not by then",
    ]


def test_depth_table_gives_accuracy_steps_and_sigma_b_per_network():
    xavier = fake_run([0.1] * P, depth=3, p=P)
    xavier.config = dataclasses.replace(xavier.config, init="xavier")
    runs = [fake_run([0.1] * 4 + [0.9], depth=2, p=P), xavier]
    rows = t.depth_table(runs, at=(10, 40)).splitlines()
    assert rows[1].split()[:8] == ["2", "without", "BN", "std", "0.01", "10.0%", "90.0%", "40"]
    assert rows[1].split()[-2:] == [f"{sigma_b(runs[0]):.2g}", f"{sigma_b(runs[0], -1):.2g}"]
    assert rows[2].split()[3:7] == ["Xavier", "10.0%", "10.0%", "never"]


def test_gap_table_compares_at_matched_fit():
    rows = t.gap_table(gap_runs(), fit=0.9).splitlines()
    assert rows[1].split() == ["0", "without", "BN", "30", "90.0", "85.0", "5.0"]
    assert rows[2].split() == ["0", "with", "BN", "20", "94.0", "90.0", "4.0"]
    assert rows[-1] == "the gap is smaller with BN in 3 of 3 seeds, by 1.0 points (median, range)"
    assert "never" in t.gap_table(gap_runs(), fit=0.999).splitlines()[1]


def test_end_gap_table_takes_the_median_of_per_seed_gaps():
    runs = gap_runs()
    for k, r in enumerate(runs):  # loss gap 0.3 without BN; with BN 0.2, but 0.4 in seed 2
        r.train_set_loss = np.full(P, 0.1)
        r.test_loss = np.full(P, 0.4 if k < 3 else 0.5 if k == 5 else 0.3)
    rows = t.end_gap_table(runs).splitlines()
    assert rows[1].split()[2:5] == ["96.0%", "91.0%", "5.0"]
    assert rows[2].split()[2:5] == ["97.0%", "93.0%", "4.0"]
    assert rows[1].split()[-1] == "0.300" and rows[2].split()[-1] == "0.200"
    assert rows[3] == "the gap is larger with BN in 0 of 3 seeds in accuracy, in 1 of 3 in loss"
