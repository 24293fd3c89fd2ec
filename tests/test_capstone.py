"""The capstone's checker and score: the reference solution scores 10/10, each classic mistake
less with its hint, the unfilled skeleton 0/10 with "not attempted" and no traceback."""

import pytest

from bnlib.notebook import capstone
from bnlib.notebook.capstone_judges import HINTS
from bnlib.notebook.checks import FAIL, PASS, TODO
from tests.capstone_solution import MyBatchNorm1d
from tests.test_capstone_judges import (
    BiasedRunningVar,
    DivisorInTraining,
    EvalOnBatchStats,
    MomentumInverted,
    Raises,
    Skeleton,
)


def solution_accuracy() -> float:
    return capstone.train(MyBatchNorm1d).fit.test_acc


def test_the_reference_solution_scores_10_of_10():
    score = capstone.score(MyBatchNorm1d, round(100 * solution_accuracy(), 1))
    assert score.points == 10 and [r.status for _, r in score] == [PASS] * 5
    assert (
        "08_capstone score 10/10 (forward 2/2, running stats 2/2, eval 2/2, backward 2/2, training 2/2)"
        in repr(score)
    )


def test_the_reference_solution_trains_past_the_bar_at_the_high_rate():
    assert capstone.MIN_ACC <= solution_accuracy() <= 1.0
    assert "test accuracy" in repr(capstone.train(MyBatchNorm1d))


@pytest.mark.parametrize(
    ("cls", "check", "hint"),
    [
        (DivisorInTraining, capstone.forward, "divisor"),
        (BiasedRunningVar, capstone.running_stats, "biased_running"),
        (EvalOnBatchStats, capstone.eval_mode, "eval_batch"),
        (MomentumInverted, capstone.running_stats, "momentum"),
    ],
)
def test_each_classic_mistake_scores_below_10_with_its_hint(cls, check, hint):
    acc = capstone.train(cls).fit.test_acc  # each still trains: the checks catch them
    score = capstone.score(cls, acc)
    assert score.points < 10
    result = dict(score)[check]
    assert result.status == FAIL and HINTS[hint] in repr(result)


def test_the_unfilled_skeleton_scores_0_and_says_not_attempted():
    score = capstone.score(Skeleton, None)
    assert score.points == 0 and [r.status for _, r in score] == [TODO] * 5
    text = repr(score)
    assert text.count("not attempted yet") == 5 and "Traceback" not in text
    assert "08_capstone score 0/10" in text
    assert repr(capstone.train(Skeleton)).startswith("skipped: your layer is not written yet")


def test_a_layer_that_raises_fails_every_check_with_its_error_and_skips_training():
    score = capstone.score(Raises, 90.0)
    assert score.points == 0 and all(r.status == FAIL for _, r in score)
    assert "your code raised (ValueError: matmul" in repr(dict(score)[capstone.forward])
    assert repr(capstone.train(Raises)).startswith("skipped: your layer does not run yet")


@pytest.mark.parametrize(
    ("reported", "status", "says"),
    [
        (None, TODO, "report your network's test accuracy"),
        (50.0, FAIL, "you reported 50.0%"),
        ("high", FAIL, "you reported 'high', which is not a number"),
        (float("nan"), FAIL, "you reported nan, which is not a finite number"),
        (float("inf"), FAIL, "you reported inf, which is not a finite number"),
        (-1, FAIL, "you reported -1, which is not an accuracy from 0 to 100 %"),
        (101.0, FAIL, "you reported 101.0, which is not an accuracy from 0 to 100 %"),
        (True, FAIL, "you reported True, which is not a number"),
        ([89.0], FAIL, "you reported [89.0], which is not a number"),
    ],
)
def test_the_reported_accuracy_is_checked(reported, status, says):
    result = capstone.training.check(reported, MyBatchNorm1d)
    assert result.status == status and says in result.message
    if status == FAIL:  # the hint repeats what this run measured, never a fixed number
        assert result.hint == capstone.REPORT_HINT.format(100 * solution_accuracy())
        assert f"{100 * solution_accuracy():.1f}, as printed above" in result.hint


def test_nan_or_out_of_range_never_scores_the_report_points():
    for reported in (float("nan"), float("-inf"), -1, -0.5, 1e9):
        assert capstone.score(MyBatchNorm1d, reported).points == 8


@pytest.mark.parametrize(
    ("reported", "fraction"),
    [
        (0.889, 0.889),
        (88.9, 0.889),
        ("88.9", 0.889),
        ("88.9%", 0.889),
        (" 88.9 % ", 0.889),
        ("0.5%", 0.005),
        (1, 1.0),
        (0, 0.0),
        (100, 1.0),
    ],
)
def test_a_reported_accuracy_reads_as_a_fraction_a_percentage_or_text_with_percent(
    reported, fraction
):
    assert capstone.as_fraction(reported) == pytest.approx(fraction)


def test_the_reported_accuracy_may_be_a_fraction_or_percent_read_off_the_print():
    acc = solution_accuracy()
    assert capstone.training.check(acc, MyBatchNorm1d)
    assert capstone.training.check(round(100 * acc), MyBatchNorm1d)  # whole percent: within 1
    assert capstone.training.check(f"{acc:.1%}", MyBatchNorm1d)  # the print, pasted as text


def test_the_trained_layer_has_test_acc_like_the_plain_run():
    assert capstone.train(MyBatchNorm1d).test_acc == solution_accuracy()
    assert capstone.train(Skeleton).test_acc is None
