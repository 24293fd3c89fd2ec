"""Lab 04a's exercises: the orthogonal step lengthens W, weight decay shrinks it."""

import numpy as np
import pytest

from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb04a as ex


def test_the_plain_step_is_the_orthogonal_sum():
    assert ex.norm_after_one_step.reference() == pytest.approx(np.sqrt(4.25))
    assert ex.norm_after_one_step.check(np.sqrt(4.25)).status == PASS


def test_forgetting_orthogonality_fails():
    assert ex.norm_after_one_step.check(0.5 + 0.1 * 20).status == FAIL  # |W| + lr |g|


def test_weight_decay_makes_the_step_shorter_than_without():
    with_decay = ex.norm_after_one_step_with_decay.reference()
    assert with_decay == pytest.approx(np.sqrt(0.475**2 + 4.0))
    assert with_decay < ex.norm_after_one_step.reference()
    assert ex.norm_after_one_step_with_decay.check(np.sqrt(4.25)).status == FAIL
