"""Exercises of 01_internal_covariate_shift: how an init scale compounds, which layers move
when layer 1's weights are rescaled (without and with BN), and when, with BN, its β moves."""

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
    "ReLU net, He's weights each × 1.1: how many times larger is σ_B of z₂₀ = W₂₀u₂₀?",
    "ReLU(a·z) = a·ReLU(z) for a > 0, and there are no biases: a layer whose input is a times "
    "larger passes a times larger outputs on. What does each layer's own factor 1.1 add?",
    _compound_reference,
    solution=_compound_solution,
    rtol=2e-3,  # three significant digits are enough
)

LAYERS = 3
FACTOR = 3.0  # layer 1's weights are multiplied by this


MOVES = 1e-3  # "moves": the mean W1 over a layer's units exceeds this
SHIFT = 1.0  # with BN, layer 1's beta is raised by this


def changed_z_w1(change, bn: bool) -> list[float]:
    """How far each hidden layer's sigmoid input z moves (W1 on 200 test digits, mean over
    units) when ``change(blocks)`` edits the hidden blocks (``ics.hidden_blocks``) of the
    paper's network (Xavier init, seed 0) in place. With BN, z is BN's output
    gamma * x_hat + beta, not W u."""
    import copy

    import torch

    from bnlib.experiments.ics import hidden_blocks, layer_inputs, layer_z
    from bnlib.experiments.mnist_net import NetConfig, mnist_mlp
    from bnlib.nn.data import load_mnist, normalize_input

    before = mnist_mlp(NetConfig(bn=bn, init="xavier"))
    after = copy.deepcopy(before)
    with torch.no_grad():
        change(hidden_blocks(after))
    x = torch.from_numpy(normalize_input(load_mnist()).x_test[:200])
    z = [layer_z(m, layer_inputs(m, x)) for m in (before, after)]  # each (L, N, C)
    return [
        float(np.mean([wasserstein1(a[:, c], b[:, c]) for c in range(a.shape[1])]))
        for a, b in zip(*z, strict=True)
    ]


def rescaled_layer_1_w1(bn: bool) -> list[float]:
    """``changed_z_w1`` when layer 1's weights are multiplied by FACTOR."""
    return changed_z_w1(lambda blocks: blocks[0][0].weight.mul_(FACTOR), bn)


def shifted_beta_1_w1() -> list[float]:
    """``changed_z_w1`` with BN when layer 1's beta (BN's shift) is raised by SHIFT."""
    return changed_z_w1(lambda blocks: blocks[0][1].bias.add_(SHIFT), bn=True)


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


def _bad_flags(rows) -> str | None:
    """What is wrong with rows of True/False (or 1/0) values, else None."""
    if any(not (v is True or v is False or v in (0, 1)) for r in rows for v in r):
        return f"each value is True (moves) or False (does not move) (got {rows})"
    return None


def _judge_rescale(answer) -> str | None:
    rows = [list(r) for r in answer]
    if len(rows) != len(ROWS) or any(len(r) != LAYERS for r in rows):
        return f"expected 2 rows (without BN, with BN) of {LAYERS} True/False values"
    if bad := _bad_flags(rows):
        return bad
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


def _judge_shift(answer) -> str | None:
    row = list(answer)
    if len(row) != LAYERS:
        return f"expected {LAYERS} True/False values, one per layer (got {len(row)})"
    if bad := _bad_flags([row]):
        return bad
    want = [w1 > MOVES for w1 in shifted_beta_1_w1()]
    wrong = [i + 1 for i, (g, w) in enumerate(zip(row, want, strict=True)) if bool(g) != w]
    return f"think again about layer(s) {', '.join(map(str, wrong))}" if wrong else None


def _shift_solution():
    # layer 1: its own beta moved z_1 by exactly 1; layers 2 and 3: their W and BN are
    # unchanged, but sigmoid(z_1 + 1) is not an affine map of sigmoid(z_1): the shape of
    # their input changes, and BN removes only the mean and the scale (W1 ~ 0.05 each)
    return [True, True, True]


shift_prediction = Exercise(
    "With BN, layer 1's β raised by 1: which layers' sigmoid inputs z move by more than 0.001?",
    "Layer 1's z = γx̂ + β moves with β. Layers 2 and 3 normalise their input: BN removes a "
    "change of its mean or its scale, but is sigmoid(z + 1) only a shifted and rescaled "
    "sigmoid(z)?",
    judge=_judge_shift,
    solution=_shift_solution,
)
