"""The capstone's checker and score: the reference solution scores 10/10, each classic mistake
less with its hint, the unfilled skeleton 0/10 with "not attempted" and no traceback."""

import inspect
import json
from pathlib import Path

import pytest

from bnlib.notebook import capstone
from bnlib.notebook.capstone_judges import HINTS
from bnlib.notebook.checks import FAIL, PASS, TODO
from tests import capstone_solution
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
        ("high", FAIL, "could not use your answer (ValueError"),
    ],
)
def test_the_reported_accuracy_is_checked(reported, status, says):
    result = capstone.training.check(reported, MyBatchNorm1d)
    assert result.status == status and says in result.message


def test_the_reported_accuracy_may_be_a_fraction_or_percent_read_off_the_print():
    acc = solution_accuracy()
    assert capstone.training.check(acc, MyBatchNorm1d)
    assert capstone.training.check(round(100 * acc), MyBatchNorm1d)  # whole percent: within 1


NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08_capstone.ipynb"


def with_answers(tmp_path, layer_source: str, report_source: str) -> Path:
    """A copy of notebook 08 whose two answer cells hold the given sources."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "capstone-layer" in tags:
            cell["source"] = layer_source
        if "capstone-report" in tags:
            cell["source"] = report_source
    path = tmp_path / "handed_in.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_grading_the_stored_notebook_gives_0_and_its_answer_cells_are_tagged():
    tags = [
        t
        for c in json.loads(NOTEBOOK.read_text())["cells"]
        for t in c.get("metadata", {}).get("tags", [])
    ]
    assert all(tags.count(t) == 1 for t in capstone.ANSWER_TAGS)
    assert capstone.grade(NOTEBOOK).points == 0


def test_grading_the_notebook_with_the_solution_pasted_in_gives_10(tmp_path, capsys):
    source = inspect.getsource(capstone_solution)
    report = f"my_accuracy = {100 * solution_accuracy():.1f}\ncapstone.training.check(my_accuracy, MyBatchNorm1d)"
    path = with_answers(tmp_path, source, report)
    assert capstone.grade(path).points == 10
    assert capstone.main([str(path)]) == 0
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith(
            "08_capstone score 10/10 (forward 2/2, running stats 2/2, eval 2/2, backward 2/2, training 2/2)"
        )
    )


def test_grading_survives_a_broken_answer_cell(tmp_path):
    source = inspect.getsource(capstone_solution)
    path = with_answers(tmp_path, source, "my_accuracy = mine.fit.test_acc  # not a typed number")
    score = capstone.grade(path)
    assert score.points == 8 and dict(score)[capstone.training].status == TODO
    path = with_answers(tmp_path, "class MyBatchNorm1d(:", "my_accuracy = 90")
    assert capstone.grade(path).points == 0
