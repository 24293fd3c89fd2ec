"""05's exercises: the review's averaging of standard deviations fails, the diagnosis is judged
report by report."""

import numpy as np
import pytest

from bnlib.inference import batch_std_ratio
from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb05 as ex


def test_averaging_the_stored_stds_fails_even_with_the_variance_correction():
    def review_reading(batch_stds, m):  # the review's §3.3: the mean of the stored sigma_B
        return np.mean(batch_stds, axis=0) * np.sqrt(m / (m - 1))

    result = ex.std_from_stored_stds.check(review_reading)
    assert result.status == FAIL and "test case 1" in result.message


def test_std_exercise_reference_is_the_square_root_of_algorithm_2s_variance():
    stds = np.array([[1.0], [2.0], [1.0], [2.0]])
    # sqrt(4/3 * mean(1, 4, 1, 4)) = sqrt(10/3)
    assert ex.std_from_stored_stds.reference(stds, 4) == pytest.approx([np.sqrt(10 / 3)])


def test_std_exercise_reference_is_unbiased_for_the_variance_where_averaging_stds_is_not():
    rng = np.random.default_rng(0)
    m = 4
    stds = np.sqrt(rng.normal(0.0, 2.0, size=(m, 40_000)).var(axis=0))[:, None]  # sigma_B
    var_hat = ex.std_from_stored_stds.reference(stds, m)[0] ** 2
    assert var_hat == pytest.approx(4.0, rel=0.02)
    assert stds.mean() / 2.0 == pytest.approx(batch_std_ratio(m), rel=0.01)  # about 0.80


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ([2, 5, 3, 1], "report C points to another pitfall"),
        ([1, 5, 4, 2], "report A, D points to another pitfall"),
        ([2, 5, 4], "expected 4 pitfall numbers, one per report A-D (got 3)"),
        ([2, 5, 4, 7], "from 1 to 5"),
        ([2, 5, 4.5, 1], "from 1 to 5"),
    ],
)
def test_diagnosis_names_the_wrong_reports(answer, says):
    result = ex.diagnose_the_pitfall.check(answer)
    assert result.status == FAIL and says in result.message


def test_diagnosis_accepts_the_answer_as_floats_or_a_tuple():
    assert ex.diagnose_the_pitfall.check((2, 5, 4, 1)).status == PASS
    assert ex.diagnose_the_pitfall.check(np.array([2.0, 5.0, 4.0, 1.0])).status == PASS
