"""07's exercises catch the typical mistakes with a useful message."""

import numpy as np

from bnlib.notebook.checks import FAIL
from bnlib.notebook.exercises import nb07 as ex


def test_averaging_the_device_variances_is_not_syncbn():
    def mean_of_variances(counts, means, variances):
        return (counts[:, None] * variances).sum(0) / counts.sum()

    result = ex.sync_variance.check(mean_of_variances)
    assert result.status == FAIL and "add the spread of the device means" in result.hint


def test_batch_norm_is_not_layer_norm():
    def over_the_batch(x, eps=1e-5):
        return (x - x.mean(0)) / np.sqrt(x.var(0) + eps)

    assert ex.layer_norm_by_hand.check(over_the_batch).status == FAIL


def test_layer_norm_with_the_unbiased_variance_fails():
    def unbiased(x, eps=1e-5):
        mu = x.mean(1, keepdims=True)
        return (x - mu) / np.sqrt(x.var(1, ddof=1, keepdims=True) + eps)

    assert ex.layer_norm_by_hand.check(unbiased).status == FAIL
    assert "biased" in ex.layer_norm_by_hand.hint


def test_folding_without_the_mean_fails():
    def forgot_mean(u, weight, bias, gamma, beta, mean, var):
        s = gamma / np.sqrt(var + 1e-5)
        return u @ (weight * s[:, None]).T + s * bias + beta

    assert ex.folded_layer.check(forgot_mean).status == FAIL


def test_remedy_judge_names_the_wrong_cases():
    assert "case B, C needs another remedy" in ex.which_remedy.check([1, 1, 1, 4]).message
    assert "expected 4 numbers" in ex.which_remedy.check([1, 2]).message
    assert "a number from 1 to 4" in ex.which_remedy.check([1, 2, 3, 7]).message
    assert ex.values_per_statistic.check([128, 96, 16, 32])
