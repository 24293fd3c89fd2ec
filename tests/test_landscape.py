"""bnlib.experiments.landscape against closed forms: a linear least-squares model, whose loss along the
gradient is a parabola with a known Hessian, and a two-layer linear net's gradient shift."""

import numpy as np
import pytest

from bnlib.experiments.landscape import (
    Descent,
    along_gradient,
    descend,
    descend_seeds,
    edge_step,
    gradient_shift,
    loss_and_grad,
)
from bnlib.experiments.many_at_once.side_by_side import Blockwise, inputs, side_by_side
from bnlib.gradcheck import numerical_gradient, rel_error
from bnlib.nn.losses import mse
from bnlib.nn.mlp import Linear, Net, mlp
from bnlib.nn.toys import linear_map


@pytest.fixture
def problem(rng):
    x, t = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    return Net(Linear(3, 2, rng=1)), x, t


def test_loss_and_grad_is_the_flat_gradient(problem):
    net, x, t = problem
    loss, g = loss_and_grad(net, x, t, mse)
    lin = net.layers[0]
    assert g.shape == (lin.weight.size + lin.bias.size,)

    def f(w):
        lin.weight[...] = w
        return mse(net.forward(x), t)[0]

    w0 = lin.weight.copy()
    assert rel_error(g[: w0.size].reshape(w0.shape), numerical_gradient(f, w0)) <= 1e-8
    assert loss == pytest.approx(mse(net.forward(x), t)[0])


def test_along_the_gradient_of_a_quadratic(problem):
    """L(theta - eta g) = L - eta |g|^2 + eta^2/2 g^T H g; the change of g is eta H g."""
    net, x, t = problem
    loss, g = loss_and_grad(net, x, t, mse)
    a = np.column_stack([x, np.ones(len(x))])
    h = a.T @ a / len(x)  # Hessian of each output's (w, b): the same for both outputs
    gw, gb = g[:6].reshape(2, 3), g[6:]
    hg = np.column_stack([gw, gb]) @ h  # (2, 4): H g, per output row
    etas = np.array([0.01, 0.1, 0.5])
    p = along_gradient(net, x, t, mse, etas)
    gg, ghg = g @ g, np.sum(np.column_stack([gw, gb]) * hg)
    np.testing.assert_allclose(p.losses, loss - etas * gg + 0.5 * etas**2 * ghg, rtol=1e-10)
    np.testing.assert_allclose(p.grad_change, etas * np.linalg.norm(hg), rtol=1e-9)
    np.testing.assert_allclose(p.smoothness, np.linalg.norm(hg) / np.sqrt(gg), rtol=1e-9)
    assert p.loss == pytest.approx(loss) and p.grad_norm == pytest.approx(np.sqrt(gg))


def test_the_same_distances_along_the_gradient_of_a_quadratic(problem):
    """theta' = theta - d g/|g|: L = L0 - d |g| + d^2/2 u^T H u; the change of g is d H u."""
    net, x, t = problem
    loss, g = loss_and_grad(net, x, t, mse)
    a = np.column_stack([x, np.ones(len(x))])
    gw = np.column_stack([g[:6].reshape(2, 3), g[6:]])  # (2, 4): per output row
    u = gw / np.linalg.norm(g)  # the unit direction
    hu = u @ (a.T @ a / len(x))
    d = np.array([0.01, 0.1, 0.5])
    p = along_gradient(net, x, t, mse, distances=d)
    np.testing.assert_allclose(p.distance, d, rtol=1e-12)
    np.testing.assert_allclose(
        p.losses, loss - d * np.linalg.norm(g) + 0.5 * d**2 * np.sum(u * hu), rtol=1e-10
    )
    np.testing.assert_allclose(p.grad_change, d * np.linalg.norm(hu), rtol=1e-9)
    np.testing.assert_allclose(p.smoothness, np.linalg.norm(hu), rtol=1e-9)
    by_eta = along_gradient(net, x, t, mse, d / np.linalg.norm(g))  # the same points
    np.testing.assert_allclose(by_eta.losses, p.losses, rtol=1e-12)
    np.testing.assert_allclose(by_eta.distance, d, rtol=1e-12)


def test_side_by_side_probes_measure_each_network_alone(rng):
    nets = [mlp([3, 4, 4, 2], activation="identity", norm="batch", seed=s) for s in range(3)]
    xs = [rng.standard_normal((12, 3)) for _ in nets]
    ts = [rng.standard_normal((12, 2)) for _ in nets]
    wide, t = side_by_side(nets), np.stack(ts, axis=1)
    d = [0.05, 0.2]
    probe = along_gradient(wide, inputs(xs), t, Blockwise(mse, 3), distances=d)
    shift = gradient_shift(wide, inputs(xs), t, Blockwise(mse, 3), 0.1, 1)
    for s, (net, x, t_s) in enumerate(zip(nets, xs, ts, strict=True)):
        alone = along_gradient(net, x, t_s, mse, distances=d)
        for name in alone._fields:
            np.testing.assert_allclose(
                getattr(probe, name)[..., s], getattr(alone, name), rtol=1e-9, err_msg=name
            )
        np.testing.assert_allclose(
            [v[s] for v in shift], gradient_shift(net, x, t_s, mse, 0.1, 1), rtol=1e-9
        )


def _deep_nets():
    return [mlp([3, 3, 3, 3], activation="identity", norm="batch", seed=s) for s in range(3)]


def test_descend_seeds_is_descend_on_each_network():
    tasks = [linear_map(40, 3, seed=s) for s in range(3)]
    kw = {"lr": 0.02, "steps": 6, "every": 3, "distances": [0.01, 0.1], "ics_layer": 1}
    nets = _deep_nets()
    together = descend_seeds(nets, [x for x, _ in tasks], [t for _, t in tasks], **kw)
    for net, twin, (x, t), d in zip(nets, _deep_nets(), tasks, together, strict=True):
        alone = descend(twin, x, t, **kw)
        for name in Descent._fields:
            np.testing.assert_allclose(
                getattr(d, name), getattr(alone, name), rtol=1e-9, err_msg=name
            )
        for p, q in zip(net.parameters(), twin.parameters(), strict=True):  # trained in place
            np.testing.assert_allclose(p.value, q.value, rtol=1e-9)


def test_descend_seeds_with_no_steps_is_one_probe_and_trains_nothing():
    tasks = [linear_map(40, 3, seed=s) for s in range(3)]
    xs, ts = [x for x, _ in tasks], [t for _, t in tasks]
    nets, etas = _deep_nets(), [0.01, 0.04]
    before = [[p.value.copy() for p in net.parameters()] for net in nets]
    probed = descend_seeds(nets, xs, ts, lr=0.01, steps=0, every=1, etas=etas, ics_layer=None)
    for net, values, d, x, t in zip(nets, before, probed, xs, ts, strict=True):
        assert d.steps.tolist() == [0] and d.loss.size == 0 and not d.diverged
        p = along_gradient(net, x, t, mse, etas)  # Santurkar et al.'s steps of eta * g
        np.testing.assert_allclose(d.smoothness, [p.smoothness.max()], rtol=1e-9)
        np.testing.assert_allclose(d.grad_change, [p.grad_change.max()], rtol=1e-9)
        np.testing.assert_allclose(d.loss_range, [np.ptp([p.loss, *p.losses])], rtol=1e-9)
        for q, v in zip(net.parameters(), values, strict=True):
            np.testing.assert_array_equal(q.value, v)


def test_edge_step_is_the_first_probe_near_two_over_eta():
    steps, beta = np.array([0, 10, 20, 30]), np.array([3000.0, 100.0, 1600.0, 2500.0])
    zeros = np.zeros(4)
    d = Descent(steps, np.zeros(30), zeros, zeros, beta, zeros, np.zeros((4, 3)), False)
    assert edge_step(d, lr=1e-3) == 20  # step 0 does not count
    assert edge_step(d, lr=1e-3, level=2.4) == 30 and edge_step(d, lr=1e-4) is None


def test_probes_restore_parameters_and_running_statistics(rng):
    net = mlp([3, 4, 2], activation="relu", seed=2)
    x, t = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    before = [p.value.copy() for p in net.parameters()]
    bn = net.bn_layers[0]
    stats = (bn.running_mean.copy(), bn.running_var.copy(), bn.num_batches_tracked)
    along_gradient(net, x, t, mse, [0.1, 1.0])
    gradient_shift(net, x, t, mse, 0.5, -1)
    for p, v in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.value, v)
    np.testing.assert_array_equal(bn.running_mean, stats[0])
    np.testing.assert_array_equal(bn.running_var, stats[1])
    assert bn.num_batches_tracked == stats[2]


def test_gradient_shift_of_the_first_layer_is_zero(problem):
    net, x, t = problem
    shift = gradient_shift(net, x, t, mse, 0.3, 0)
    assert shift.change == 0.0 and shift.cosine == pytest.approx(1.0)


def test_gradient_shift_by_hand_for_two_linear_layers(rng):
    l0, l1 = Linear(3, 4, rng=1), Linear(4, 2, rng=2)
    net, lr = Net(l0, l1), 0.2
    x, t = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    net.backward(mse(net.forward(x), t)[1])
    g_w1, g_w0, g_b0 = l1.grad_weight.copy(), l0.grad_weight.copy(), l0.grad_bias.copy()
    h = x @ (l0.weight - lr * g_w0).T + (l0.bias - lr * g_b0)  # layer 0 stepped first
    dy = (h @ l1.weight.T + l1.bias - t) / len(x)  # mse's dl/dy
    g_w1_after = dy.T @ h
    shift = gradient_shift(net, x, t, mse, lr, 1)
    diff = np.linalg.norm(g_w1 - g_w1_after)
    assert shift.change == pytest.approx(diff, rel=1e-10)
    assert shift.relative == pytest.approx(diff / np.linalg.norm(g_w1), rel=1e-10)
    cos = np.sum(g_w1 * g_w1_after) / (np.linalg.norm(g_w1) * np.linalg.norm(g_w1_after))
    assert shift.cosine == pytest.approx(cos, rel=1e-10)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda n, x, t: along_gradient(n, x, t, mse, [0.1, -1.0]),
            r"etas must be a non-empty 1-D array of step sizes > 0",
        ),
        (lambda n, x, t: along_gradient(n, x, t, mse, []), r"etas must be a non-empty"),
        (
            lambda n, x, t: along_gradient(n, x, t, mse, distances=[0.0]),
            r"distances must be a non-empty 1-D array of step sizes > 0",
        ),
        (
            lambda n, x, t: along_gradient(n, x, t, mse),
            r"give etas or distances, one of them \(got etas=None and distances=None\)",
        ),
        (
            lambda n, x, t: along_gradient(n, x, t, mse, [0.1], distances=[0.1]),
            r"give etas or distances, one of them",
        ),
        (
            lambda n, x, t: gradient_shift(n, x, t, mse, 0.1, 3),
            r"layer must index one of the 1 Linear layers \(got 3\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(problem, call, message):
    with pytest.raises(ValueError, match=message):
        call(*problem)
