"""01's exercises: the compounding factor to three digits, the rescaling and shift predictions
judged layer by layer against what bnlib.experiments.ics computes."""

import pytest

from bnlib.notebook.checks import FAIL, PASS, TODO
from bnlib.notebook.exercises import nb01 as ex


def test_three_significant_digits_or_an_expression_pass():
    assert ex.gain_compounds.check(6.73).status == PASS
    assert ex.gain_compounds.check(1.1**20).status == PASS
    assert ex.gain_compounds.check(6.6).status == FAIL  # 2% off
    assert ex.gain_compounds.check(1.1 * 20).status == FAIL  # the factors multiply, not add


def test_rescaling_layer_1_moves_everything_without_bn_and_nothing_with_bn():
    assert ex.rescaled_layer_1_moves(bn=False) == [True, True, True]
    assert ex.rescaled_layer_1_moves(bn=True) == [False, False, False]
    assert min(ex.rescaled_layer_1_w1(bn=False)) > 10 * ex.MOVES  # clearly moves
    assert max(ex.rescaled_layer_1_w1(bn=True)) < ex.MOVES / 10  # only BN's eps and rounding


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (
            [[True, False, False], [False, False, False]],
            "without BN: think again about layer(s) 2, 3",
        ),
        ([[True, True, True], [True, False, False]], "with BN: think again about layer(s) 1"),
        ([[True, True, True]], "expected 2 rows (without BN, with BN) of 3 True/False values"),
        ([[1, 1, 1], [0, 0, "no"]], "each value is True (moves) or False (does not move)"),
    ],
)
def test_rescale_prediction_says_which_row_and_layer_is_wrong(answer, says):
    result = ex.rescale_prediction.check(answer)
    assert result.status == FAIL and says in result.message


def test_rescale_prediction_accepts_ones_and_zeros_and_waits_for_an_answer():
    assert ex.rescale_prediction.check([[1, 1, 1], [0, 0, 0]]).status == PASS
    assert ex.rescale_prediction.check(None).status == TODO


def test_raising_beta_1_with_bn_moves_every_layer():
    w1 = ex.shifted_beta_1_w1()
    assert w1[0] == pytest.approx(ex.SHIFT, rel=1e-6)  # z_1 = gamma x_hat + beta: shifted by 1
    assert min(w1[1:]) > 10 * ex.MOVES  # the shape of layers 2 and 3's input changes


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ([True, False, False], "think again about layer(s) 2, 3"),
        ([True, True], "expected 3 True/False values, one per layer (got 2)"),
        ([1, 1, "yes"], "each value is True (moves) or False (does not move)"),
    ],
)
def test_shift_prediction_says_which_layer_is_wrong(answer, says):
    result = ex.shift_prediction.check(answer)
    assert result.status == FAIL and says in result.message


def test_shift_prediction_passes_the_right_answer():
    assert ex.shift_prediction.check([1, 1, 1]).status == PASS
