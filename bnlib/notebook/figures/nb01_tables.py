"""01_internal_covariate_shift: its plain-text tables (``bnlib.notebook.tables.text_table``):
σ_B by depth at init, and how each learning rate's runs ended."""

from __future__ import annotations

from bnlib.experiments import ics_analysis as A
from bnlib.experiments.covariate_shift import propagate
from bnlib.notebook.figures.nb01 import ACTS, INIT_SHORT, sigma_text
from bnlib.notebook.tables import text_table
from bnlib.notebook.viz import num


def depth_table(x, weights, init: str = "he", layers=(1, 5, 10, 20), acts=ACTS) -> str:
    """σ_B of z_l = W_l u_l (the nonlinearity's input) of ``layers`` at init (``propagate``),
    one row per activation."""
    rows = []
    for act in acts:
        std = propagate(x, weights, act, init).std
        rows.append([f"{act} + {INIT_SHORT[init]}", *(sigma_text(std[k - 1]) for k in layers)])
    return text_table(["σ_B of z_l at layer", *map(str, layers)], rows)


def per_seed_steps(steps: list) -> str:
    """Steps to a target over seeds: "200", "300–400", or each seed's where one never got there."""
    if all(s is None for s in steps):
        return "never"
    if None in steps:
        return ", ".join("never" if s is None else str(s) for s in steps)
    return "–".join(dict.fromkeys(map(str, (min(steps), max(steps)))))


def outcome_table(runs: list, target: float = 0.8) -> str:
    """One row per learning rate and BN: the outcomes over seeds, the range of the final
    test accuracy, and the first probed step at ``target`` accuracy, per seed."""
    rows = []
    for lr in sorted({r.config.lr for r in runs}):
        for bn in (False, True):
            rs = A.by_lr(runs, bn).get(lr)
            if not rs:
                continue
            kinds = [A.outcome(r) for r in rs]
            verdict = ", ".join(f"{k} ×{kinds.count(k)}" for k in dict.fromkeys(kinds))
            acc = [100 * r.test_acc[-1] for r in rs]
            reach = per_seed_steps([r.steps_to(target) for r in rs])
            accuracy = f"{num(min(acc), 1)}–{num(max(acc), 1)}%"
            rows.append([f"{lr:g}", "yes" if bn else "no", verdict, accuracy, reach])
    head = ["lr", "BN", "outcome", "accuracy", f"steps to {target:.0%}"]
    return text_table(head, rows, left=3)
