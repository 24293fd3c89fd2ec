"""bnlib.experiments.torch_probes: a probe records what each nonlinearity sees in training and the eval-mode scores, and changes nothing."""

import numpy as np
import pytest
import torch

from bnlib import functional as F
from bnlib.experiments.covariate_shift import summarize
from bnlib.experiments.mnist_net import NetConfig, mnist_mlp
from bnlib.experiments.torch_nets import N_FIT, fit, train
from bnlib.experiments.torch_probes import pre_activations, probe, scores


def test_probe_output_shapes(small_data):
    run = train(NetConfig(depth=2, width=30), small_data, steps=12, probe_steps=[0, 5, 12])
    assert run.steps.tolist() == [0, 5, 12] and run.train_loss.shape == (12,)
    assert run.test_acc.shape == run.test_loss.shape == (3,)
    assert run.z.mean.shape == run.z.std.shape == (3, 2, 30)  # (probe, layer, unit)
    assert run.z.percentiles.shape == (3, 2, 30, 3) and run.z.quantiles.shape == (3, 2, 30, 20)
    assert np.all((run.test_acc >= 0) & (run.test_acc <= 1)) and np.all(run.test_loss > 0)
    assert run.train_set_acc.shape == run.train_set_loss.shape == (3,)


def test_probe_scores_the_first_n_fit_training_images(small_data):
    """Eval mode, like the test scores: the training images' loss and accuracy by hand."""
    config = NetConfig(bn=True, init="xavier", lr=0.5)
    run = train(config, small_data, steps=0)
    model = mnist_mlp(config).eval()
    x, y = (torch.from_numpy(a[:N_FIT]) for a in small_data[:2])
    with torch.no_grad():
        logits = model(x)
    assert run.train_set_loss[0] == pytest.approx(
        torch.nn.functional.cross_entropy(logits, y).item(), rel=1e-6
    )
    assert run.train_set_acc[0] == (logits.argmax(1) == y).float().mean().item()


@pytest.mark.parametrize("bn", [False, True])
def test_probe_records_the_input_of_each_nonlinearity(small_data, bn):
    """At step 0, z of layer 1 is x W^T + b, then BN with gamma = 1, beta = 0: bnlib's numpy BN."""
    run = train(NetConfig(bn=bn, init="xavier"), small_data, steps=0)
    w = mnist_mlp(NetConfig(bn=bn, init="xavier"))[0].weight.detach().double().numpy()
    z = small_data.x_test.astype(np.float64) @ w.T  # (N, 100); the bias is 0 at init
    if bn:
        z, _ = F.batch_norm_train(z, None, None)
    want = summarize(z)
    np.testing.assert_allclose(run.z.mean[0, 0], want.mean, atol=1e-5)
    np.testing.assert_allclose(run.z.std[0, 0], want.std, rtol=1e-4)
    np.testing.assert_allclose(run.z.quantiles[0, 0], want.quantiles, atol=1e-4)


def test_a_probe_leaves_the_running_statistics_alone(small_data):
    model = mnist_mlp(NetConfig(bn=True))
    x, _, xt, yt = (torch.from_numpy(a) for a in small_data)
    model(x[:60])  # one training-mode batch: running statistics move off their init
    before = [b.clone() for b in model.buffers()]
    probe(model, xt, yt)
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers(), strict=True))
    assert model.training


def test_pre_activations_are_bn_of_x_with_its_own_statistics_and_change_nothing(small_data):
    """Layer 1's z is x W^T normalised with the statistics of x, times gamma, plus beta."""
    model = fit(NetConfig(bn=True, lr=1.0, seed=2), small_data, 20)
    model.eval()
    before = [b.clone() for b in model.buffers()]
    z = pre_activations(model, small_data.x_test)
    assert [a.shape for a in z] == [(200, 100)] * 3 and not model.training
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers(), strict=True))
    w, bn = model[0].weight.detach().double().numpy(), model[1]
    gamma, beta = (p.detach().double().numpy() for p in (bn.weight, bn.bias))
    want, _ = F.batch_norm_train(small_data.x_test.astype(np.float64) @ w.T, gamma, beta)
    np.testing.assert_allclose(z[0], want, atol=1e-4)


def test_scores_are_the_eval_mode_loss_and_accuracy(small_data):
    model = fit(NetConfig(bn=True, lr=1.0, seed=2), small_data, 20)
    loss, acc = scores(model, small_data.x_test, small_data.y_test)
    assert model.training  # left as it was
    with torch.no_grad():
        logits = model.eval()(torch.from_numpy(small_data.x_test))
    y = torch.from_numpy(small_data.y_test)
    assert loss == pytest.approx(torch.nn.functional.cross_entropy(logits, y).item(), rel=1e-6)
    assert acc == pytest.approx((logits.argmax(1) == y).double().mean().item(), abs=1e-6)
    assert 0.2 < acc < 1  # 20 steps learn something: not a constant's 10 %
