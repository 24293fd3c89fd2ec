"""06's section 3: learning-rate variants, their table and figure, the dashboard."""

import dataclasses

import numpy as np
import pytest

from bnlib.experiments.paper import fewer_steps_by_seed, typical_percentiles
from bnlib.experiments.torch_nets import NetConfig
from bnlib.notebook.figures import nb06_rates as f
from tests.test_paper import fake_run

P = 5  # probes at steps 0, 10, ..., 40


def run(acc, lr, bn=False, lr_invariant=None, seed=0):
    r = fake_run(acc, seed=seed, bn=bn, lr=lr, p=P)
    r.config = dataclasses.replace(r.config, lr_invariant=lr_invariant)
    return r


def sweep(seed=0):
    """Seed 0: the baseline's best is 0.91 at step 40; BN x1 gets there at 20, x5 at 10."""
    return [run([0.1, 0.5, 0.8, 0.9, 0.91], 3.0, seed=seed),
            run([0.1] * P, 15.0, seed=seed),  # without BN at x5: broken
            run([0.1, 0.9, 0.92, 0.93, 0.94], 3.0, bn=True, seed=seed),
            run([0.1, 0.92, 0.93, 0.94, 0.94], 15.0, bn=True, seed=seed),
            run([0.1] * P, 90.0, bn=True, seed=seed),  # BN-x30: broken
            run([0.1, 0.5, 0.95, 0.95, 0.95], 3.0, bn=True, lr_invariant=90.0, seed=seed)]  # fmt: skip


@pytest.mark.parametrize(
    ("config", "text"),
    [(NetConfig(lr=15.0), "×5"), (NetConfig(lr=3.0, bn=True, lr_invariant=90.0), "×30 before BN, ×1 rest"),
     (NetConfig(lr=90.0, bn=True, lr_invariant=3.0), "×1 before BN, ×30 rest")],
)  # fmt: skip
def test_rate_label(config, text):
    assert f.rate_label(config) == text


def test_variants_group_by_bn_and_rate_split_rates_last():
    groups = f.variants(sweep(1) + sweep(0))
    assert list(groups) == [(False, "×1"), (False, "×5"), (True, "×1"), (True, "×5"),
                            (True, "×30"), (True, "×30 before BN, ×1 rest")]  # fmt: skip
    assert [r.config.seed for r in groups[True, "×5"]] == [0, 1]


def test_variants_table_counts_seeds_and_reports_fewer_steps_by_seed():
    runs = sweep(0) + sweep(1)
    base = [r for r in runs if not r.config.bn and r.config.lr == 3.0]
    lines = f.variants_table(runs, base).splitlines()[1:]
    rows = {(r[:11].strip(), r[11:46].strip()): r for r in lines}  # (BN, learning rate)
    x5 = rows["with BN", "×5"].split()
    ratio = fewer_steps_by_seed(base, [r for r in runs if r.config.lr == 15.0 and r.config.bn])
    assert x5[-1] == f.med_range(ratio) == "4.0" and x5[-2] == "10"  # 0.91 at 10 against 40
    x30 = rows["with BN", "×30"]
    assert "0 of 2" in x30 and "never" in x30 and x30.split()[-1] == "—"
    split = rows["with BN", "×30 before BN, ×1 rest"]
    assert "2 of 2" in split and split.split()[-1] == "2.0"  # 0.91 at step 20 against 40


def test_variants_table_tags_shorter_runs_and_explains_fractions():
    runs = sweep(0)
    short = fake_run([0.1, 0.1, 0.1], bn=True, lr=90.0, p=3)  # 20 steps, not 40
    runs = [r for r in runs if not (r.config.bn and r.config.lr == 90.0)] + [short]
    runs.append(run([0.1, 0.5, 0.85, 0.91, 0.92], 5.0))  # without BN at 5: x5/3
    lines = f.variants_table(runs, runs[:1]).splitlines()
    x30 = next(r for r in lines if "×30 (20 steps)" in r)
    assert x30.startswith("with BN") and "never" in x30
    assert lines[-2:] == ["×5/3: the rate 5, 5/3 of the base 3",
                          "(20 steps): trained 20 steps only: the accuracy is at step 20, and "
                          "'never' means not by step 20"]  # fmt: skip
    assert not any("steps)" in r for r in f.variants_table(sweep(0), sweep(0)[:1]).splitlines())


def test_variants_figure_puts_never_right_of_the_last_step():
    runs = sweep(0)
    base = runs[:1]
    fig = f.variants_figure(runs, base)
    steps_ax = fig.axes[1]
    hits = [line.get_xdata()[0] for line in steps_ax.lines if line.get_linestyle() == "None"]
    assert hits == [40, 1.25 * 40, 20, 10, 1.25 * 40, 20]  # "never" at 1.25 x the last step


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
