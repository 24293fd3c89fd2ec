"""06's exercises: their references agree with bnlib and with the paper's claims."""

import numpy as np
import pytest

from bnlib.checks import FAIL
from bnlib.exercises import nb06 as ex
from bnlib.paper import fewer_steps
from tests.test_paper import fake_run


def test_the_table_exercise_brackets_the_papers_14_times_and_the_ratio_of_the_rounded_values():
    lo, hi = ex.fewer_steps_x5.reference()
    assert lo < 31.0 / 2.1 < hi and int(lo) == 14  # the paper's "14 times" is in the range
    assert (lo, hi) == pytest.approx((30.95 / 2.15, 31.05 / 2.05))
    assert ex.fewer_steps_x5.check(np.array([14.4, 15.1]))  # one decimal is enough
    assert ex.fewer_steps_x5.check(np.array([14.8, 14.8])).status == FAIL  # the rounded values
    assert ex.fewer_steps_x5.check(14.8).status == FAIL


def test_sigmoid_shrink_is_what_the_layers_do_at_init_and_a_quarter_of_the_weight_scale():
    ref = ex.sigmoid_shrink.reference()
    assert ref == pytest.approx(0.01 * 10 * 0.25, rel=0.03)
    assert ex.sigmoid_shrink.check(0.1).status == FAIL  # forgetting the sigmoid's slope
    assert ex._shrink_reference(seed=1) == pytest.approx(ref, rel=0.03)  # not one draw's luck


def test_steps_to_target_agrees_with_run_steps_to():
    run = fake_run([0.1, 0.5, 0.95, 0.9], p=4)
    got = ex.steps_to_target.reference(run.steps, run.test_acc, 0.9)
    assert got == run.steps_to(0.9) == 20
    assert ex.steps_to_target.reference(run.steps, run.test_acc, 0.99) is None
    assert run.steps_to(0.99) is None


def minus_one_for_never(steps, accuracy, target):  # the old convention: now wrong
    hit = np.asarray(accuracy) >= target
    return int(steps[np.argmax(hit)]) if hit.any() else -1


def test_steps_to_target_wants_none_for_never():
    assert ex.steps_to_target.check(ex._steps_to_solution)
    assert ex.steps_to_target.check(minus_one_for_never).status == FAIL


def test_paired_exercise_matches_paper_paired_differences():
    from bnlib.paper import paired_differences

    without = [fake_run([0.1, a], p=2, seed=s) for s, a in enumerate((0.9, 0.92, 0.91))]
    with_bn = [fake_run([0.1, b], p=2, seed=s, bn=True) for s, b in enumerate((0.93, 0.93, 0.9))]
    d = paired_differences(without, with_bn)
    ref = ex.paired_comparison.reference([0.9, 0.92, 0.91], [0.93, 0.93, 0.9])
    np.testing.assert_allclose(ref, [d.mean(), 2 / 3])
    assert np.isnan(fewer_steps(None, 5))
