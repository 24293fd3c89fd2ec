"""Exercises of 01_internal_covariate_shift: how an init scale compounds, which layers move
when one layer's weights are rescaled (without and with BN), and the W1 drift measure."""

import numpy as np

from bnlib.experiments.covariate_shift import propagate, unit_weights, wasserstein1
from bnlib.notebook.checks import Exercise


def _compound_solution():
    return 1.1**20


def _compound_reference():
    x = np.random.default_rng(0).standard_normal((64, 50))
    ws = unit_weights((50,) + (50,) * 20, seed=0)
    return propagate(x, ws, "relu", "he", 1.1).std[-1] / propagate(x, ws, "relu", "he").std[-1]


gain_compounds = Exercise(
    "ReLU net, He's weights each × 1.1: how many times larger is σ_B at layer 20?",
    "ReLU(a·z) = a·ReLU(z) for a > 0, and there are no biases: a layer whose input is a times "
    "larger passes a times larger outputs on. What does each layer's own factor 1.1 add?",
    _compound_reference,
    solution=_compound_solution,
    rtol=2e-3,  # three significant digits are enough
)

LAYERS = 3
FACTOR = 3.0  # layer 1's weights are multiplied by this


MOVES = 1e-3  # "moves": the mean W1 over a layer's units exceeds this


def rescaled_layer_1_w1(bn: bool) -> list[float]:
    """How far each hidden layer's sigmoid input z moves (W1 on 200 test digits, mean over
    units) when layer 1's weights of the paper's network (Xavier init, seed 0) are multiplied
    by FACTOR. With BN, z is BN's output gamma * x_hat + beta, not W u."""
    import copy

    import torch

    from bnlib.experiments.ics import hidden_blocks, layer_inputs, layer_z
    from bnlib.experiments.torch_nets import NetConfig, mnist_mlp
    from bnlib.nn.data import load_mnist, normalize_input

    before = mnist_mlp(NetConfig(bn=bn, init="xavier"))
    after = copy.deepcopy(before)
    with torch.no_grad():
        hidden_blocks(after)[0][0].weight.mul_(FACTOR)
    x = torch.from_numpy(normalize_input(load_mnist()).x_test[:200])
    z = [layer_z(m, layer_inputs(m, x)) for m in (before, after)]  # each (L, N, C)
    return [float(np.mean([wasserstein1(a[:, c], b[:, c]) for c in range(a.shape[1])]))
            for a, b in zip(*z, strict=True)]  # fmt: skip


def rescaled_layer_1_moves(bn: bool, threshold: float = MOVES) -> list[bool]:
    """Whether each layer's z moves: ``rescaled_layer_1_w1`` above ``threshold``."""
    return [w1 > threshold for w1 in rescaled_layer_1_w1(bn)]


def _rescale_solution():
    return [
        [True, True, True],  # without BN: layer 1 by its own weights, layers 2 and 3 by ICS
        # with BN: W u moves (x 3), but z = BN(3 W u) = BN(W u) up to BN's eps (W1 ~ 1e-6,
        # far below 0.001), so no sigmoid input and nothing after it changes
        [False, False, False],
    ]


ROWS = ("without BN", "with BN")


def _judge_rescale(answer) -> str | None:
    rows = [list(r) for r in answer]
    if len(rows) != len(ROWS) or any(len(r) != LAYERS for r in rows):
        return f"expected 2 rows (without BN, with BN) of {LAYERS} True/False values"
    if any(not (v is True or v is False or v in (0, 1)) for r in rows for v in r):
        return f"each value is True (moves) or False (does not move) (got {rows})"
    for row, name, bn in zip(rows, ROWS, (False, True), strict=True):
        want = rescaled_layer_1_moves(bn)
        wrong = [i + 1 for i, (g, w) in enumerate(zip(row, want, strict=True)) if bool(g) != w]
        if wrong:
            return f"{name}: think again about layer(s) {', '.join(map(str, wrong))}"
    return None


rescale_prediction = Exercise(
    "Layer 1's weights × 3: which layers' sigmoid inputs z (with BN: γx̂ + β) move by more "
    "than 0.001, without BN and with BN?",
    "Without BN, layers 2 and 3 keep their weights but receive a different input. With BN, z is "
    "BN's output, not W u: look at what BN does to a·W u for a > 0 (paper §3.3).",
    judge=_judge_rescale,
    solution=_rescale_solution,
)


def _w1_solution(a, b):
    return np.mean(np.abs(np.sort(a) - np.sort(b)))


def _samples(seed, shift, scale, n=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), shift + scale * rng.standard_normal(n)


w1_of_two_samples = Exercise(
    "W1 distance between two samples of the same size",
    "Pair the values up in order: the smallest of a with the smallest of b, and so on "
    "(np.sort). W1 is the average distance between the pairs.",
    wasserstein1,
    cases=[_samples(0, 0.0, 1.0), _samples(1, 2.0, 1.0), _samples(2, -1.0, 3.0)],
    solution=_w1_solution,
)
