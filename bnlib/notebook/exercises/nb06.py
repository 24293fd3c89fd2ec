"""Exercises of 06_paper_experiments: what the quoted ImageNet table says about BN and higher
rates, which parameters BN makes scale-invariant (§3.3), and how much a sigmoid layer without BN
shrinks the signal at a small init."""

import functools

import numpy as np

from bnlib.experiments.covariate_shift import SMALL_STD, propagate, unit_weights
from bnlib.experiments.paper import IMAGENET, fewer_steps
from bnlib.experiments.sigmoid_depth import shrink_per_layer
from bnlib.functional import batch_norm_train
from bnlib.nn.activations import sigmoid
from bnlib.notebook.checks import Exercise


def _x5_solution():
    # steps to 72.2%: Inception 31.0M, BN-Baseline 13.3M, BN-x5 2.1M
    return np.array([31.0 / 2.1, 13.3 / 2.1])


def _x5_reference():
    rows = {r.model: r.steps_to_722 for r in IMAGENET}
    return np.array([fewer_steps(rows[m], rows["BN-x5"]) for m in ("Inception", "BN-Baseline")])


fewer_steps_x5 = Exercise(
    "From the quoted table: how many times fewer steps BN-x5 needs than Inception, and than "
    "BN-Baseline (the same network with BN at Inception's rate)",
    "Times fewer = the other model's steps to 72.2% divided by BN-x5's (31.0M / 2.1M, not "
    "2.1M / 31.0M). Answer np.array([than Inception, than BN-Baseline]), checked to 1%.",
    _x5_reference,
    solution=_x5_solution,
    rtol=0.01,
)

PARAMETERS = ("W1", "W2", "gamma1", "beta1", "W_out", "b_out")


def _bn_net(params: dict, x: np.ndarray) -> np.ndarray:
    """Linear (no bias) -> BN -> sigmoid, twice, then Linear: the paper's network, smaller."""
    h1 = sigmoid(batch_norm_train(x @ params["W1"].T, params["gamma1"], params["beta1"])[0])
    ones, zeros = np.ones(len(params["W2"])), np.zeros(len(params["W2"]))
    h2 = sigmoid(batch_norm_train(h1 @ params["W2"].T, ones, zeros)[0])
    return h2 @ params["W_out"].T + params["b_out"]  # (m, classes) logits


def _invariant_reference(a: float = 10.0, seed: int = 0) -> set[str]:
    """The parameters whose scaling by ``a`` leaves the training-mode output unchanged."""
    rng = np.random.default_rng(seed)
    shapes = {
        "W1": (6, 8),
        "W2": (5, 6),
        "gamma1": (6,),
        "beta1": (6,),
        "W_out": (3, 5),
        "b_out": (3,),
    }
    params = {k: rng.normal(0.5, 1.0, s) for k, s in shapes.items()}
    x = rng.standard_normal((32, 8))
    out = _bn_net(params, x)
    same = set()
    for name in PARAMETERS:
        scaled = _bn_net({**params, name: a * params[name]}, x)
        if np.max(np.abs(scaled - out)) < 1e-3:  # unchanged up to BN's eps
            same.add(name)
    return same


def _named(answer) -> set[str]:
    """A set of names, or one 0/1 flag per name of ``PARAMETERS`` in order: the names."""
    items = list(answer)
    if all(isinstance(a, str) for a in items):
        return set(items)
    if len(items) != len(PARAMETERS) or any(float(a) not in (0.0, 1.0) for a in items):
        raise ValueError(f"expected names, or {len(PARAMETERS)} flags 0 or 1 (got {items})")
    return {name for name, a in zip(PARAMETERS, items, strict=True) if a}


def _judge_invariant(answer) -> str | None:
    got = _named(answer)
    unknown = got - set(PARAMETERS)
    if unknown:
        return f"expected names from {PARAMETERS} (got {sorted(unknown)})"
    want = _invariant_reference()
    if got - want:
        return (
            f"scaling {sorted(got - want)} changes the output: no BN normalises what they produce"
        )
    if want - got:
        return f"scaling {sorted(want - got)} leaves the output unchanged: BN divides it out"
    return None


def _invariant_solution():
    # the weights whose output BN normalises next: BN(a W u) = BN(W u) (paper section 3.3);
    # gamma and beta act after the normalisation, the output layer has no BN after it.
    # One flag per name of PARAMETERS ("W1", "W2", "gamma1", "beta1", "W_out", "b_out"),
    # or the set {"W1", "W2"}
    return np.array([1, 1, 0, 0, 0, 0])


scale_invariant = Exercise(
    "Which parameters does BN make scale-invariant?",
    "Ask of each parameter: does a BN layer normalise what it produces, before anything else "
    "uses it? gamma and beta act after the normalisation; the output layer has no BN after it.",
    judge=_judge_invariant,
    solution=_invariant_solution,
)


@functools.lru_cache(maxsize=1)
def _x_digits() -> np.ndarray:
    from bnlib.nn.data import load_mnist, normalize_input

    return normalize_input(load_mnist()).x_test[:256].astype(np.float64)


def _shrink_reference(std, width, depth: int = 9, seed: int = 0):
    """sigma_B(layer l+1) / sigma_B(layer l) of a sigmoid MLP (weights ~ N(0, std^2), ``width``
    units a layer, no BN) at init, the median over layers 2..depth-1, for normalised test digits
    (float64): what the network does, not a formula."""
    sizes = (784,) + (width,) * depth
    p = propagate(_x_digits(), unit_weights(sizes, seed), "sigmoid", "gaussian", std / SMALL_STD)
    return float(np.median(shrink_per_layer(p.std)[1:]))  # layers 2..depth-1


def _shrink_solution(std, width):
    # z = W h sums width terms: the digits' spread in h is multiplied by about std * sqrt(width);
    # deep in the network the sigmoids' inputs sit near 0, where the slope g'(0) is 1/4
    return std * np.sqrt(width) * 0.25


sigmoid_shrink = Exercise(
    "Without BN, at step 0: the factor by which one sigmoid layer multiplies sigma_B, the "
    "spread across digits of its input, as a function of the weights' std and the width",
    "A layer z = W h sums `width` products with weights of std `std`: it multiplies the spread "
    "of h by about std x sqrt(width). Deep in the network the sigmoids' inputs sit near 0; "
    "what is the sigmoid's slope there? Multiply the two. Checked within 5% of a float64 "
    "forward pass of MNIST digits, for several std and widths.",
    _shrink_reference,
    cases=[(0.01, 100), (0.02, 100), (0.01, 400), (0.005, 200)],
    solution=_shrink_solution,
    rtol=0.05,
)
