"""Lab 06a's method exercises: their references agree with bnlib and with the paper's table."""

import numpy as np
import pytest

from bnlib.experiments.paper import fewer_steps
from bnlib.notebook.checks import FAIL
from bnlib.notebook.exercises import nb06a as ex
from tests.test_paper import fake_run


def test_the_table_exercise_asks_for_bn_x30s_range_one_decimal_enough():
    lo, hi = ex.fewer_steps_x30.reference()
    assert (lo, hi) == pytest.approx((30.95 / 2.75, 31.05 / 2.65))
    assert lo < 31.0 / 2.7 < hi
    assert ex.fewer_steps_x30.check(np.array([11.3, 11.7]))  # one decimal is enough
    assert ex.fewer_steps_x30.check(np.array([11.5, 11.5])).status == FAIL  # the rounded values
    assert ex.fewer_steps_x30.check(np.array([14.4, 15.1])).status == FAIL  # BN-x5's, the example
    assert ex.fewer_steps_x30.check(11.5).status == FAIL


def test_steps_to_target_agrees_with_run_steps_to():
    run = fake_run([0.1, 0.5, 0.95, 0.9], p=4)
    got = ex.steps_to_target.reference(run.steps, run.test_acc, 0.9)
    assert got == run.steps_to(0.9) == 20
    assert ex.steps_to_target.reference(run.steps, run.test_acc, 0.99) is None
    assert run.steps_to(0.99) is None


def minus_one_for_never(steps, accuracy, target):  # the old convention: now wrong
    hit = np.asarray(accuracy) >= target
    return int(steps[np.argmax(hit)]) if hit.any() else -1


def strictly_above(steps, accuracy, target):  # > instead of >=: misses a target hit exactly
    hit = np.asarray(accuracy) > target
    return int(steps[np.argmax(hit)]) if hit.any() else None


def test_steps_to_target_wants_none_for_never_and_counts_equality_as_reached():
    assert ex.steps_to_target.check(ex._steps_to_solution)
    assert ex.steps_to_target.check(minus_one_for_never).status == FAIL
    assert ex.steps_to_target.check(strictly_above).status == FAIL


def test_paired_exercise_matches_paper_paired_differences():
    from bnlib.experiments.paper import paired_differences

    without = [fake_run([0.1, a], p=2, seed=s) for s, a in enumerate((0.9, 0.92, 0.91))]
    with_bn = [fake_run([0.1, b], p=2, seed=s, bn=True) for s, b in enumerate((0.93, 0.93, 0.9))]
    d = paired_differences(without, with_bn)
    ref = ex.paired_comparison.reference([0.9, 0.92, 0.91], [0.93, 0.93, 0.9])
    np.testing.assert_allclose(ref, [d.mean(), 2 / 3])
    assert np.isnan(fewer_steps(None, 5))
