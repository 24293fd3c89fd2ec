"""The capstone's offline grader: the stored notebook scores 0, the solution pasted in 10, and
when a notebook loses points the grader says why (in particular where the notebook and the
grader differ: a helper in another cell, an accuracy taken from a variable)."""

import inspect
import json
from pathlib import Path

from bnlib.notebook import capstone, capstone_grader
from bnlib.notebook.checks import FAIL, TODO
from tests import capstone_solution

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08_capstone.ipynb"
SOLUTION = inspect.getsource(capstone_solution)
FULL = (
    "08_capstone score 10/10 (forward 2/2, running stats 2/2, eval 2/2, backward 2/2, training 2/2)"
)


def solution_report() -> str:
    acc = capstone.train(capstone_solution.MyBatchNorm1d).test_acc
    return f"my_accuracy = {100 * acc:.1f}\ncapstone.training.check(my_accuracy, MyBatchNorm1d)"


def with_answers(tmp_path, layer_source: str, report_source: str, extra: str = "") -> Path:
    """A copy of notebook 08 whose two answer cells hold the given sources (and, with
    ``extra``, an untagged code cell before the class cell)."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if "capstone-layer" in tags:
            cell["source"] = layer_source
            layer_at = i
        if "capstone-report" in tags:
            cell["source"] = report_source
    if extra:
        nb["cells"].insert(layer_at, {"cell_type": "code", "metadata": {}, "source": extra})
    path = tmp_path / "handed_in.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_grading_the_stored_notebook_gives_0_and_its_answer_cells_are_tagged():
    tags = [
        t
        for c in json.loads(NOTEBOOK.read_text())["cells"]
        for t in c.get("metadata", {}).get("tags", [])
    ]
    assert all(tags.count(t) == 1 for t in capstone_grader.ANSWER_TAGS)
    score = capstone_grader.grade(NOTEBOOK)
    assert score.points == 0 and score.notes == ()
    assert len(score.reasons()) == 5 and all("not attempted yet" in r for r in score.reasons())


def test_grading_the_notebook_with_the_solution_pasted_in_gives_10_and_no_reasons(tmp_path, capsys):
    path = with_answers(tmp_path, SOLUTION, solution_report())
    score = capstone_grader.grade(path)
    assert score.points == 10 and score.reasons() == []
    assert capstone_grader.main([str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: {FULL}"


def test_an_accuracy_taken_from_another_cell_scores_8_and_the_grader_says_why(tmp_path, capsys):
    path = with_answers(tmp_path, SOLUTION, "my_accuracy = mine.fit.test_acc")
    score = capstone_grader.grade(path)
    assert score.points == 8 and dict(score)[capstone.training].status == TODO
    assert score.notes == (
        "the report cell raised NameError: name 'mine' is not defined",
        "my_accuracy is not a number typed in the report cell "
        "(the grader runs only the class cell and the report cell)",
    )
    capstone_grader.main([str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(
        "08_capstone score 8/10 (forward 2/2, running stats 2/2, eval 2/2, "
        "backward 2/2, training 0/2)"
    )
    assert lines[1:] == [f"    {r}" for r in score.reasons()]
    assert lines[-1].startswith("    training: not attempted yet")


def test_a_helper_defined_in_another_cell_scores_0_and_the_grader_says_why(tmp_path):
    layer = SOLUTION.replace("var = ((x - mu) ** 2).mean(axis=0)", "var = biased_var(x)")
    assert layer != SOLUTION
    helper = "def biased_var(x):\n    return x.var(axis=0)\n"
    score = capstone_grader.grade(with_answers(tmp_path, layer, solution_report(), helper))
    assert score.points == 0 and all(r.status == FAIL for _, r in score)
    assert score.notes == (
        "the grader runs only the class cell and the report cell: "
        "write helpers and imports inside the class cell",
    )
    assert "NameError: name 'biased_var' is not defined" in score.reasons()[1]


def test_a_class_cell_that_does_not_run_is_named(tmp_path):
    score = capstone_grader.grade(
        with_answers(tmp_path, "class MyBatchNorm1d(:", "my_accuracy = 90")
    )
    assert score.points == 0
    assert score.notes[0].startswith("the class cell raised SyntaxError")
    assert "the class cell does not define MyBatchNorm1d" in score.notes


def test_a_nan_report_scores_8_in_the_grader_too(tmp_path):
    path = with_answers(tmp_path, SOLUTION, 'my_accuracy = float("nan")')
    score = capstone_grader.grade(path)
    assert score.points == 8 and score.notes == ()
    assert score.reasons() == [
        "training: not yet right: you reported nan, which is not a finite number."
    ]


def test_a_missing_tag_is_named(tmp_path):
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("tags", None)
    path = tmp_path / "untagged.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    notes = capstone_grader.grade(path).notes
    assert (
        notes[0] == "no cell is tagged capstone-layer (the class cell): was it deleted or replaced?"
    )
    assert notes[1].startswith("no cell is tagged capstone-report")
