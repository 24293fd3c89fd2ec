"""The capstone's judges: the reference solution passes each; each classic mistake fails the
judge it belongs to, with its own hint; placeholders are "not yet", never an exception."""

import numpy as np
import pytest

from bnlib.notebook import capstone_judges as judges
from bnlib.notebook.capstone_judges import HINTS, Broken, NotYet
from tests.capstone_solution import MyBatchNorm1d


class Skeleton(MyBatchNorm1d):
    """The notebook's skeleton: forward and backward are placeholders returning None."""

    def forward(self, x):
        if self.training:
            mu = None
            var = None
        else:
            mu, var = None, None
        x_hat = None
        self.cache = (x_hat, mu, var)
        return None

    def backward(self, dy):
        self.grad_bias = None
        self.grad_weight = None
        dx = None
        return dx


class NotImplemented_(MyBatchNorm1d):
    def forward(self, x):
        raise NotImplementedError


class DivisorInTraining(MyBatchNorm1d):
    """Mistake 1a: Algorithm 1 with the unbiased variance (m - 1)."""

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, mu = len(x), x.mean(axis=0)
        var = x.var(axis=0, ddof=1)
        self.running_mean = 0.9 * self.running_mean + 0.1 * mu
        self.running_var = 0.9 * self.running_var + 0.1 * var  # right: already unbiased
        x_hat = (x - mu) / np.sqrt(var + self.eps)
        self.cache = (x_hat, mu, var * (m - 1) / m)
        return self.weight * x_hat + self.bias


class BiasedRunningVar(MyBatchNorm1d):
    """Mistake 1b: running_var averages the biased variance."""

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        old_var = self.running_var
        y = super().forward(x)
        self.running_var = (1 - self.momentum) * old_var + self.momentum * x.var(axis=0)
        return y


class EvalOnBatchStats(MyBatchNorm1d):
    """Mistake 2: eval mode normalises with the batch's statistics."""

    def forward(self, x):
        if self.training:
            return super().forward(x)
        x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + self.eps)
        return self.weight * x_hat + self.bias


class MomentumInverted(MyBatchNorm1d):
    """Mistake 3: new = 0.1 * old + 0.9 * batch (momentum 0.9 read as PyTorch's)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__(num_features, eps, 1 - momentum)


class EpsOutside(MyBatchNorm1d):
    """Lesson 02's mistake: (x - mu) / (sqrt(var) + eps) in training mode."""

    def forward(self, x):
        y = super().forward(x)
        if not self.training:
            return y
        mu, var = x.mean(axis=0), x.var(axis=0)
        return self.weight * (x - mu) / (np.sqrt(var) + self.eps) + self.bias


class DirectDx(MyBatchNorm1d):
    """dx as if mu_B and var_B did not depend on x."""

    def backward(self, dy):
        _, _, var = self.cache
        super().backward(dy)
        return dy * self.weight / np.sqrt(var + self.eps)


class Raises(MyBatchNorm1d):
    def forward(self, x):
        return x @ np.ones((2, 2))  # a shape error


ALL = ("forward", "running", "eval", "backward")


def judge(name, cls):
    return getattr(judges, f"judge_{name}")(cls)


@pytest.mark.parametrize("name", ALL)
def test_the_reference_solution_passes_every_judge(name):
    assert judge(name, MyBatchNorm1d) is None


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("cls", [Skeleton, NotImplemented_])
def test_placeholders_are_not_yet_attempted(name, cls):
    with pytest.raises(NotYet):
        judge(name, cls)


@pytest.mark.parametrize(
    ("cls", "failing", "hint"),
    [
        (DivisorInTraining, "forward", "divisor"),
        (BiasedRunningVar, "running", "biased_running"),
        (EvalOnBatchStats, "eval", "eval_batch"),
        (MomentumInverted, "running", "momentum"),
        (EpsOutside, "forward", "eps"),
        (DirectDx, "backward", "dx_direct"),
    ],
)
def test_each_mistake_fails_its_judge_with_its_hint_and_passes_the_others(cls, failing, hint):
    message, got_hint = judge(failing, cls)
    assert "differ" in message and HINTS[hint] in got_hint
    # backward is checked against the right forward, so a wrong forward fails it too
    others = [n for n in ALL if n not in (failing, "backward" if failing == "forward" else "")]
    assert [judge(n, cls) for n in others] == [None] * len(others)


def test_the_running_message_names_what_differs_in_good_grammar():
    assert judge("running", BiasedRunningVar)[0] == (
        "after 3 training batches, running_var differs from PyTorch's"
    )
    assert judge("running", MomentumInverted)[0] == (
        "after 3 training batches, running_mean and running_var differ from PyTorch's"
    )


def test_hints_for_a_mistake_say_it_is_yours():
    """A hint naming a mistake must not read as an instruction ("Eval mode uses the batch's
    own statistics" did): each starts with "Your"."""
    named = ("divisor", "eps", "affine", "running_in_train", "momentum", "biased_running")
    for name in (*named, "eval_batch", "eval_updates", "dx_direct"):
        assert HINTS[name].startswith(("You ", "Your ")), name


def test_both_running_mistakes_at_once_get_both_hints():
    class Both(MomentumInverted, BiasedRunningVar):
        pass

    _, hint = judge("running", Both)
    assert HINTS["momentum"] in hint and HINTS["biased_running"] in hint


def test_running_stats_never_updated_is_named():
    class Frozen(MyBatchNorm1d):
        def forward(self, x):
            saved = self.running_mean, self.running_var
            y = super().forward(x)
            self.running_mean, self.running_var = saved
            return y

    message, hint = judge("running", Frozen)
    assert "start values 0 and 1" in message and hint == HINTS["unchanged"]


def test_an_error_in_the_learners_code_is_reported_with_its_message():
    with pytest.raises(Broken, match=r"your code raised \(ValueError: matmul"):
        judge("forward", Raises)


def test_a_placeholder_left_in_a_formula_is_named():
    class Half(MyBatchNorm1d):
        def forward(self, x):
            var = None
            return (x - x.mean(axis=0)) / np.sqrt(var + self.eps)

    with pytest.raises(Broken, match="a placeholder is still None"):
        judge("forward", Half)


def test_the_judges_numbers_match_the_formulas_they_name():
    """The fixed batches: the EMA the running-stats judge expects is PyTorch's, by hand."""
    mean, var = judges._ema(inverted=False, biased=False)
    by_hand_mean, by_hand_var = np.zeros(3), np.ones(3)
    for b in judges.BATCHES:
        by_hand_mean = 0.9 * by_hand_mean + 0.1 * b.mean(axis=0)
        by_hand_var = 0.9 * by_hand_var + 0.1 * b.var(axis=0, ddof=1)
    np.testing.assert_allclose(mean, by_hand_mean, rtol=1e-14)
    np.testing.assert_allclose(var, by_hand_var, rtol=1e-14)
