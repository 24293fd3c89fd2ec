"""Lab 01a's exercise: W1 between two samples, checked against the sorted-pairs formula."""

import numpy as np
import pytest

from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb01a as ex


def test_w1_of_two_samples_passes_the_sorted_pairs_formula_and_fails_unsorted_pairs():
    def sorted_pairs(a, b):
        return np.mean(np.abs(np.sort(a) - np.sort(b)))

    def unsorted_pairs(a, b):
        return np.mean(np.abs(a - b))

    assert ex.w1_of_two_samples.check(sorted_pairs).status == PASS
    assert ex.w1_of_two_samples.check(unsorted_pairs).status == FAIL


def test_a_shift_by_c_is_w1_c():
    a = np.array([0.3, -1.2, 2.0, 0.1])
    assert ex.w1_of_two_samples.reference(a, a + 1.5) == pytest.approx(1.5)
