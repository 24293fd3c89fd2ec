"""The exercise checker: pass, fail with a hint, not-attempted; never a traceback."""

import numpy as np
import pytest

from bnlib.notebook.checks import (
    FAIL,
    PASS,
    TODO,
    Exercise,
    compare,
    environment_report,
    solution_passes,
)
from bnlib.notebook.exercises import all_exercises

value_ex = Exercise("mean", "add and divide", lambda: 3.0, solution=lambda: 3.0)


def _square(x):
    return x**2


fn_ex = Exercise(
    "square", "multiply x by itself", _square, cases=[(np.arange(3.0),), (2.0,)], solution=_square
)


@pytest.mark.parametrize("placeholder", [None, ...])
def test_placeholder_is_not_attempted_not_failed(placeholder):
    result = value_ex.check(placeholder)
    assert result.status == TODO and not result
    assert "not attempted" in repr(result)


def test_right_answer_passes_and_says_so():
    result = value_ex.check(3.0)
    assert result.status == PASS and result
    assert "correct" in repr(result) and "Hint" not in repr(result)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (4.0, "largest difference 1"),
        ([3.0, 3.0], "expected shape (), got shape (2,)"),
        ("three", "expected a number or an array of numbers, got str"),
        (float("nan"), "NaN or inf"),
    ],
)
def test_wrong_answer_fails_with_what_differs_and_the_hint(answer, says):
    result = value_ex.check(answer)
    assert result.status == FAIL and not result
    assert says in result.message
    assert "Hint: add and divide" in repr(result)
    assert "add and divide" in result._repr_html_()


def test_function_exercise():
    assert fn_ex.check(lambda x: x * x)
    assert fn_ex.check(lambda x: x + x).status == FAIL


def test_learners_exception_is_reported_not_raised():
    def broken(x):
        return x / undefined_name  # noqa: F821

    result = fn_ex.check(broken)
    assert result.status == FAIL
    assert "on test case 1 your function raised NameError" in result.message


def test_not_implemented_function_is_not_attempted():
    def todo(x):
        raise NotImplementedError

    assert fn_ex.check(todo).status == TODO


def test_non_function_for_a_function_exercise():
    assert "expected a function, got int" in fn_ex.check(3).message


def test_html_is_escaped():
    ex = Exercise("<b>", "<script>", lambda: 1.0)
    html = ex.check(2.0)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_compare_tolerances():
    assert compare(1.0 + 1e-9, 1.0) is None
    assert compare(1.1, 1.0) is not None


def test_compare_none_means_none_found():
    assert compare(None, None) is None
    assert compare(300, None) == "expected None, got 300"
    assert compare(None, 300) == "expected 300, got None"


def test_show_solution_prints_source(capsys):
    fn_ex.show_solution()
    assert "return x**2" in capsys.readouterr().out


EXERCISES = all_exercises()


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_exercise_solution_passes_and_a_wrong_answer_fails(name):
    ex = EXERCISES[name]
    assert ex.solution is not None, f"{name} has no worked solution"
    assert solution_passes(ex), f"{name}: its own solution does not pass"
    if ex.cases is None:
        wrong = np.asarray(ex.solution(), dtype=float) + 1.0
    else:

        def wrong(*args):
            return np.asarray(ex.solution(*args)) + 1.0

    assert ex.check(wrong).status == FAIL, f"{name}: a wrong answer passed"
    assert ex.check(None).status == TODO


def test_environment_report_lists_bnlib_requirements():
    rows = {name: (have, ok) for name, have, _, ok in environment_report()}
    assert {"numpy", "torch", "ipywidgets", "mlxtend"} <= set(rows)
    assert all(ok for _, ok in rows.values()), rows


def _judge_positive(answer):
    return None if float(answer) > 0 else f"{answer} is not positive"


judge_ex = Exercise("positive", "any x > 0", judge=_judge_positive, solution=lambda: 1.0)


def test_judged_exercise_accepts_any_right_answer():
    assert judge_ex.check(1.0) and judge_ex.check(42)
    assert judge_ex.check(-1).status == FAIL
    assert "is not positive" in judge_ex.check(-1).message


def test_judge_error_on_a_malformed_answer_is_reported():
    result = judge_ex.check("abc")
    assert result.status == FAIL and "could not use your answer (ValueError" in result.message


def test_exercise_needs_a_reference_or_a_judge():
    with pytest.raises(ValueError, match="either a reference or a judge"):
        Exercise("x", "h")
