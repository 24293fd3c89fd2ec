"""The capstone's MNIST runs (notebook 08): the paper's network (§4.1, Figure 1) with a given
BN layer, or none, at a learning rate where the network without BN breaks.

Test accuracy is measured in eval mode with each layer's *own* running statistics, so a
learner's layer is judged by what it stores. Training runs numpy's BLAS on one thread
(restored afterwards): faster for these small matrices.
"""

from __future__ import annotations

from typing import NamedTuple

from bnlib.experiments.landscape import one_blas_thread
from bnlib.nn.data import MNIST
from bnlib.nn.losses import cross_entropy
from bnlib.nn.metrics import accuracy
from bnlib.nn.mlp import Net, mlp
from bnlib.nn.train import TrainResult, sgd

PAPER_SIZES = (784, 100, 100, 100, 10)  # §4.1: three hidden layers of 100 sigmoid units
BATCH_SIZE = 60  # §4.1: mini-batches of 60
HIGH_LR = 10.0  # plain SGD: the network without BN stays at chance here (notebook 08 checks it)
STEPS = 300  # about 4.5 passes over the 4,000 training digits


class Fit(NamedTuple):
    """test_acc: eval-mode accuracy on the test digits; train: what ``sgd`` recorded;
    net: the trained network, in eval mode."""

    test_acc: float
    train: TrainResult
    net: Net


@one_blas_thread
def fit(
    data: MNIST,
    *,
    norm,
    lr: float = HIGH_LR,
    steps: int = STEPS,
    batch_size: int = BATCH_SIZE,
    seed: int = 0,
) -> Fit:
    """Train ``mlp(PAPER_SIZES, activation="sigmoid", norm=norm, seed=seed)`` with plain SGD
    and softmax cross-entropy, then measure its test accuracy in eval mode.

    Args: data (``bnlib.nn.data.load_mnist()``); norm: None, "batch" (bnlib's BatchNorm1d)
    or a class making a BN layer from its number of features (``mlp``'s ``norm``); lr,
    steps, batch_size; seed: the initial weights and the order of the batches.
    Returns: a ``Fit``. A run whose loss blows up stops there (``train.diverged``).
    """
    net = mlp(PAPER_SIZES, activation="sigmoid", norm=norm, seed=seed)
    x, y = data.x_train, data.y_train
    result = sgd(net, x, y, cross_entropy, lr=lr, steps=steps, batch_size=batch_size, seed=seed)
    return Fit(accuracy(net.eval(), data.x_test, data.y_test), result, net)
