"""Lab 07a's exercises: the solutions pass, the typical mistakes fail with their hint."""

import numpy as np

from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb07a as ex


def test_the_error_factor_shows_the_edge_of_stability():
    L, lr = ex.STEP_CASES[0]
    factor = ex.error_factor.reference(L, lr)
    np.testing.assert_allclose(factor, [0.5, -0.9, -1.1, -18.0])
    assert list(np.abs(factor) < 1) == list(L < 2 / lr)  # shrinks exactly below L = 2/lr


def test_a_step_that_forgets_the_learning_rate_or_the_sign_fails():
    assert ex.error_factor.check(lambda L, lr: 1 - L).status == FAIL
    assert ex.error_factor.check(lambda L, lr: 1 + lr * L).status == FAIL
    assert ex.error_factor.check(lambda L, lr: 1 - lr * L).status == PASS


def test_gradient_ics_reference_on_cases_with_known_answers():
    G, G_new = ex.SHIFT_CASES[1]
    np.testing.assert_allclose(ex.gradient_ics.reference(G, G_new), [3.0, -1.0])
    np.testing.assert_allclose(ex.gradient_ics.reference(*ex.SHIFT_CASES[2]), [np.sqrt(2), 0.0])


def test_per_row_cosines_or_the_wrong_denominator_fail():
    def per_row(G, G_new):
        G, G_new = np.atleast_2d(G), np.atleast_2d(G_new)
        cos = np.sum(G * G_new, axis=1) / np.linalg.norm(G, axis=1) / np.linalg.norm(G_new, axis=1)
        return np.array([np.linalg.norm(G - G_new) / np.linalg.norm(G), cos.mean()])

    def over_new(G, G_new):
        g, h = G.ravel(), G_new.ravel()
        return np.array(
            [
                np.linalg.norm(g - h) / np.linalg.norm(h),
                g @ h / np.linalg.norm(g) / np.linalg.norm(h),
            ]
        )

    for wrong in (per_row, over_new):
        result = ex.gradient_ics.check(wrong)
        assert result.status == FAIL and "np.ravel" in result.hint
