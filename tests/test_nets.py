"""bnlib.nets against bnlib's numpy reference and torch itself."""

import numpy as np
import pytest
import torch

from bnlib import functional as F
from bnlib.inference import population_stats
from bnlib.nets import bn_layers, precise_bn


def test_precise_bn_is_algorithm_2(rng):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU())
    batches = [torch.from_numpy(rng.normal(1.0, 2.0, (16, 3)).astype(np.float32)) for _ in range(5)]
    model.eval()
    assert precise_bn(model, batches) == 5
    assert not model.training and bn_layers(model)[0].momentum == 0.1  # restored
    with torch.no_grad():
        h = [model[0](b).double().numpy() for b in batches]
    mean, var = population_stats([F.batch_mean(a) for a in h], [F.batch_var(a) for a in h], m=16)
    np.testing.assert_allclose(model[1].running_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(model[1].running_var.numpy(), var, rtol=1e-5)


def test_precise_bn_refuses_a_model_without_bn_and_no_batches():
    with pytest.raises(ValueError, match="no BatchNorm layer"):
        precise_bn(torch.nn.Linear(2, 2), [torch.zeros(2, 2)])
    with pytest.raises(ValueError, match="at least one batch"):
        precise_bn(torch.nn.BatchNorm1d(2), [])
