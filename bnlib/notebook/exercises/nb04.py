"""Exercises of 04_learning_gamma_and_beta: the backward pass, dl/dbeta and dl/dgamma,
scale invariance, the learning rate at which SGD on gamma, beta diverges."""

import numpy as np

from bnlib.functional import batch_norm_backward, batch_norm_train
from bnlib.nn.toys import shifted_scaled_targets
from bnlib.notebook.checks import Exercise

_rng = np.random.default_rng(4)
CASES = [
    (_rng.standard_normal((6, 2)), _rng.normal(3.0, 2.0, (6, 2)), np.array([1.5, 0.5]), 1e-5),
    (_rng.standard_normal((4, 3)), _rng.normal(0.0, 0.1, (4, 3)), np.array([1.0, 2.0, -1.0]), 1e-3),
    (_rng.standard_normal((16, 1)), _rng.uniform(-5.0, 5.0, (16, 1)), np.array([0.7]), 0.0),
]
# the upstream gradient dl/dy for "predict dl/dbeta, dl/dgamma": m = 4 examples, 2 features
DY = np.array([[0.5, -1.0], [2.0, 0.0], [-1.5, 3.0], [1.0, 0.5]])
_X4 = _rng.standard_normal((4, 2))
X_HAT = batch_norm_train(_X4, None, None)[1].x_hat  # (4, 2): the batch's normalised inputs
# y = BN(u W^T) with eps = 0 and l = sum(dl/dy * y): GRAD_W is dl/dW; predict dl/d(aW), a = 4
_U, _W, _DY_U = (
    _rng.standard_normal((8, 3)),
    _rng.standard_normal((2, 3)),
    _rng.standard_normal((8, 2)),
)
SCALE = 4.0


def _grad_w(w):
    """dl/dW of l = sum(dy * BN(u W^T)), eps = 0: dl/dW = (dl/dz)^T u with z = u W^T."""
    _, cache = batch_norm_train(_U @ w.T, None, None, eps=0.0)
    return batch_norm_backward(_DY_U, cache)[0].T @ _U


GRAD_W = _grad_w(_W)


def _dx_reference(dy, x, gamma, eps):
    _, cache = batch_norm_train(x, gamma, np.zeros_like(gamma), eps=eps)
    return batch_norm_backward(dy, cache)[0]


def _dx_solution(dy, x, gamma, eps):
    m = x.shape[0]
    mu = x.sum(axis=0) / m
    var = ((x - mu) ** 2).sum(axis=0) / m
    dx_hat = dy * gamma
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-dx_hat / np.sqrt(var + eps), axis=0) + dvar * np.sum(-2 * (x - mu), axis=0) / m
    return dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmu / m


backward_pass = Exercise(
    "dl/dx through Algorithm 1",
    "Go node by node back through the graph: dl/dx_hat = dl/dy * gamma, then dl/dvar, "
    "then dl/dmu (it has two terms), then dl/dx (three terms). Sums run over axis 0.",
    _dx_reference,
    cases=CASES,
    solution=_dx_solution,
    rtol=1e-6,
    atol=1e-9,
)


def _dbeta_dgamma_solution():
    # y_i = gamma * x_hat_i + beta: slope 1 in beta, slope x_hat_i in gamma; sum over the batch
    return np.array([DY.sum(axis=0), (DY * X_HAT).sum(axis=0)])


def _dbeta_dgamma_reference():
    _, dgamma, dbeta = batch_norm_backward(DY, batch_norm_train(_X4, None, None)[1])
    return np.array([dbeta, dgamma])


dbeta_dgamma_from_dy = Exercise(
    "dl/dbeta and dl/dgamma for the upstream gradient DY",
    "y = gamma * x_hat + beta: each y_i depends on beta with slope 1 and on gamma with slope "
    "x_hat_i, so add up dl/dy_i (times x_hat_i for gamma) over the batch, one sum per "
    "feature. Answer np.array([dl/dbeta, dl/dgamma]), shape (2, 2).",
    _dbeta_dgamma_reference,
    solution=_dbeta_dgamma_solution,
    rtol=0.0,
    atol=2e-3,  # three decimals, from the printed X_HAT and DY
)


def _scaled_grad_solution():
    return GRAD_W / SCALE


grad_of_scaled_weights = Exercise(
    "dl/d(aW) for a = 4, given dl/dW",
    "BN(u (aW)^T) = BN(u W^T): the loss is the same function of W / |W| whatever the "
    "scale, so the gradient shrinks as the weights grow (paper section 3.3).",
    lambda: _grad_w(SCALE * _W),
    solution=_scaled_grad_solution,
)


def _threshold_solution():
    # l / K has curvature 1/K in each beta (and about 1/K in each gamma): one SGD step
    # multiplies the distance to the best values by (1 - lr / K), which grows in size
    # once lr / K > 2. Here K = 2 output features: lr > 4.
    # Try it: sgd(toy_net(), x, t, lambda p, t: tuple(v / 2 for v in mse(p, t)), lr=4.05, ...)
    return 4.0


def _threshold_reference():
    features = shifted_scaled_targets()[1].shape[1]  # K = 2
    return 2.0 / (1.0 / features)  # divergence where lr * curvature > 2


lr_threshold_averaged_loss = Exercise(
    "where SGD on γ, β diverges when the loss is also averaged over the features",
    "The notebook's loss sums over the 2 output features; averaging over them divides the "
    "loss, and so its curvature in beta, by 2. Divergence starts where lr * curvature = 2.",
    _threshold_reference,
    solution=_threshold_solution,
    rtol=0.0,
    atol=0.05,
)
