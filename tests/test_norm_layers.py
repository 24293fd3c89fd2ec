"""bnlib.norm_layers: LayerNorm and GroupNorm forward and backward against torch.nn and
torch.autograd, a float64 numerical gradient, batch independence, bad input."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.norm_layers import GroupNorm, LayerNorm
from bnlib.norms import group_norm, layer_norm

SHAPES = [(5, 6), (3, 6, 4), (2, 6, 3, 3)]


def pair(kind, shape, groups=3):
    """Our layer and torch's, the same random gamma and beta, float64."""
    rng = np.random.default_rng(1)
    if kind == "layer":
        ours, theirs = LayerNorm(shape[1:], dtype=np.float64), torch.nn.LayerNorm(shape[1:])
    else:
        ours, theirs = (
            GroupNorm(groups, shape[1], dtype=np.float64),
            torch.nn.GroupNorm(groups, shape[1]),
        )
    theirs = theirs.double()
    ours.weight[...] = rng.uniform(0.5, 2.0, ours.weight.shape)
    ours.bias[...] = rng.standard_normal(ours.bias.shape)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight))
        theirs.bias.copy_(torch.from_numpy(ours.bias))
    return ours, theirs


@pytest.mark.parametrize("kind", ["layer", "group"])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_backward_match_torch_autograd(kind, shape, rng):
    ours, theirs = pair(kind, shape)
    x = 3 + 2 * rng.standard_normal(shape)
    dy = rng.standard_normal(shape)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(ours.forward(x), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.backward(dy), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.grad_weight, theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.grad_bias, theirs.bias.grad.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("kind", ["layer", "group"])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_a_numerical_gradient(kind, shape, rng):
    """Relative error <= 1e-7 in float64 for dx, dgamma and dbeta."""
    layer, _ = pair(kind, shape)
    x, dy = rng.standard_normal(shape), rng.standard_normal(shape)
    layer.forward(x)
    dx = layer.backward(dy)
    assert rel_error(dx, numerical_gradient(layer.forward, x, dy)) <= 1e-7
    for attr in ("weight", "bias"):
        value = getattr(layer, attr)
        grad = getattr(layer, f"grad_{attr}").copy()

        def f(v, attr=attr):
            setattr(layer, attr, v)
            return layer.forward(x)

        num = numerical_gradient(f, value.copy(), dy)
        setattr(layer, attr, value)
        assert rel_error(grad, num) <= 1e-7, attr


def test_layers_equal_the_functional_forms(rng):
    x = rng.standard_normal((4, 6, 5))
    np.testing.assert_allclose(LayerNorm((6, 5), dtype=np.float64)(x), layer_norm(x), atol=1e-12)
    np.testing.assert_allclose(GroupNorm(2, 6, dtype=np.float64)(x), group_norm(x, 2), atol=1e-12)


@given(st.integers(2, 9), st.integers(0, 1000))
def test_an_examples_output_does_not_depend_on_its_batch_mates(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(rng.uniform(-3, 3), rng.uniform(0.5, 3), size=(n, 8))
    for layer in (LayerNorm(8, dtype=np.float64), GroupNorm(4, 8, dtype=np.float64)):
        np.testing.assert_allclose(layer(x)[:1], layer(x[:1]), atol=1e-12)


def test_training_and_eval_mode_compute_the_same(rng):
    x = rng.standard_normal((3, 4))
    layer = GroupNorm(2, 4)
    y_train = layer.train()(x)
    assert not layer.eval().training
    np.testing.assert_array_equal(layer(x), y_train)


def test_without_affine_there_are_no_parameters(rng):
    layer = GroupNorm(2, 4, affine=False, dtype=np.float64)
    x = rng.standard_normal((3, 4))
    assert layer.weight is None and layer.bias is None
    np.testing.assert_allclose(layer(x), group_norm(x, 2), atol=1e-12)
    layer.backward(np.ones_like(x))
    assert layer.grad_weight is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: GroupNorm(4, 6),
            r"num_groups must be a positive divisor of the 6 channels \(got 4\)",
        ),
        (
            lambda: LayerNorm(5)(np.ones((2, 6))),
            r"expected input of shape \(N, \*\(5,\)\) \(got \(2, 6\)\)",
        ),
        (
            lambda: GroupNorm(2, 6)(np.ones((2, 4))),
            r"expected 6 channels in axis 1 \(got input of shape \(2, 4\)\)",
        ),
        (
            lambda: GroupNorm(2, 6)(np.ones((2, 6), dtype=np.int64)),
            r"x must be a floating-point array",
        ),
        (
            lambda: LayerNorm(4).backward(np.ones((2, 4))),
            r"call forward\(x\) before backward\(dy\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=message):
        call()
