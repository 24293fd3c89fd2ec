"""bnlib.portable: claim checks raise when a sentence does not hold; BNLIB_DISTURB disturbs
every seeded initialiser by the relative size it names, and nothing else."""

import numpy as np
import pytest
import torch

from bnlib.experiments import covariate_shift, mnist_net
from bnlib.nn import mlp
from bnlib.portable import (
    DISTURB_ENV,
    Claim,
    ClaimFailed,
    at_least,
    between,
    claim,
    claims,
    disturbance,
    disturbed,
)


def test_claim_that_holds_shows_its_sentence():
    c = claim(3 < 4, "three is less than four", measured="3 vs 4")
    assert repr(c) == "✓ three is less than four"


def test_claim_that_fails_raises_with_what_was_measured():
    with pytest.raises(
        ClaimFailed, match=r"does not hold on this machine: BN wins \(measured: 2 of 5\)"
    ):
        claim(False, "BN wins", measured="2 of 5")


def test_claim_accepts_numpy_bools_and_refuses_anything_else():
    assert isinstance(claim(np.float64(1.0) > 0, "positive"), Claim)
    with pytest.raises(TypeError, match="expected a bool for 'holds' \\(got float\\)"):
        claim(1.0, "a number is not a check")
    with pytest.raises(TypeError, match="got ndarray"):
        claim(np.array([True, True]), "an array is not one check")
    with pytest.raises(ValueError, match="empty statement"):
        claim(True, "  ")


def test_between_is_inclusive_and_says_the_range():
    assert repr(between(0.5, 0.5, 0.6, "about a half")) == "✓ about a half"
    with pytest.raises(ClaimFailed, match=r"0\.49, not in \[0\.5, 0\.6\]"):
        between(0.49, 0.5, 0.6, "about a half")
    with pytest.raises(ValueError, match="low < high"):
        between(1.0, 2.0, 1.0, "backwards")


def test_at_least_counts_with_margin():
    assert at_least([True, True, False, True, True], 4, "BN ahead in at least 4 of 5 seeds")
    with pytest.raises(ClaimFailed, match="3 of 5, needed 4"):
        at_least([True, True, False, True, False], 4, "BN ahead in at least 4 of 5 seeds")
    with pytest.raises(ValueError, match="1 <= k <= 2"):
        at_least([True, False], 3, "more than there are")


def test_claims_shows_one_line_each_and_takes_only_claims():
    both = claims(claim(True, "a"), claim(True, "b"))
    assert repr(both) == "✓ a\n✓ b"
    with pytest.raises(TypeError, match="expected Claim objects \\(got bool\\)"):
        claims(True)


def test_disturbance_is_off_unless_set(monkeypatch):
    monkeypatch.delenv(DISTURB_ENV, raising=False)
    assert disturbance() == 0.0
    w = np.ones((3, 4))
    assert disturbed(w) is w


@pytest.mark.parametrize(
    "raw, message",
    [("lots", "expected a number"), ("0.5", "in \\[0, 0.001\\]"), ("-1e-6", "in \\[0")],
)
def test_bad_disturbance_is_refused(monkeypatch, raw, message):
    monkeypatch.setenv(DISTURB_ENV, raw)
    with pytest.raises(ValueError, match=message):
        disturbance()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_disturbed_numpy_is_relative_deterministic_and_keeps_dtype(monkeypatch, dtype):
    monkeypatch.setenv(DISTURB_ENV, "1e-6")
    w = np.random.default_rng(0).standard_normal((20, 30)).astype(dtype)
    d1, d2 = disturbed(w), disturbed(w)
    assert d1.dtype == dtype and np.array_equal(d1, d2)
    rel = np.abs(d1.astype(np.float64) / w - 1)
    assert 1e-7 < rel.max() <= 1e-6 * (1 + 1e-3) + (1e-7 if dtype == np.float32 else 0)
    assert np.mean(d1 != w) > 0.9  # nearly every weight moved


def test_disturbed_torch_matches_numpy(monkeypatch):
    monkeypatch.setenv(DISTURB_ENV, "1e-6")
    w = np.random.default_rng(1).standard_normal((5, 7))
    got = disturbed(torch.from_numpy(w))
    assert got.dtype == torch.float64
    np.testing.assert_array_equal(got.numpy(), disturbed(w))


def test_every_seeded_initialiser_is_disturbed(monkeypatch):
    monkeypatch.delenv(DISTURB_ENV, raising=False)
    plain_np = mlp.mlp((4, 8, 3), seed=0).layers[0].weight.copy()
    plain_torch = (
        mnist_net.mnist_mlp(mnist_net.NetConfig(width=8, depth=1), n_in=4, n_out=3)[0]
        .weight.detach()
        .clone()
    )
    plain_shift = covariate_shift.unit_weights((4, 8), seed=0)[0]
    monkeypatch.setenv(DISTURB_ENV, "1e-6")
    moved = [
        mlp.mlp((4, 8, 3), seed=0).layers[0].weight / plain_np,
        (
            mnist_net.mnist_mlp(mnist_net.NetConfig(width=8, depth=1), n_in=4, n_out=3)[
                0
            ].weight.detach()
            / plain_torch
        ).numpy(),
        covariate_shift.unit_weights((4, 8), seed=0)[0] / plain_shift,
    ]
    for ratio in moved:
        assert 0 < np.abs(ratio - 1).max() < 2e-6
