"""03's exercise 1: the runs it asks for do what its text tells the learner to expect."""

import numpy as np
import pytest

from bnlib.nn.losses import bce_with_logits
from bnlib.nn.train import fit_classifier
from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb03 as ex


def best_constant_loss(labels):
    """The cross-entropy of the best constant logit log(s / (1 - s)): the labels' entropy."""
    s = labels.mean()
    return -(s * np.log(s) + (1 - s) * np.log(1 - s))


def test_the_disk_is_even_unequal_and_only_roughly_symmetric():
    assert ex.Y_DISK.mean() == pytest.approx(0.3875)
    assert 0.01 < np.abs(ex.X_DISK.mean(axis=0)).max() < 0.1  # its mean is not exactly 0
    inside = np.hypot(*ex.X_DISK.T) < 1
    np.testing.assert_array_equal(inside, np.hypot(*(-ex.X_DISK).T) < 1)  # even label


def test_only_gamma_learned_lands_near_the_best_constant():
    """What the exercise says to expect: accuracy within 5 points of the constant's 61.25 %,
    loss within 0.01 of its loss (the sample is only roughly symmetric)."""
    net, acc, _ = fit_classifier(
        ex.X_DISK, ex.Y_DISK, ex.DISK_SIZES, freeze=("beta",), lr=ex.DISK_LR
    )
    assert acc == ex.disk_accuracy(("beta",))
    assert abs(100 * acc - ex.disk_only_gamma.reference()) < 5
    loss = bce_with_logits(net(ex.X_DISK), ex.Y_DISK)[0]
    assert abs(loss - best_constant_loss(ex.Y_DISK)) < 0.01


def test_beta_learned_fits_the_disk_and_the_prediction_is_checked():
    assert ex.disk_accuracy(("gamma",)) > 0.9
    assert ex.disk_beta_fits.check(True).status == PASS
    assert ex.disk_beta_fits.check(False).status == FAIL
