"""Exercise checker: a clear pass or fail, a hint on failure, never a traceback.

An ``Exercise`` compares a learner's answer (a value or a function) with a
reference computed by bnlib. A placeholder (``None``, ``...`` or a function
that raises ``NotImplementedError``) reads as "not attempted yet"; a wrong
shape, a wrong type or an exception inside the learner's code reads as
"not yet right", with what went wrong and a hint.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PASS, FAIL, TODO = "pass", "fail", "todo"
_ICON = {PASS: "✅", FAIL: "❌", TODO: "✏️"}
_COLOR = {PASS: "#009E73", FAIL: "#D55E00", TODO: "#0072B2"}


@dataclass(frozen=True)
class Result:
    """The outcome of one check; truthy only when it passed."""

    status: str
    title: str
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.status == PASS

    def __repr__(self) -> str:
        hint = f"\n   Hint: {self.hint}" if self.hint and self.status != PASS else ""
        return f"{_ICON[self.status]} {self.title}: {self.message}{hint}"

    def _repr_html_(self) -> str:
        hint = ""
        if self.hint and self.status != PASS:
            hint = f"<br><b>Hint:</b> {html.escape(self.hint)}"
        return (
            f'<div style="border-left: 4px solid {_COLOR[self.status]}; padding: 4px 10px">'
            f"{_ICON[self.status]} <b>{html.escape(self.title)}</b>: "
            f"{html.escape(self.message)}{hint}</div>"
        )


def compare(got, want, *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """None when ``got`` matches ``want`` (numbers or arrays, or both None: "none found");
    else what differs."""
    if want is None or got is None:
        return None if got is want else f"expected {want!r}, got {got!r}"
    try:
        got_a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected a number or an array of numbers, got {type(got).__name__}"
    want_a = np.asarray(want, dtype=np.float64)
    if got_a.shape != want_a.shape:
        return f"expected shape {want_a.shape}, got shape {got_a.shape}"
    if not np.all(np.isfinite(got_a)):
        return "your answer contains NaN or inf"
    if not np.allclose(got_a, want_a, rtol=rtol, atol=atol):
        worst = float(np.max(np.abs(got_a - want_a)))
        return f"the values differ from the expected ones (largest difference {worst:.3g})"
    return None


def _placeholder(answer) -> bool:
    return answer is None or answer is Ellipsis


class Exercise:
    """One auto-checked exercise.

    Args: title; hint shown on failure; ``reference``: a function of no
    arguments returning the expected value, or, with ``cases``, the reference
    implementation the learner's function is compared with on each case
    (a tuple of positional arguments); ``judge``: instead of a reference, a
    function of the answer returning None when it is right or a sentence
    saying what is wrong (for exercises with many right answers);
    ``solution``: a function whose source ``show_solution`` prints (called
    with no arguments it returns a right answer, or it is the right function);
    rtol, atol for the comparison.
    """

    def __init__(
        self,
        title,
        hint,
        reference=None,
        *,
        cases=None,
        judge=None,
        solution=None,
        rtol=1e-6,
        atol=1e-8,
    ):
        if (reference is None) == (judge is None):
            raise ValueError("give an Exercise either a reference or a judge (got both or neither)")
        self.title, self.hint, self.reference, self.judge = title, hint, reference, judge
        self.cases, self.solution = cases, solution
        self.rtol, self.atol = rtol, atol

    def check(self, answer) -> Result:
        """Check ``answer``; returns a ``Result`` that displays itself."""
        if _placeholder(answer):
            return Result(TODO, self.title, "not attempted yet: replace None with your answer.")
        if self.judge is not None:
            try:
                problem = self.judge(answer)
            except Exception as e:  # a malformed answer: say so, never raise
                problem = f"could not use your answer ({type(e).__name__}: {e})"
        elif self.cases is None:
            problem = compare(answer, self.reference(), rtol=self.rtol, atol=self.atol)
        else:
            problem = self._check_function(answer)
        if problem == TODO:
            return Result(TODO, self.title, "not attempted yet: fill in the function.")
        if problem:
            return Result(FAIL, self.title, f"not yet right: {problem}.", self.hint)
        return Result(PASS, self.title, "correct!")

    def _check_function(self, fn) -> str | None:
        if not callable(fn):
            return f"expected a function, got {type(fn).__name__}"
        for i, args in enumerate(self.cases, start=1):
            try:
                got = fn(*args)
            except NotImplementedError:
                return TODO
            except Exception as e:  # the learner's code: report it, never raise
                return f"on test case {i} your function raised {type(e).__name__}: {e}"
            problem = compare(got, self.reference(*args), rtol=self.rtol, atol=self.atol)
            if problem:
                return f"on test case {i}, {problem}"
        return None

    def show_solution(self) -> None:
        """Print the reference solution (try first!)."""
        if self.solution is None:
            print(f"No written solution for '{self.title}'; the hint: {self.hint}")
            return
        print(inspect.getsource(self.solution).rstrip())

    def __repr__(self) -> str:
        return f"Exercise({self.title!r})"


def solution_passes(exercise: Exercise) -> bool:
    """True when the exercise's own solution passes its check (used by the tests)."""
    sol: Callable = exercise.solution
    answer = sol if exercise.cases is not None else sol()
    return bool(exercise.check(answer))


def environment_report() -> list[tuple[str, str, str, bool]]:
    """(package, installed version, bnlib's requirement, satisfied) for each dependency.

    Read from bnlib's own metadata (pyproject.toml), so it checks what the
    collection needs, not a list kept by hand. A missing package shows as
    "missing" and unsatisfied.
    """
    from importlib.metadata import PackageNotFoundError, requires, version

    from packaging.requirements import Requirement

    rows = []
    for text in requires("bnlib") or []:
        req = Requirement(text)
        if req.marker is not None:  # the test/lab extras
            continue
        try:
            have = version(req.name)
        except PackageNotFoundError:
            rows.append((req.name, "missing", str(req.specifier), False))
            continue
        ok = req.specifier.contains(have.split("+")[0], prereleases=True)
        rows.append((req.name, have, str(req.specifier), ok))
    return rows
