"""01's tables print what the maths gives: a forward pass written out, and fake runs with
known outcomes (tests/fake_runs.py)."""

import pytest

from bnlib.experiments.covariate_shift import unit_weights
from bnlib.notebook.figures import nb01 as f01
from bnlib.notebook.figures import nb01_tables as f
from tests.fake_runs import fake_run
from tests.test_figures_nb01 import sigma_at


@pytest.fixture(scope="module")
def net():
    return f01.digits(), unit_weights((784,) + (100,) * 20, seed=0)


def test_depth_table_has_a_row_per_activation_with_he(net):
    rows = f.depth_table(*net).splitlines()
    assert rows[0].split() == ["σ_B", "of", "z_l", "at", "layer", "1", "5", "10", "20"]
    assert [r.split()[0] for r in rows[1:]] == ["sigmoid", "tanh", "relu"]
    for row, act in zip(rows[1:], ("sigmoid", "tanh", "relu"), strict=True):
        want = [f01.sigma_text(sigma_at(*net, act, "he", depth=d)) for d in (1, 5, 10, 20)]
        assert row.split()[3:] == want


def test_per_seed_steps():
    assert f.per_seed_steps([None, 900, 1000]) == "never, 900, 1000"
    assert f.per_seed_steps([None, None]) == "never"
    assert f.per_seed_steps([200, 200]) == "200" and f.per_seed_steps([300, 400]) == "300–400"


def test_outcome_table_counts_outcomes_and_gives_ranges_over_seeds():
    moving = [1.0, 1.2, 1.4, 1.6, 1.8]
    runs = [fake_run([0.1, 0.5, a, 0.9, 0.95], moving, lr=3.0) for a in (0.7, 0.85)]
    runs.append(fake_run([0.1] * 5, moving, lr=3.0, bn=True, loss=[2.3] * 5))  # at chance
    runs.append(fake_run([0.1] * 2, [1, 1], lr=30.0, bn=True, loss=[2.3, 2.6]))  # loss went up
    rows = [r.split() for r in f.outcome_table(runs, target=0.8).splitlines()]
    assert rows[0] == ["lr", "BN", "outcome", "accuracy", "steps", "to", "80%"]
    assert rows[1] == ["3", "no", "trains", "×2", "95.0–95.0%", "200–300"]
    assert rows[2] == ["3", "yes", "stuck", "×1", "10.0–10.0%", "never"]
    assert rows[3] == ["30", "yes", "broke", "×1", "10.0–10.0%", "never"]
