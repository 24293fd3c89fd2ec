"""06_paper_experiments: Figure 1 (a) with seed bands, the learning-rate variants and their
dashboard, deep sigmoid networks. Plots only: what they show is computed in
``bnlib.experiments.paper``, ``learning_rates`` and ``sigmoid_depth``. Lab 06a's are in ``nb06a``.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.lines import Line2D

from bnlib.experiments.covariate_shift import PERCENTILES
from bnlib.experiments.learning_rates import at_chance, broken, by_rate, times
from bnlib.experiments.paper import seed_band, typical_percentiles
from bnlib.experiments.sigmoid_depth import sigma_b
from bnlib.notebook.figures.nb01 import BN_COLOR, BN_LABEL, PERCENTILE_STYLE
from bnlib.notebook.viz import PALETTE, freeze_layout, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, choice_slider, register

LAYER = 2  # the last hidden layer (0-based), as in the paper's Figure 1
BASE_LR, TARGET = 3.0, 0.85
BAND = "band: lowest to highest of the seeds"
Z_RANGE = (-12.0, 4.0)  # the dashboard's sigmoid-input axis; values beyond are named in its title


def split_bn(runs) -> tuple[list, list]:
    """(the runs without BN, the runs with BN), each in the order given."""
    return [r for r in runs if not r.config.bn], [r for r in runs if r.config.bn]


def pct(fraction: float) -> str:
    """A fraction as a percentage with at most one decimal: 0.9 -> "90%", 0.897 -> "89.7%"."""
    return f"{num(100 * fraction, 1).removesuffix('.0')}%"


def steps_text(step: float) -> str:
    """A step count with a thousands separator: 1800 -> "1,800"."""
    return f"{round(step):,}"


def med_range(values, fmt=lambda v: num(v, 1)) -> str:
    """The median and the range of the finite values, "3.6 (2.4–6.7)", "-2.3 (-2.6 to -2.2)";
    "—" if there are none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "—"
    mid, sep = fmt(np.median(v)), " to " if v.min() < 0 else "–"
    return mid if v.min() == v.max() else f"{mid} ({fmt(v.min())}{sep}{fmt(v.max())})"


def legend_percentiles(fig, ncol: int = 3) -> None:
    """One legend below the panels for the 15th, 50th and 85th percentiles' line styles."""
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    labels = [f"{p}th percentile" for p in PERCENTILES]
    fig.legend(styles, labels, loc="outside lower center", ncol=ncol)


@styled
def accuracy_bands(runs, target: float = TARGET, zoom: tuple = (70, 100)):
    """The paper's Figure 1 (a): test accuracy against training steps, seeds as bands; the
    right panel zooms in as the paper's axis does (70-100%, the last four fifths of training)."""
    fig, axes = new_figure(1, 2, width=11, height=4.4)
    for ax in axes:
        for bn, group in enumerate(split_bn(runs)):
            steps, b = seed_band(group)
            ax.fill_between(steps, 100 * b.lo, 100 * b.hi, color=BN_COLOR[bn], alpha=0.25, lw=0)
            label = f"{BN_LABEL[bn]}: median of {len(group)} seeds"
            ax.plot(steps, 100 * b.mid, color=BN_COLOR[bn], label=label)
        ax.axhline(100 * target, ls=":", color="0.4", lw=1.2, label=pct(target))
        ax.set_xlabel("training step")
    end = steps[-1]
    axes[0].set(ylabel="test accuracy (%)", ylim=(0, 100), xlim=(0, end), title="(a) test accuracy")
    span = f"{zoom[0]}–{zoom[1]}%, steps {end // 5:,}–{end:,}"
    axes[1].set(ylim=zoom, xlim=(end // 5, end), title=f"(a) zoomed in: {span}")
    axes[0].legend(loc="lower right")
    fig.suptitle(f"Median of {len(split_bn(runs)[0])} seeds ({BAND})")
    return fig


def short_tag(run, end: int) -> str:
    """ " (200 steps)" for a run trained for fewer steps than ``end``, else ""."""
    return "" if run.steps[-1] == end else f" ({run.steps[-1]:,} steps)"


@styled
def variants_figure(runs, baselines, base_lr: float = BASE_LR):
    """Each variant's seeds as dots: test accuracy at the end, and steps to the target (the
    best accuracy of the same seed's baseline, as the paper's 72.2% is Inception's best)."""
    groups = by_rate(runs, base_lr)
    best = {r.config.seed: float(r.test_acc.max()) for r in baselines}
    fig, (ax_a, ax_s) = new_figure(1, 2, width=11, height=1.2 + 0.55 * len(groups), sharey=True)
    end = max(r.steps[-1] for r in runs)
    never = 1.25 * end
    labels = []
    for y, ((bn, label), group) in enumerate(groups.items()):
        labels.append(f"{BN_LABEL[bn]}, {label}{short_tag(group[0], end)}")
        dy = 0.09 * (np.arange(len(group)) - (len(group) - 1) / 2)  # seeds side by side
        kw = {"color": BN_COLOR[bn], "ls": "none", "marker": "o", "ms": 7, "alpha": 0.8}
        acc = np.array([100 * r.test_acc[-1] for r in group])
        ax_a.plot(acc, y + dy, **kw)
        ax_a.plot([np.median(acc)], [y], "|", ms=20, mew=2.5, color="0.15", zorder=3)
        hit = [r.steps_to(best[r.config.seed]) for r in group]
        ax_s.plot([never if s is None else s for s in hit], y + dy, **kw)
    ax_a.set_yticks(range(len(labels)), labels)
    ax_a.set_ylim(len(labels) - 0.5, -0.5)
    title = "accuracy (dots: seeds; bar: median)"
    ax_a.set(xlim=(0, 100), xlabel="test accuracy at the end (%)", title=title)
    ticks = list(range(0, end + 1, 500))
    ax_s.set_xticks([*ticks, never], [f"{t:,}" for t in ticks] + ["never"])
    ax_s.axvline((end + never) / 2, color="0.75", lw=1)
    title = "steps to the target: the baseline's best"
    ax_s.set(xlim=(-0.03 * end, 1.32 * end), xlabel="training step", title=title)
    seeds = [(sum(map(at_chance, g)), len(g)) for g in groups.values()]  # (at chance, of)
    chance = "; ".join(
        f"{t} ({k} of {n} seeds)" for t, (k, n) in zip(labels, seeds, strict=True) if k
    )
    fig.alt = (
        "One row per network, each seed a dot. Left: test accuracy at the end (%). Right: the "
        "training steps to reach the seed's target, the best accuracy of the same seed without "
        f"BN at ×1, or never. Rows, top to bottom: {'; '.join(labels)}. At chance (no better "
        f"than guessing at every probe): {chance or 'none'}."
    )
    return fig


def _color(config) -> str:
    """Blue with BN; without BN orange, or green for Xavier's init."""
    return PALETTE["green"] if config.init == "xavier" else BN_COLOR[config.bn]


INIT_NAME = {"gaussian": "std 0.01", "xavier": "Xavier", "he": "He"}
DEPTH_STYLE = {2: "-.", 3: "-", 4: "--", 6: ":"}


@styled
def depth_figure(runs, signal: dict):
    """Left: test accuracy over training for each depth (and init), without and with BN. Right:
    sigma_B at step 0 of each hidden layer's input over the test digits: ``signal`` {"std 0.01"
    or "Xavier": sigma_B per layer} without BN in float64, and the deepest BN run's layers."""
    fig, (ax_a, ax_s) = new_figure(1, 2, width=11, height=5.0)
    for r in sorted(runs, key=lambda r: (r.config.bn, r.config.init != "gaussian", r.config.depth)):
        c = r.config
        init = "" if c.init == "gaussian" else f", {INIT_NAME[c.init]}"
        label = f"{BN_LABEL[c.bn]}, {c.depth} layers{init}"
        ax_a.plot(
            r.steps, 100 * r.test_acc, DEPTH_STYLE.get(c.depth, "-"), color=_color(c), label=label
        )
    ax_a.axhline(10, ls=":", color="0.4", lw=1, label="chance (10%)")
    end = max(r.steps[-1] for r in runs)
    ax_a.set(xlabel="training step", ylabel="test accuracy (%)", ylim=(0, 100), xlim=(0, end))
    ax_a.set_title("accuracy (seed 0)")
    ax_a.legend(loc="upper left", bbox_to_anchor=(0, -0.18), ncol=2, fontsize=11)
    for name, std in signal.items():
        color = PALETTE["green"] if name == "Xavier" else BN_COLOR[False]
        layers = np.arange(1, len(std) + 1)
        ax_s.plot(layers, std, "o-", color=color, label=f"without BN, {name}, float64")
    deepest = max((r for r in runs if r.config.bn), key=lambda r: r.config.depth, default=None)
    if deepest is not None:  # BN's output has sigma_B 1 (gamma = 1 at step 0), however deep
        layers = np.arange(1, deepest.config.depth + 1)
        label = f"with BN: the trained {deepest.config.depth}-layer network"
        ax_s.plot(
            layers,
            [sigma_b(deepest, 0, i) for i in layers - 1],
            "o-",
            color=BN_COLOR[True],
            label=label,
        )
    ylabel = "$\\sigma_B$ of the layer's input\n(spread over the test digits)"
    ax_s.set(yscale="log", xlabel="hidden layer", title="signal at step 0", ylabel=ylabel)
    ax_s.legend(loc="upper left", bbox_to_anchor=(0, -0.18), ncol=1, fontsize=11)
    return fig


@functools.lru_cache(maxsize=1)
def quick_sweep(steps: int = 300) -> tuple:
    """A small set of variants for tests and benchmarks: x1, x5, x30 without and with BN, and
    x30 on the weights before BN only, 300 steps."""
    from bnlib.experiments.mnist_net import NetConfig
    from bnlib.experiments.torch_nets import train_many
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
    groups = by_rate(quick_sweep() if runs is None else runs, base_lr)
    table: dict[str, dict] = {}
    for (bn, label), group in groups.items():
        table.setdefault(label, {})[bn] = group[0]
    labels = list(table)  # in by_rate's order
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
    ylabel = f"input z of a typical\nlayer-{LAYER + 1} sigmoid"
    ax_p.set(xlim=(0, end), ylim=Z_RANGE, xlabel="training step", ylabel=ylabel)
    ax_a.legend(loc="upper left", bbox_to_anchor=(0, -0.2), ncol=2, fontsize=11)  # off the curves
    legend_percentiles(fig)

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
            shown[BN_LABEL[bn]] = {
                "accuracy": float(r.test_acc[-1]),
                "steps_to": hit,
                "broken": broken(r),
                "median_input": z_end,
            }
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
