"""bnlib.experiments.many_at_once.classifiers: networks trained side by side are each trained
exactly as they would be alone."""

import numpy as np
import pytest

from bnlib.experiments.many_at_once.classifiers import fit_classifiers
from bnlib.nn.losses import bce_with_logits
from bnlib.nn.mlp import mlp
from bnlib.nn.toys import xor
from bnlib.nn.train import sgd


def _alone(x, y, sizes, seed, **kwargs):
    """What fit_classifiers does for one network: its data in an order drawn from its seed,
    then sgd's shuffle with seed 0, and the population statistics of its x."""
    net, order = mlp(sizes, seed=seed), np.random.default_rng(seed).permutation(len(x))
    result = sgd(net, x[order], y[order], bce_with_logits, seed=0, **kwargs)
    net.set_population_stats(x)
    return net.eval(), result


@pytest.mark.parametrize("freeze", [(), ("gamma", "beta"), ("beta",)])
def test_fit_classifiers_trains_each_network_as_it_would_train_alone(freeze):
    data, seeds = [xor(80, seed=1), xor(80, seed=2), xor(80, seed=1)], [0, 1, 2]
    fits = fit_classifiers(
        data, [2, 4, 4, 1], seeds=seeds, freeze=freeze, lr=1.0, steps=40, batch_size=16
    )
    for (x, y), seed, (net, acc, result) in zip(data, seeds, fits, strict=True):
        alone, expected = _alone(
            x, y, [2, 4, 4, 1], seed, freeze=freeze, lr=1.0, steps=40, batch_size=16
        )
        np.testing.assert_allclose(result.loss, expected.loss, rtol=1e-10)
        np.testing.assert_allclose(net(x), alone(x), rtol=1e-9, atol=1e-12)
        for got, want in zip(
            result.gamma + result.beta, expected.gamma + expected.beta, strict=True
        ):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        assert acc == np.mean((alone(x)[:, 0] > 0) == (y > 0.5))
        assert not result.diverged and result.lr == 1.0


def test_fit_classifiers_freezes_each_network_as_asked():
    data, seeds = [xor(80, seed=1)] * 4, [0, 1, 0, 2]
    freeze = [("gamma", "beta"), ("beta",), ("gamma",), ()]
    fits = fit_classifiers(
        data, [2, 4, 4, 1], seeds=seeds, freeze=freeze, lr=1.0, steps=40, batch_size=16
    )
    for (x, y), seed, kinds, (net, _, result) in zip(data, seeds, freeze, fits, strict=True):
        alone, expected = _alone(
            x, y, [2, 4, 4, 1], seed, freeze=kinds, lr=1.0, steps=40, batch_size=16
        )
        np.testing.assert_allclose(result.loss, expected.loss, rtol=1e-10)
        np.testing.assert_allclose(net(x), alone(x), rtol=1e-9, atol=1e-12)
        for kind, history in (("gamma", result.gamma), ("beta", result.beta)):
            moved = any(np.any(h != h[0]) for h in history)
            assert moved == (kind not in kinds)
    with pytest.raises(ValueError, match=r"one freeze per network \(got 2 for 4\)"):
        fit_classifiers(data, [2, 4, 1], seeds=seeds, freeze=[(), ()], steps=2)
    with pytest.raises(ValueError, match=r"freeze must be a collection of"):
        fit_classifiers(data, [2, 4, 1], seeds=seeds, freeze=[(), (), (), ("gama",)], steps=2)


def test_fit_classifiers_fits_a_linear_model_too_and_reports_divergence():
    x, y = xor(64, seed=0)
    ((net, _, result),) = fit_classifiers([(x, y)], [2, 1], seeds=[3], steps=20, batch_size=16)
    alone, expected = _alone(x, y, [2, 1], 3, lr=2.0, steps=20, batch_size=16)
    np.testing.assert_allclose(net.layers[0].weight, alone.layers[0].weight, rtol=1e-10)
    np.testing.assert_allclose(result.loss, expected.loss, rtol=1e-10)
    assert result.gamma == [] and result.loss.shape == (20,)
    fits = fit_classifiers([(x, y), (x, y)], [2, 4, 1], seeds=[0, 1], lr=1e8, steps=50)
    assert all(r.diverged and "diverged" in r.message for _, _, r in fits)
    assert all(len(r.loss) == len(fits[0][2].loss) < 50 for _, _, r in fits)


@pytest.mark.parametrize(
    ("data", "sizes", "seeds", "message"),
    [
        (
            [xor(40)],
            [2, 1],
            [0, 1],
            r"one seed per data set and data sets of one size \(got 2 seeds",
        ),
        (
            [xor(40), xor(60)],
            [2, 1],
            [0, 1],
            r"data sets of one size \(got 2 seeds, sizes \[40, 60\]\)",
        ),
        ([], [2, 1], [], r"one seed per data set"),
        ([xor(40)], [2, 2], [0], r"expected one output logit \(got sizes \[2, 2\]\)"),
    ],
)
def test_fit_classifiers_refuses_bad_input_clearly(data, sizes, seeds, message):
    with pytest.raises(ValueError, match=message):
        fit_classifiers(data, sizes, seeds=seeds, steps=2)
