"""bnlib.norms against torch.nn.functional.layer_norm / group_norm, and SyncBN's combination."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from bnlib import functional as F
from bnlib.norms import group_norm, layer_norm, sync_batch_stats


@pytest.mark.parametrize("shape", [(4, 6), (3, 6, 5), (2, 6, 4, 4)])
def test_layer_norm_matches_torch(shape, rng):
    x = 3 + 2 * rng.standard_normal(shape)
    gamma, beta = rng.uniform(0.5, 2, shape[1:]), rng.standard_normal(shape[1:])
    want = torch.nn.functional.layer_norm(
        torch.tensor(x), shape[1:], torch.tensor(gamma), torch.tensor(beta)
    ).numpy()
    np.testing.assert_allclose(layer_norm(x, gamma, beta), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("shape", "groups"), [((4, 6), 3), ((3, 6, 5), 2), ((2, 6, 4, 4), 1), ((2, 6, 4, 4), 6)]
)
def test_group_norm_matches_torch(shape, groups, rng):
    x = 3 + 2 * rng.standard_normal(shape)
    gamma, beta = rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    want = torch.nn.functional.group_norm(
        torch.tensor(x), groups, torch.tensor(gamma), torch.tensor(beta)
    ).numpy()
    np.testing.assert_allclose(group_norm(x, groups, gamma, beta), want, rtol=1e-10, atol=1e-10)


def test_layer_and_group_norm_do_not_depend_on_the_other_examples(rng):
    x = rng.standard_normal((8, 4, 3, 3))
    for norm in (lambda v: layer_norm(v), lambda v: group_norm(v, 2)):
        np.testing.assert_allclose(norm(x)[:1], norm(x[:1]), atol=1e-12)
    y_bn, _ = F.batch_norm_train(x, None, None)
    y_bn_half, _ = F.batch_norm_train(x[:4], None, None)
    assert (
        np.abs(y_bn[:4] - y_bn_half).max() > 1e-3
    )  # BN's output of an example depends on its batch-mates


@given(st.lists(st.integers(1, 12), min_size=1, max_size=5), st.integers(0, 10_000))
def test_sync_batch_stats_equal_the_stats_of_the_whole_batch(sizes, seed):
    rng = np.random.default_rng(seed)
    shards = [rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 3), size=(n, 3)) for n in sizes]
    whole = np.concatenate(shards)
    if len(whole) < 2:
        return
    means = np.array([s.mean(axis=0) for s in shards])
    variances = np.array([s.var(axis=0) for s in shards])
    mean, var = sync_batch_stats(sizes, means, variances)
    np.testing.assert_allclose(mean, F.batch_mean(whole), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(var, whole.var(axis=0), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: group_norm(np.ones((2, 6)), 4),
            r"num_groups must be a positive divisor of the 6 channels \(got 4\)",
        ),
        (
            lambda: layer_norm(np.ones((2, 6)), gamma=np.ones(5)),
            r"gamma must have the shape of one example, \(6,\) \(got \(5,\)\)",
        ),
        (lambda: layer_norm(np.ones((2, 6)), eps=0.0), r"expected var \+ eps > 0"),
        (
            lambda: sync_batch_stats([2, 0], np.zeros((2, 3)), np.ones((2, 3))),
            r"expected counts \(K,\) >= 1",
        ),
        (
            lambda: sync_batch_stats([2, 2], np.zeros((2, 3)), np.ones((2, 4))),
            r"variances must have the shape of means",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_batch_mates_is_bn_on_the_drawn_batches(rng):
    from bnlib.norms import batch_mates

    x = rng.normal(2.0, 3.0, size=(50, 4))
    got = batch_mates(x, 7, 5, draws=30, seed=1)
    others = np.delete(np.arange(50), 7)
    idx = others[np.random.default_rng(1).integers(0, 49, (30, 4))]
    for k in range(30):
        y, _ = F.batch_norm_train(np.vstack([x[7:8], x[idx[k]]]), None, None)
        np.testing.assert_allclose(got[k], y[0], rtol=1e-10, atol=1e-12)


def test_batch_mates_of_two_are_plus_or_minus_one(rng):
    from bnlib.norms import batch_mates

    x = rng.standard_normal((100, 3))
    v = batch_mates(x, 0, 2, draws=200, eps=0.0)
    np.testing.assert_allclose(np.abs(v), 1.0, rtol=1e-12)


def test_batch_mates_refuses_bad_input():
    from bnlib.norms import batch_mates

    with pytest.raises(
        ValueError,
        match=r"expected x \(N, C\), 0 <= i < N and 2 <= m <= N \(got x \(5, 2\), i=0, m=6\)",
    ):
        batch_mates(np.zeros((5, 2)), 0, 6)
