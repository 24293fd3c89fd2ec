"""bnlib.layers.BatchNorm1d/2d against torch.nn.BatchNorm1d/2d, step for step."""

import numpy as np
import pytest
import torch

from bnlib.layers import BatchNorm1d, BatchNorm2d
from tests.test_functional import RTOL, assert_rel
from tests.torch_ref import torch_layer

CASES = [(BatchNorm1d, (8, 4)), (BatchNorm1d, (6, 4, 5)), (BatchNorm2d, (5, 4, 3, 3))]


def pair(cls, shape, dtype=np.float64, **kwargs):
    ours = cls(shape[1], dtype=dtype, **kwargs)
    theirs = torch_layer(shape[1], len(shape), **kwargs).to(
        torch.float64 if dtype == np.float64 else torch.float32
    )
    if ours.weight is not None:  # non-trivial gamma, beta on both
        g = np.linspace(0.5, 2.0, shape[1]).astype(dtype)
        ours.weight = g.copy()
        theirs.weight.data.copy_(torch.from_numpy(g))
    if ours.bias is not None:
        b = np.linspace(-1.0, 1.0, shape[1]).astype(dtype)
        ours.bias = b.copy()
        theirs.bias.data.copy_(torch.from_numpy(b))
    return ours, theirs


def step(ours, theirs, x, dy, dtype):
    """One forward + backward on both; compare outputs, gradients and state."""
    xt = torch.from_numpy(x).requires_grad_(True)
    theirs.zero_grad()
    yt = theirs(xt)
    yt.backward(torch.from_numpy(dy))
    y = ours(x)
    dx = ours.backward(dy)
    rtol = RTOL[dtype]
    assert y.dtype == dtype and dx.dtype == dtype
    assert_rel(y, yt.detach().numpy(), rtol)
    assert_rel(dx, xt.grad.numpy(), rtol)
    if ours.weight is not None:
        assert_rel(ours.grad_weight, theirs.weight.grad.numpy(), rtol)
    if ours.bias is not None:
        assert_rel(ours.grad_bias, theirs.bias.grad.numpy(), rtol)
    if ours.track_running_stats:
        assert_rel(ours.running_mean, theirs.running_mean.numpy(), rtol)
        assert_rel(ours.running_var, theirs.running_var.numpy(), rtol)
        assert ours.num_batches_tracked == theirs.num_batches_tracked.item()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize(("cls", "shape"), CASES)
def test_train_steps_then_eval_match_torch(cls, shape, momentum, dtype, rng):
    ours, theirs = pair(cls, shape, dtype, momentum=momentum)
    for k in range(5):  # a drifting input distribution
        x = (k + (1 + k) * rng.standard_normal(shape)).astype(dtype)
        step(ours, theirs, x, rng.standard_normal(shape).astype(dtype), dtype)
    ours.eval(), theirs.eval()
    assert not ours.training
    x = (2 + rng.standard_normal(shape)).astype(dtype)
    step(ours, theirs, x, rng.standard_normal(shape).astype(dtype), dtype)


@pytest.mark.parametrize(("cls", "shape"), CASES)
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(affine=False),
        dict(bias=False),
        dict(track_running_stats=False),
        dict(affine=False, track_running_stats=False),
    ],
)
def test_affine_and_tracking_options_match_torch(cls, shape, kwargs, rng):
    ours, theirs = pair(cls, shape, **kwargs)
    for mode in ("train", "eval", "train"):
        ours.train(mode == "train"), theirs.train(mode == "train")
        step(ours, theirs, 3 + rng.standard_normal(shape), rng.standard_normal(shape), np.float64)
    assert (ours.weight is None) == (not ours.affine)
    assert (ours.running_mean is None) == (not ours.track_running_stats)


def test_eval_output_depends_on_each_example_alone(rng):
    bn = BatchNorm1d(3)
    for _ in range(10):
        bn(rng.standard_normal((16, 3)).astype(np.float32))
    bn.eval()
    x = rng.standard_normal((8, 3)).astype(np.float32)
    np.testing.assert_array_equal(bn(x)[:1], bn(x[:1]))  # a batch of one works in eval


def test_input_dtype_is_preserved_and_state_keeps_the_layer_dtype(rng):
    bn = BatchNorm2d(2)  # float32 parameters
    y = bn(rng.standard_normal((3, 2, 4, 4)))  # float64 input
    assert y.dtype == np.float64
    assert bn.running_mean.dtype == bn.running_var.dtype == bn.weight.dtype == np.float32


def test_repr_matches_torch():
    assert repr(BatchNorm1d(4)) == repr(torch.nn.BatchNorm1d(4))
    for kwargs in (dict(momentum=None, affine=False), dict(bias=False, eps=1e-3)):
        assert repr(BatchNorm2d(3, **kwargs)) == repr(torch.nn.BatchNorm2d(3, **kwargs))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: BatchNorm1d(3)(np.ones((2, 3, 4, 5))),
            ValueError,
            r"expected 2D or 3D input \(N, C\) or \(N, C, L\) \(got 4D input\)",
        ),
        (
            lambda: BatchNorm2d(3)(np.ones((2, 3, 4))),
            ValueError,
            r"expected 4D input \(N, C, H, W\) \(got 3D input\)",
        ),
        (
            lambda: BatchNorm1d(3)(np.ones((2, 4))),
            ValueError,
            r"expected 3 channels in axis 1 of the input \(got input of shape \(2, 4\)\)",
        ),
        (
            lambda: BatchNorm1d(3)(np.ones((1, 3))),
            ValueError,
            r"Expected more than 1 value per channel when training",
        ),
        (
            lambda: BatchNorm2d(3)(np.ones((1, 3, 1, 1))),
            ValueError,
            r"Expected more than 1 value per channel when training",
        ),
        (
            lambda: BatchNorm1d(3, momentum=1.5),
            ValueError,
            r"momentum must be in \[0, 1\] or None \(got 1.5\)",
        ),
        (
            lambda: BatchNorm1d(3, eps=-1e-5),
            ValueError,
            r"eps must be a finite number >= 0 \(got -1e-05\)",
        ),
        (lambda: BatchNorm1d(0), ValueError, r"num_features must be a positive integer \(got 0\)"),
        (
            lambda: BatchNorm1d(3).backward(np.ones((2, 3))),
            RuntimeError,
            r"call forward\(x\) before backward\(dy\)",
        ),
        (
            lambda: BatchNorm1d(3)(np.ones((2, 3), dtype=np.int64)),
            TypeError,
            r"floating-point array",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("training", [True, False])
def test_wrong_dy_shape_is_refused(training, rng):
    bn = BatchNorm1d(3).train(training)
    bn(rng.standard_normal((4, 3)))
    with pytest.raises(ValueError, match=r"dy must have the shape of"):
        bn.backward(np.ones((4, 2)))


def test_nan_input_is_refused_and_state_is_unchanged(rng):
    bn = BatchNorm1d(3)
    x = rng.standard_normal((4, 3))
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"non-finite"):
        bn(x)
    assert bn.num_batches_tracked == 0
    np.testing.assert_array_equal(bn.running_mean, 0)
