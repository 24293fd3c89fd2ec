"""06_paper_experiments, section 3: learning-rate variants (BN-x5, BN-x30, split rates) and
the learning-rate dashboard."""

from __future__ import annotations

import functools

import numpy as np

from bnlib.experiments.covariate_shift import PERCENTILES
from bnlib.experiments.paper import fewer_steps_by_seed, typical_percentiles
from bnlib.notebook.figures.nb01 import BN_COLOR, BN_LABEL, PERCENTILE_STYLE
from bnlib.notebook.figures.nb06 import (
    BASE_LR,
    LAYER,
    _legend_percentiles,
    broken,
    med_range,
    pct,
    steps_text,
    times,
)
from bnlib.notebook.viz import freeze_layout, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, choice_slider, register

Z_RANGE = (-12.0, 4.0)  # the dashboard's sigmoid-input axis; values beyond are named in its title


def rate_label(config, base_lr: float = BASE_LR) -> str:
    """A network's learning rate as a multiple of ``base_lr``, "×5"; with its own rate for the
    weights before BN, both: "×30 before BN, ×1 rest"."""
    rest = times(config.lr / base_lr)
    if config.lr_invariant is None:
        return rest
    return f"{times(config.lr_invariant / base_lr)} before BN, {rest} rest"


def variants(runs, base_lr: float = BASE_LR) -> dict[tuple[bool, str], list]:
    """Runs grouped by (BN, ``rate_label``): without BN first, then by the rate of the weights
    (before BN), variants with split rates last; each group's runs by seed."""
    groups: dict = {}
    for r in runs:
        groups.setdefault((r.config.bn, rate_label(r.config, base_lr)), []).append(r)

    def order(key):
        c = groups[key][0].config
        return (c.bn, c.lr_invariant is not None, c.lr_inv, c.lr)

    return {k: sorted(groups[k], key=lambda r: r.config.seed) for k in sorted(groups, key=order)}


def _targets(group, baselines) -> list:
    """Each run's baseline (the network without BN at x1, same seed)."""
    base = {r.config.seed: r for r in baselines}
    return [base[r.config.seed] for r in group]


def _short(group, end: int) -> str:
    """The tag " (200 steps)" for a group trained for fewer steps than ``end``, else ""."""
    return "" if group[0].steps[-1] == end else f" ({group[0].steps[-1]:,} steps)"


def variants_table(runs, baselines, base_lr: float = BASE_LR) -> str:
    """Per variant, over its seeds: how many train, the test accuracy at the end, the steps to
    the target (seed by seed, the best accuracy of that seed's baseline, as the paper's 72.2%
    is Inception's best) and how many times fewer than the baseline: median (range). A "*"
    marks steps over fewer runs than train: some never reach the target. Variants trained for
    fewer steps than the longest are tagged, e.g. "(200 steps)", and a last line says so."""
    rows = [f"{'':11}{'learning rate':<35}{'trains':>7}{'accuracy (%)':>18}"
            f"{'steps to target':>21}{'times fewer':>14}"]  # fmt: skip
    end, short, fractions = max(r.steps[-1] for r in runs), set(), {}
    for (bn, label), group in variants(runs, base_lr).items():
        if "/" in label and group[0].config.lr_invariant is None:
            fractions[label] = group[0].config.lr
        bases = _targets(group, baselines)
        ok = sum(not broken(r) for r in group)
        acc = med_range([100 * r.test_acc[-1] for r in group])
        steps = [r.steps_to(float(b.test_acc.max())) for r, b in zip(group, bases, strict=True)]
        reached = [s for s in steps if s is not None]
        reach = med_range(reached, steps_text) if reached else "never"
        reach += "*" if reached and len(reached) < ok else ""
        ratio = med_range(fewer_steps_by_seed(bases, group))
        tag = _short(group, end)
        if tag:
            short.add(group[0].steps[-1])
        rows.append(f"{BN_LABEL[bn]:11}{label + tag:<35}{f'{ok} of {len(group)}':>7}{acc:>18}"
                    f"{reach:>21}{ratio:>14}")  # fmt: skip
    for label, lr in fractions.items():
        rows.append(f"{label}: the rate {lr:g}, {label[1:]} of the base {base_lr:g}")
    for s in sorted(short):
        rows.append(f"({s:,} steps): trained {s:,} steps only: the accuracy is at step {s:,}, "
                    f"and 'never' means not by step {s:,}")  # fmt: skip
    return "\n".join(rows)


@styled
def variants_figure(runs, baselines, base_lr: float = BASE_LR):
    """Each variant's seeds as dots: test accuracy at the end, and steps to the target."""
    groups = variants(runs, base_lr)
    fig, (ax_a, ax_s) = new_figure(1, 2, width=11, height=1.2 + 0.55 * len(groups), sharey=True)
    end = max(r.steps[-1] for r in runs)
    never = 1.25 * end
    labels = []
    for y, ((bn, label), group) in enumerate(groups.items()):
        labels.append(f"{BN_LABEL[bn]}, {label}{_short(group, end)}")
        dy = 0.09 * (np.arange(len(group)) - (len(group) - 1) / 2)  # seeds side by side
        kw = {"color": BN_COLOR[bn], "ls": "none", "marker": "o", "ms": 7, "alpha": 0.8}
        acc = np.array([100 * r.test_acc[-1] for r in group])
        ax_a.plot(acc, y + dy, **kw)
        ax_a.plot([np.median(acc)], [y], "|", ms=20, mew=2.5, color="0.15", zorder=3)
        bases = _targets(group, baselines)
        hit = [r.steps_to(float(b.test_acc.max())) for r, b in zip(group, bases, strict=True)]
        ax_s.plot([never if s is None else s for s in hit], y + dy, **kw)
    ax_a.set_yticks(range(len(labels)), labels)
    ax_a.set_ylim(len(labels) - 0.5, -0.5)
    ax_a.set(xlim=(0, 100), xlabel="test accuracy at the end (%)",
             title="accuracy (dots: seeds; bar: median)")  # fmt: skip
    ticks = [t for t in range(0, end + 1, 500)]
    ax_s.set_xticks([*ticks, never], [f"{t:,}" for t in ticks] + ["never"])
    ax_s.axvline((end + never) / 2, color="0.75", lw=1)
    ax_s.set(xlim=(-0.03 * end, 1.32 * end), xlabel="training step",
             title="steps to the target: the baseline's best")  # fmt: skip
    return fig


@functools.lru_cache(maxsize=1)
def quick_sweep(steps: int = 300) -> tuple:
    """A small set of variants for tests and benchmarks: x1, x5, x30 without and with BN, and
    x30 on the weights before BN only, 300 steps."""
    from bnlib.experiments.torch_nets import NetConfig, train_many
    from bnlib.nn.data import load_mnist, normalize_input

    configs = [NetConfig(lr=BASE_LR * m, bn=bn) for m in (1, 5, 30) for bn in (False, True)]
    configs.append(NetConfig(lr=BASE_LR, bn=True, lr_invariant=30 * BASE_LR))
    data = normalize_input(load_mnist())
    return tuple(train_many(configs, data, steps, range(0, steps + 1, 50)))


def _title(run, target: float, end: int) -> str:
    """One line for the dashboard: accuracy at the end and the step the target is reached."""
    acc = f"{BN_LABEL[run.config.bn]}: {num(100 * run.test_acc[-1], 1)}%"
    hit = run.steps_to(target)
    said = "broken" if broken(run) else f"target at step {hit:,}" if hit else "target not reached"
    trained = "" if run.steps[-1] == end else f" (trained {run.steps[-1]:,} steps)"
    return f"{acc}, {said}{trained}"


@register
@styled
def learning_rate_sweep(runs=None, base_lr: float = BASE_LR, choice: str = "×5") -> Dashboard:
    """Pick a learning rate (a multiple of the base): test accuracy over training, without and
    with BN, and a typical last-layer sigmoid's input percentiles (Figure 1 b, c) at that rate.
    ``runs``: one seed's runs; the baseline is the one without BN at x1."""
    groups = variants(quick_sweep() if runs is None else runs, base_lr)
    table: dict[str, dict] = {}
    for (bn, label), group in groups.items():
        table.setdefault(label, {})[bn] = group[0]
    labels = list(dict.fromkeys(label for _, label in groups))  # in variants' order
    base = table[times(1)][False]
    target, end = float(base.test_acc.max()), int(base.steps[-1])
    fig, (ax_a, ax_p) = new_figure(1, 2, width=11, height=5.0)
    ax_a.plot(base.steps, 100 * base.test_acc, color="0.6", lw=1.2, label="without BN, ×1")
    ax_a.plot([base.steps_to(target)], [100 * target], "o", ms=8, color="0.6", clip_on=False)
    ax_a.axhline(100 * target, ls=":", color="0.4", lw=1.2, label=f"target {pct(target)}")
    lines = {}
    for bn in (False, True):
        (lines["acc", bn],) = ax_a.plot([], [], color=BN_COLOR[bn], label=BN_LABEL[bn])
        (lines["hit", bn],) = ax_a.plot([], [], "o", ms=9, color=BN_COLOR[bn], clip_on=False)
        for p, ls in zip(PERCENTILES, PERCENTILE_STYLE, strict=True):
            (lines[p, bn],) = ax_p.plot([], [], ls, color=BN_COLOR[bn])
    ax_a.set(xlim=(0, end), ylim=(0, 100), xlabel="training step", ylabel="test accuracy (%)")
    ax_p.set(xlim=(0, end), ylim=Z_RANGE, xlabel="training step",
             ylabel=f"input z of a typical\nlayer-{LAYER + 1} sigmoid")  # fmt: skip
    ax_a.legend(loc="center right", fontsize=11)
    _legend_percentiles(fig)

    def update(choice: str) -> dict:
        shown, titles, medians = {}, [], []
        for bn in (False, True):
            r = table[choice].get(bn)  # None: not trained at this rate
            perc = None if r is None else typical_percentiles(r, LAYER)  # (P, 3)
            lines["acc", bn].set_data(*(([], []) if r is None else (r.steps, 100 * r.test_acc)))
            hit = None if r is None else r.steps_to(target)
            lines["hit", bn].set_data(*(([], []) if hit is None else ([hit], [100 * target])))
            for k, p in enumerate(PERCENTILES):
                lines[p, bn].set_data(*(([], []) if r is None else (r.steps, perc[:, k])))
            if r is None:
                titles.append(f"{BN_LABEL[bn]}: not trained at this rate")
                continue
            z_end = float(perc[-1, 1])
            off = "" if Z_RANGE[0] <= z_end <= Z_RANGE[1] else " (off the scale)"
            medians.append(f"{BN_LABEL[bn]} {num(z_end, 1)}{off}")
            shown[BN_LABEL[bn]] = {"accuracy": float(r.test_acc[-1]), "steps_to": hit,
                                   "broken": broken(r), "median_input": z_end}  # fmt: skip
            titles.append(_title(r, target, end))
        ax_a.set_title("\n".join(titles), fontsize=11)
        ax_p.set_title("median input at the end:\n" + "; ".join(medians), fontsize=11)
        rate = choice if " " in choice else f"{choice} the base {base_lr:g}"
        fig.suptitle(f"learning rate {rate} (seed {base.config.seed})")
        return shown

    start = choice if choice in labels else labels[0]
    slider = choice_slider("learning rate", labels, start, label=str)
    dash = Dashboard("learning-rate multiples", fig, update, target_ms=100, choice=slider)
    freeze_layout(fig)  # laid out once, for two-line titles: a redraw skips the layout pass
    return dash
