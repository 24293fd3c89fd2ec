"""Lab 05a's exercise: Algorithm 2's variance ignores the between-batch spread."""

import pytest

from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb05a as ex


def test_algorithm2_keeps_w_and_replaces_b():
    assert ex.algorithm2_from_the_split.reference() == pytest.approx(2.5)
    assert ex.algorithm2_from_the_split.check(2.5).status == PASS


def test_the_sets_own_variance_w_plus_b_fails():
    assert ex.algorithm2_from_the_split.check(2.0 + 0.3).status == FAIL
