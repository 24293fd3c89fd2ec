"""06's exercises: references computed by bnlib agree with the paper, and the classic mistakes
fail."""

import numpy as np
import pytest

from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb06 as ex


def test_fewer_steps_x5_reads_the_quoted_table():
    np.testing.assert_allclose(ex.fewer_steps_x5.reference(), [31.0 / 2.1, 13.3 / 2.1])
    assert ex.fewer_steps_x5.check(np.array([14.8, 6.33]))  # checked to 1%
    assert ex.fewer_steps_x5.check(np.array([2.1 / 31.0, 2.1 / 13.3])).status == FAIL  # inverted
    assert ex.fewer_steps_x5.check(np.array([14.0, 6.3])).status == FAIL  # the paper's rounded 14


def test_scale_invariant_is_what_scaling_does_to_the_network():
    assert ex._invariant_reference() == {"W1", "W2"}  # computed: BN(a W u) = BN(W u)
    assert ex._invariant_reference(a=3.0, seed=1) == {"W1", "W2"}  # not luck
    assert ex.scale_invariant.check({"W1", "W2"}).status == PASS
    says = ex.scale_invariant.check({"W1", "W2", "gamma1"})
    assert says.status == FAIL and "gamma1" in says.message
    assert "W2" in ex.scale_invariant.check({"W1"}).message
    assert "expected names" in ex.scale_invariant.check({"weights"}).message


def test_sigmoid_shrink_is_what_the_layers_do_at_init_and_a_quarter_of_the_weight_scale():
    for std, width in ex.sigmoid_shrink.cases:
        ref = ex.sigmoid_shrink.reference(std, width)
        assert ref == pytest.approx(0.25 * std * np.sqrt(width), rel=0.03)  # the derivation
    ref = ex.sigmoid_shrink.reference(0.01, 100)
    assert ex._shrink_reference(0.01, 100, seed=1) == pytest.approx(ref, rel=0.03)  # not luck
    assert ex.sigmoid_shrink.check(ex._shrink_solution)
    assert ex.sigmoid_shrink.check(lambda std, width: std * np.sqrt(width)).status == FAIL  # slope
    assert ex.sigmoid_shrink.check(lambda std, width: 0.025).status == FAIL  # the printed number


def test_scale_invariant_takes_names_or_one_flag_per_parameter():
    assert ex.scale_invariant.check([1, 1, 0, 0, 0, 0]).status == PASS
    assert ex.scale_invariant.check([1, 0, 0, 0, 0, 0]).status == FAIL
    assert "6 flags" in ex.scale_invariant.check([1, 1]).message
