"""The capstone's checker (notebook 08): a learner's BatchNorm1d class checked against
``torch.nn.BatchNorm1d`` and autograd (``capstone_judges``), trained in the paper's MNIST
network at a learning rate where the network without BN breaks, and a score out of 10.

Every check builds fresh layers from the learner's class and never raises: a placeholder
(``None``, ``NotImplementedError``) reads "not attempted yet"; an exception in the learner's
code, a wrong shape or a NaN reads "not yet right" with what went wrong and a hint.
``bnlib.notebook.capstone_grader`` scores handed-in notebooks offline
(``python -m bnlib.notebook.capstone NOTEBOOK ...``).
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
import weakref

import numpy as np

from bnlib.experiments import capstone_runs
from bnlib.nn.data import load_mnist
from bnlib.notebook.capstone_judges import (
    ALG1,
    BATCHES,
    DY,
    HINTS,
    Broken,
    NotYet,
    forward_of,
    judge_backward,
    judge_eval,
    judge_forward,
    judge_running,
    new_layer,
    run,
)
from bnlib.notebook.checks import FAIL, PASS, TODO, Result, _placeholder

MIN_ACC = 0.80  # the training check's bar (a correct layer: 0.83-0.91 over 12 seeds)
TRAIN_HINT = "Make the four checks above pass first: the network trains only with a working layer."
REPORT_HINT = "Type your network's test accuracy as a number: {:.1f}, as printed above."


_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # learner's class -> Trained


class Trained:
    """The learner's layer in the paper's network: ``fit`` (a capstone_runs.Fit) or why not."""

    def __init__(self, fit=None, why: str = ""):
        self.fit, self.why = fit, why

    @property
    def test_acc(self) -> float | None:
        """The eval-mode test accuracy, as ``plain.test_acc`` (None when skipped)."""
        return None if self.fit is None else self.fit.test_acc

    def __repr__(self) -> str:
        if self.fit is None:
            return f"skipped: {self.why}"
        lr, steps = capstone_runs.HIGH_LR, capstone_runs.STEPS
        note = f" ({self.fit.train.message})" if self.fit.train.diverged else ""
        acc = self.fit.test_acc
        return f"your BN network: test accuracy {acc:.1%} after {steps} steps at lr {lr:g}{note}"


def train(cls) -> Trained:
    """Train the paper's MNIST network with the learner's BN class (once per class)."""
    if cls not in _RUNS:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                layer = new_layer(cls)
                forward_of(layer, BATCHES[0])
                if run(layer.backward, DY.copy()) is None:
                    raise NotYet("backward returns None")
                _RUNS[cls] = Trained(capstone_runs.fit(load_mnist(), norm=cls))
        except NotYet as e:
            _RUNS[cls] = Trained(why=f"your layer is not written yet ({e})")
        except Exception as e:  # the learner's code, inside training too
            _RUNS[cls] = Trained(why=f"your layer does not run yet ({e})")
    return _RUNS[cls]


def _judge_training(reported, cls):
    trained = train(cls)
    if trained.fit is None:
        raise NotYet(trained.why) if "not written" in trained.why else Broken(trained.why)
    acc = trained.fit.test_acc
    if acc < MIN_ACC:
        return f"your BN network reached {acc:.1%} test accuracy, below {MIN_ACC:.0%}", TRAIN_HINT
    if _placeholder(reported):
        raise NotYet("report your network's test accuracy: replace None with it")
    hint = REPORT_HINT.format(100 * acc)  # the accuracy this learner's run measured
    try:
        got = as_fraction(reported)
    except ValueError as e:
        return str(e), hint
    if abs(got - acc) > 0.01:
        return f"you reported {got:.1%}, your network measured {acc:.1%}", hint
    return None


def as_fraction(reported) -> float:
    """A reported accuracy as a fraction: a number from 0 to 1 (a fraction) or above 1 up to
    100 (a percentage), or its text, optionally ending in %. ValueError says what is wrong."""
    value, percent = reported, False
    if isinstance(reported, str):
        percent = reported.strip().endswith("%")
        try:
            value = float(reported.strip().removesuffix("%"))
        except ValueError:
            raise ValueError(f"you reported {reported!r}, which is not a number") from None
    elif isinstance(reported, bool) or not isinstance(reported, numbers.Real):
        raise ValueError(f"you reported {reported!r}, which is not a number")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"you reported {reported!r}, which is not a finite number")
    if not 0 <= value <= 100:
        raise ValueError(f"you reported {reported!r}, which is not an accuracy from 0 to 100 %")
    return value / 100 if percent or value > 1 else value


class Check:
    """One graded check: ``check(...)`` returns a ``checks.Result``; worth ``points``."""

    def __init__(self, name: str, title: str, points: int, judge, hint: str):
        self.name, self.title, self.points = name, title, points
        self.judge, self.hint = judge, hint

    def check(self, *answer) -> Result:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # the learner's NaN warnings: reported, not shown
                problem = self.judge(*answer)
        except NotYet as e:
            return Result(TODO, self.title, f"not attempted yet: {e}.")
        except Broken as e:
            return Result(FAIL, self.title, f"not yet right: {e}.", self.hint)
        except Exception as e:  # a malformed answer (e.g. text for a number): say so, never raise
            message = f"could not use your answer ({type(e).__name__}: {e})."
            return Result(FAIL, self.title, message, self.hint)
        if problem is None:
            return Result(PASS, self.title, "correct!")
        return Result(FAIL, self.title, f"not yet right: {problem[0]}.", problem[1])

    def __repr__(self) -> str:
        return f"Check({self.name!r}, {self.points} points)"


forward = Check(
    "forward", "1. Training-mode forward against torch.nn.BatchNorm1d", 2, judge_forward, ALG1
)
running_stats = Check(
    "running stats",
    "2. Running statistics after 3 training batches",
    2,
    judge_running,
    HINTS["ema"],
)
eval_mode = Check(
    "eval", "3. Eval-mode forward with the running statistics", 2, judge_eval, HINTS["eval"]
)
backward = Check(
    "backward",
    "4. Backward (dx, dgamma, dbeta) against autograd",
    2,
    judge_backward,
    HINTS["backward"],
)
training = Check(
    "training",
    "5. Trained at a high learning rate, accuracy reported",
    2,
    _judge_training,
    TRAIN_HINT,
)
LAYER_CHECKS = (forward, running_stats, eval_mode, backward)


class Score(tuple):
    """(check, result) pairs; the repr is the score, each check, and a line to hand in.
    ``notes``: what the offline grader found in the notebook (``capstone_grader``)."""

    def __new__(cls, pairs, notes=()):
        score = super().__new__(cls, pairs)
        score.notes = tuple(notes)
        return score

    def reasons(self) -> list[str]:
        """Why each check below full points lost them, after the grader's notes."""
        return [*self.notes, *(f"{c.name}: {r.message}" for c, r in self if not r)]

    @property
    def points(self) -> int:
        return sum(c.points for c, r in self if r)

    def __repr__(self) -> str:
        total = sum(c.points for c, _ in self)
        rows = [f"  {c.points * bool(r)}/{c.points}  {r!r}" for c, r in self]
        parts = ", ".join(f"{c.name} {c.points * bool(r)}/{c.points}" for c, r in self)
        line = f"08_capstone score {self.points}/{total} ({parts})"
        head = f"Capstone score: {self.points}/{total}"
        return "\n".join([head, *rows, "", "Hand in this line:", line])


def score(cls, reported) -> Score:
    """Every check on the learner's class and reported accuracy (training runs once per class)."""
    results = [(c, c.check(cls)) for c in LAYER_CHECKS]
    return Score([*results, (training, training.check(reported, cls))])


if __name__ == "__main__":  # python -m bnlib.notebook.capstone NOTEBOOK ...
    from bnlib.notebook.capstone_grader import main

    sys.exit(main(sys.argv[1:]))
