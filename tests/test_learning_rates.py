"""bnlib.experiments.learning_rates: the paper's rate names, grouping by rate, at chance."""

import dataclasses

import numpy as np
import pytest

from bnlib.experiments import learning_rates as L
from bnlib.experiments.mnist_net import NetConfig
from tests.test_paper import fake_run


@pytest.mark.parametrize(
    ("m", "text"), [(0.1, "×1/10"), (1 / 3, "×1/3"), (1.0, "×1"), (30.0, "×30"), (8 / 3, "×8/3")]
)
def test_times_writes_multipliers_as_the_paper_does(m, text):
    assert L.times(m) == text


@pytest.mark.parametrize(
    ("config", "text"),
    [
        (NetConfig(lr=15.0), "×5"),
        (NetConfig(lr=3.0, bn=True, lr_invariant=90.0), "×30 before BN, ×1 rest"),
        (NetConfig(lr=90.0, bn=True, lr_invariant=3.0), "×1 before BN, ×30 rest"),
    ],
)
def test_rate_label(config, text):
    assert L.rate_label(config, 3.0) == text


def run(acc, lr, bn=False, lr_invariant=None, seed=0):
    r = fake_run(acc, seed=seed, bn=bn, lr=lr, p=5)
    r.config = dataclasses.replace(r.config, lr_invariant=lr_invariant)
    return r


def test_by_rate_groups_without_bn_first_split_rates_last_seeds_in_order():
    runs = [
        run([0.1] * 5, 90.0, bn=True, lr_invariant=3.0, seed=1),
        run([0.1] * 5, 3.0, bn=True, lr_invariant=90.0),
        run([0.1] * 5, 15.0, bn=True, seed=1),
        run([0.1] * 5, 15.0, bn=True, seed=0),
        run([0.1] * 5, 90.0, bn=True),
        run([0.1] * 5, 15.0),
        run([0.1] * 5, 3.0),
    ]
    groups = L.by_rate(runs, 3.0)
    assert list(groups) == [
        (False, "×1"),
        (False, "×5"),
        (True, "×5"),
        (True, "×30"),
        (True, "×1 before BN, ×30 rest"),
        (True, "×30 before BN, ×1 rest"),
    ]
    assert [r.config.seed for r in groups[True, "×5"]] == [0, 1]


def test_at_chance_means_no_better_than_chance_after_step_0():
    assert L.at_chance(fake_run([0.5, 0.1, 0.1, 0.1, 0.1], p=5))  # step 0 does not count
    assert L.at_chance(fake_run([0.1, 0.1, 0.1, 0.13, 0.1], p=5))
    working = fake_run([0.1, 0.1, 0.1, 0.2, 0.1], p=5)  # its test loss is 1, below ln 10
    assert not L.at_chance(working)
    working.test_loss = np.array([2.3, 2.3, 2.3, 40.0, np.nan])  # blown up: 20% is luck
    assert L.at_chance(working)


def test_broken_when_diverged_or_no_better_than_chance_at_the_end():
    r = fake_run([0.1, 0.3, 0.6, 0.85, 0.9], p=5)
    assert not L.broken(r)
    r.test_loss = np.array([2.3, 1.5, 1.0, 0.5, 40.0])  # blown up at the end
    assert L.broken(r)
    assert L.broken(fake_run([0.1, 0.3, 0.6, 0.85, 0.12], p=5))
