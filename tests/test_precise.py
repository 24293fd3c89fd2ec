"""bnlib.nn.precise: precise BN for numpy layers equals the whole training set's statistics,
and its Algorithm 2 estimator equals bnlib.experiments.torch_nets.precise_bn_torch on a torch model."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from bnlib import functional as F
from bnlib.experiments.torch_nets import precise_bn_torch
from bnlib.inference import population_stats
from bnlib.layers import BatchNorm1d, BatchNorm2d
from bnlib.nn import precise as P


def split(x, sizes):
    """x cut into consecutive batches of the given sizes."""
    return np.split(x, np.cumsum(sizes)[:-1])


@given(sizes=st.lists(st.integers(1, 9), min_size=1, max_size=8).filter(lambda s: sum(s) >= 2))
def test_pooled_stats_are_the_whole_sets_mean_and_unbiased_variance(sizes):
    x = np.random.default_rng(len(sizes)).normal(5.0, 2.0, size=(sum(sizes), 3))
    mean, var = P.pooled_stats(split(x, sizes))
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(var, x.var(axis=0, ddof=1), rtol=1e-10)


def test_pooled_stats_of_conv_batches_pool_over_n_h_w(rng):
    x = rng.normal(-3.0, 0.5, size=(12, 2, 3, 3))
    mean, var = P.pooled_stats(split(x, [5, 4, 3]))
    flat = x.transpose(1, 0, 2, 3).reshape(2, -1)  # (C, N*H*W)
    np.testing.assert_allclose(mean, flat.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(var, flat.var(axis=1, ddof=1), rtol=1e-10)


def test_pooled_stats_keep_float32_data_with_a_large_offset_accurate():
    x = (1e4 + np.random.default_rng(0).standard_normal((4096, 2))).astype(np.float32)
    _, var = P.pooled_stats(split(x, [1024] * 4))
    np.testing.assert_allclose(var, x.astype(np.float64).var(axis=0, ddof=1), rtol=1e-6)


@pytest.mark.parametrize("cls, shape", [(BatchNorm1d, (64, 3)), (BatchNorm2d, (16, 3, 4, 4))])
def test_precise_bn_sets_a_layer_to_the_whole_training_sets_statistics(cls, shape, rng):
    train = rng.normal(2.0, 3.0, size=shape).astype(np.float32)
    layer = cls(3)
    layer.weight[:] = [1.0, 2.0, 0.5]
    layer.eval()
    assert P.precise_bn(layer, split(train, [shape[0] // 4] * 4)) == 4
    whole = train.astype(np.float64).swapaxes(0, 1).reshape(3, -1)
    np.testing.assert_allclose(layer.running_mean, whole.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(layer.running_var, whole.var(axis=1, ddof=1), rtol=1e-5)
    assert not layer.training and layer.momentum == 0.1 and layer.num_batches_tracked == 4
    assert layer.running_mean.dtype == np.float32
    np.testing.assert_array_equal(layer.weight, [1.0, 2.0, 0.5])
    y = layer(train)  # eval mode now uses exactly the whole set's statistics
    expected = F.batch_norm_eval(train, layer.weight, layer.bias, *P.pooled_stats([train]))
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_algorithm2_estimator_is_population_stats(rng):
    batches = list(rng.normal(0.0, 1.0, size=(10, 8, 4)))
    layer = BatchNorm1d(4)
    P.precise_bn(layer, batches, estimator="algorithm2")
    mean, var = population_stats(
        [F.batch_mean(b) for b in batches], [F.batch_var(b) for b in batches], m=8
    )
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-6)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-6)


@pytest.mark.parametrize("sizes", [[16] * 6, [16, 16, 16, 5]])
def test_algorithm2_estimator_equals_precise_bn_torch(sizes, rng):
    """The numpy layer and bnlib.experiments.torch_nets.precise_bn_torch on torch's BatchNorm1d agree, also
    with a short last batch (each batch counts once, as torch's momentum=None does)."""
    x = rng.normal(1.0, 2.0, size=(sum(sizes), 5))
    batches = split(x, sizes)
    bn = torch.nn.BatchNorm1d(5).double()
    precise_bn_torch(bn, [torch.from_numpy(b) for b in batches])
    layer = BatchNorm1d(5, dtype=np.float64)
    P.precise_bn(layer, batches, estimator="algorithm2")
    np.testing.assert_allclose(layer.running_mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, bn.running_var.numpy(), rtol=1e-12)


def test_algorithm2_differs_from_the_whole_set_by_the_spread_of_batch_means(rng):
    """Law of total variance, B equal batches of m from N values: the whole set's
    biased variance = mean of the batch variances + variance of the batch means."""
    x = rng.normal(0.0, 1.0, size=(20 * 8, 2))
    batches = split(x, [8] * 20)
    mean_a2, var_a2 = P.algorithm2_stats(batches)
    mean_all, var_all = P.pooled_stats(batches)
    mus = np.array([F.batch_mean(b) for b in batches])
    np.testing.assert_allclose(mean_a2, mean_all, rtol=1e-12)
    within = var_a2 * 7 / 8  # undo m/(m-1): the mean of the batch variances
    np.testing.assert_allclose(var_all * 159 / 160, within + mus.var(axis=0), rtol=1e-12)


def test_one_batch_holding_the_whole_set_gives_both_estimators_the_same(rng):
    x = rng.normal(size=(50, 3))
    for a, b in zip(P.pooled_stats([x]), P.algorithm2_stats([x]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: P.precise_bn(torch.nn.BatchNorm1d(2), [np.ones((4, 2))]),
            TypeError,
            r"expected a bnlib.layers BatchNorm layer \(got BatchNorm1d\)",
        ),
        (
            lambda: P.precise_bn(BatchNorm1d(2, track_running_stats=False), [np.ones((4, 2))]),
            ValueError,
            r"does not track running statistics",
        ),
        (
            lambda: P.precise_bn(BatchNorm1d(2), [np.ones((4, 2))], estimator="ema"),
            ValueError,
            r"estimator must be one of \('pooled', 'algorithm2'\) \(got 'ema'\)",
        ),
        (
            lambda: P.precise_bn(BatchNorm1d(2), []),
            ValueError,
            r"expected at least one batch \(got none\)",
        ),
        (
            lambda: P.precise_bn(BatchNorm1d(2), [np.ones((4, 3))]),
            ValueError,
            r"expected 2 channels in axis 1",
        ),
        (
            lambda: P.pooled_stats([np.ones((1, 2))]),
            ValueError,
            r"needs >= 2 values per channel \(got 1\)",
        ),
        (
            lambda: P.pooled_stats([np.ones((3, 2)), np.ones((3, 4))]),
            ValueError,
            r"every batch must have 2 channels in axis 1 \(got a batch of shape \(3, 4\)\)",
        ),
        (
            lambda: P.pooled_stats([np.ones(3)]),
            ValueError,
            r"expected 2D, 3D or 4D input \(got 1D input\)",
        ),
        (
            lambda: P.pooled_stats([np.ones((3, 2), dtype=int)]),
            TypeError,
            r"batch must be a floating-point array",
        ),
        (
            lambda: P.algorithm2_stats([np.ones((3, 2)), np.ones((1, 2))]),
            ValueError,
            r"needs m >= 2 values per channel \(got m=1\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()
