"""06_paper_experiments: Figure 1 with seed bands, the learning-rate sweep, depth, the gap."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.lines import Line2D

from bnlib.figures.nb01 import BN_COLOR, BN_LABEL, PERCENTILE_STYLE
from bnlib.paper import gap, percentile_bands, seed_band, typical_percentiles
from bnlib.shift import PERCENTILES
from bnlib.viz import freeze_layout, new_figure, num, styled
from bnlib.widgets import Dashboard, choice_slider, register

LAYER = 2  # the last hidden layer (0-based), as in the paper's Figure 1
BASE_LR, TARGET = 3.0, 0.9
BAND = "band: lowest to highest of the seeds"


def split_bn(runs) -> tuple[list, list]:
    """(the runs without BN, the runs with BN), each in the order given."""
    return [r for r in runs if not r.config.bn], [r for r in runs if r.config.bn]


def times(m: float) -> str:
    """A learning-rate multiplier as the paper writes it: x5, x30; x1/3 for a third."""
    return f"×{m:g}" if m >= 1 else f"×1/{round(1 / m):g}"


def pct(fraction: float) -> str:
    """A fraction as a percentage with at most one decimal: 0.9 -> "90%", 0.897 -> "89.7%"."""
    return f"{num(100 * fraction, 1).removesuffix('.0')}%"


def broken(run) -> bool:
    """Training went nowhere: NaN loss, or test accuracy at the end no better than chance."""
    return run.diverged_at is not None or not run.test_acc[-1] > 0.15


def _legend_percentiles(fig, ncol: int = 3):
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    fig.legend(styles, [f"{p}th percentile" for p in PERCENTILES], loc="outside lower center",
               ncol=ncol)  # fmt: skip


@styled
def accuracy_bands(runs, target: float = TARGET):
    """The paper's Figure 1 (a): test accuracy against training steps, seeds as bands."""
    fig, ax = new_figure(width=9.5, height=4.2)
    for bn, group in enumerate(split_bn(runs)):
        steps, b = seed_band(group)
        ax.fill_between(steps, 100 * b.lo, 100 * b.hi, color=BN_COLOR[bn], alpha=0.25, lw=0)
        ax.plot(steps, 100 * b.mid, color=BN_COLOR[bn],
                label=f"{BN_LABEL[bn]}: median of {len(group)} seeds")  # fmt: skip
    ax.axhline(100 * target, ls=":", color="0.4", lw=1.2, label=f"{pct(target)}")
    ax.set(xlabel="training step", ylabel="test accuracy (%)", ylim=(0, 100), xlim=(0, steps[-1]),
           title=f"(a) test accuracy ({BAND})")  # fmt: skip
    ax.legend(loc="lower right")
    return fig


@styled
def percentile_band_panels(runs, layer: int = LAYER):
    """The paper's Figure 1 (b, c): a typical last-layer sigmoid's input percentiles."""
    fig, axes = new_figure(1, 2, width=9.5, height=4.6, sharey=True)
    for ax, (bn, group) in zip(axes, enumerate(split_bn(runs)), strict=True):
        steps, bands = percentile_bands(group, layer)
        for b, ls in zip(bands, PERCENTILE_STYLE, strict=True):
            ax.fill_between(steps, b.lo, b.hi, color=BN_COLOR[bn], alpha=0.18, lw=0)
            ax.plot(steps, b.mid, ls, color=BN_COLOR[bn])
        ax.set(title=f"({'bc'[bn]}) {BN_LABEL[bn]}", xlabel="training step", xlim=(0, steps[-1]))
    axes[0].set_ylabel(f"input z of a typical\nlayer-{layer + 1} sigmoid")
    _legend_percentiles(fig)
    fig.suptitle(f"Median of {len(split_bn(runs)[0])} seeds ({BAND})")
    return fig


def figure1_table(runs, target: float = TARGET, at=(200, 500, 1000, 2000)) -> str:
    """Per seed: test accuracy at some steps and the steps to ``target``, without and with BN,
    and the paired difference (with BN minus without) at the end."""
    without, with_bn = split_bn(runs)
    head = "".join(f"{f'step {s}':>10}" for s in at)
    rows = [f"{'seed':>4}  {'':11}{head}{f'to {pct(target)}':>9}"]
    for a, b in zip(without, with_bn, strict=True):
        for r in (a, b):
            accs = "".join(
                f"{num(100 * r.test_acc[list(r.steps).index(s)], 1) + '%':>10}" for s in at
            )
            label = BN_LABEL[r.config.bn]
            rows.append(f"{r.config.seed:>4}  {label:11}{accs}{r.steps_to(target) or 'never'!s:>9}")
    return "\n".join(rows)


def sweep_runs(runs, base_lr: float = BASE_LR) -> dict:
    """{(multiplier, bn): run} of a learning-rate sweep (one seed)."""
    return {(round(r.config.lr / base_lr, 6), r.config.bn): r for r in runs}


@styled
def sweep_summary(runs, base_lr: float = BASE_LR, target: float = TARGET):
    """Against the learning-rate multiplier: test accuracy at the end, and steps to ``target``."""
    grid = sweep_runs(runs, base_lr)
    mults = sorted({m for m, _ in grid})
    fig, (ax_a, ax_s) = new_figure(1, 2, width=9.5, height=4.4)
    end = max(r.steps[-1] for r in runs)
    for bn in (False, True):
        ms = [m for m in mults if (m, bn) in grid]
        rs = [grid[m, bn] for m in ms]
        kw = {"color": BN_COLOR[bn], "label": BN_LABEL[bn], "marker": "o"}
        ax_a.plot(ms, [100 * r.test_acc[-1] for r in rs], **kw)
        hit = [(m, r.steps_to(target)) for m, r in zip(ms, rs, strict=True)]
        ax_s.plot([m for m, s in hit if s is not None], [s for _, s in hit if s is not None], **kw)
        never = [m for m, s in hit if s is None]
        ax_s.plot(never, [1.12 * end] * len(never), "x", ms=12, mew=3, color=BN_COLOR[bn])
    for ax in (ax_a, ax_s):
        ax.set_xscale("log")
        ax.set_xticks(mults, [times(m) for m in mults])
        ax.minorticks_off()
        ax.set_xlabel(f"learning rate: multiple of {base_lr:g}")
    ax_a.set(ylabel="test accuracy at the end (%)", ylim=(0, 100), title="accuracy")
    ax_s.set(ylabel=f"steps to {pct(target)} test accuracy", ylim=(0, 1.2 * end),
             title=f"steps to {pct(target)} (× = never, in {end:,})")  # fmt: skip
    ax_a.legend(loc="lower left")
    return fig


def _acc_steps(run, target: float, width: int) -> str:
    """A run's final test accuracy and its steps to ``target`` (or "never"), right-aligned."""
    acc = num(100 * run.test_acc[-1], 1) + "%"
    return f"{acc:>{width}}{run.steps_to(target) or 'never'!s:>{width}}"


def sweep_table(runs, base_lr: float = BASE_LR, target: float = TARGET) -> str:
    """Per multiplier: final accuracy and steps to ``target`` without and with BN, and how many
    times fewer steps than the network without BN at x1 (the paper's "14 times fewer")."""
    grid = sweep_runs(runs, base_lr)
    base = grid[1.0, False].steps_to(target)
    rows = [f"{'':>6}{'lr':>6}   {'without BN':>20}   {'with BN':>20}   fewer steps with BN",
            f"{'':>12}   {'accuracy':>10}{f'to {pct(target)}':>10}   {'accuracy':>10}"
            f"{f'to {pct(target)}':>10}   than ×1 without"]  # fmt: skip
    for m in sorted({m for m, _ in grid}):
        cells = []
        for bn in (False, True):
            r = grid.get((m, bn))
            cells.append(f"{'not trained':>20}" if r is None else _acc_steps(r, target, 10))
        bn_steps = grid[m, True].steps_to(target) if (m, True) in grid else None
        ratio = "—" if base is None or bn_steps is None else f"{base / bn_steps:.1f}×"
        lr = next(r.config.lr for (mm, _), r in grid.items() if mm == m)
        rows.append(f"{times(m):>6}{lr:>6g}   {cells[0]}   {cells[1]}   {ratio:>8}")
    return "\n".join(rows)


@functools.lru_cache(maxsize=1)
def quick_sweep(steps: int = 300) -> tuple:
    """A small sweep for tests and benchmarks: x1/10, x1, x5, x30, each without and with BN."""
    from bnlib.data import load_mnist, normalize_input
    from bnlib.nets import NetConfig, train_many

    configs = [NetConfig(lr=BASE_LR * m, bn=bn) for m in (0.1, 1, 5, 30) for bn in (False, True)]
    data = normalize_input(load_mnist())
    return tuple(train_many(configs, data, steps, range(0, steps + 1, 50)))


@register
@styled
def learning_rate_sweep(runs=None, base_lr: float = BASE_LR, target: float = TARGET,
                        multiplier: float = 5.0) -> Dashboard:  # fmt: skip
    """Pick a multiple of the base learning rate: test accuracy over training, without and
    with BN, and a typical last-layer sigmoid's input percentiles (Figure 1 b, c) at that rate."""
    runs = list(quick_sweep() if runs is None else runs)
    grid = sweep_runs(runs, base_lr)
    mults = sorted({m for m, _ in grid})
    fig, (ax_a, ax_p) = new_figure(1, 2, width=9.5, height=4.8)
    base = grid[1.0, False]
    ax_a.plot(base.steps, 100 * base.test_acc, color="0.6", lw=1.2, label="without BN, ×1")
    ax_a.axhline(100 * target, ls=":", color="0.4", lw=1.2)
    lines = {}
    for bn in (False, True):
        (lines["acc", bn],) = ax_a.plot([], [], color=BN_COLOR[bn], label=BN_LABEL[bn])
        (lines["hit", bn],) = ax_a.plot([], [], "o", ms=9, color=BN_COLOR[bn])
        for p, ls in zip(PERCENTILES, PERCENTILE_STYLE, strict=True):
            (lines[p, bn],) = ax_p.plot([], [], ls, color=BN_COLOR[bn])
    end = base.steps[-1]
    ax_a.set(xlim=(0, end), ylim=(0, 100), xlabel="training step", ylabel="test accuracy (%)")
    ax_p.set(xlim=(0, end), xlabel="training step",
             ylabel=f"input z of a typical\nlayer-{LAYER + 1} sigmoid")  # fmt: skip
    ax_a.legend(loc="lower right")
    _legend_percentiles(fig)

    def update(multiplier: float) -> dict:
        shown, zs, titles = {}, [], []
        for bn in (False, True):
            r = grid.get((multiplier, bn))  # None: not trained at this rate
            perc = None if r is None else typical_percentiles(r, LAYER)  # (P, 3)
            lines["acc", bn].set_data(*(([], []) if r is None else (r.steps, 100 * r.test_acc)))
            hit = None if r is None else r.steps_to(target)
            lines["hit", bn].set_data(*(([], []) if hit is None else ([hit], [100 * target])))
            for k, p in enumerate(PERCENTILES):
                lines[p, bn].set_data(*(([], []) if r is None else (r.steps, perc[:, k])))
            if r is None:
                titles.append(f"{BN_LABEL[bn]}: not trained")
                continue
            zs.append(perc[np.isfinite(perc)])
            shown[BN_LABEL[bn]] = {"accuracy": float(r.test_acc[-1]), "steps_to": hit,
                                   "broken": broken(r)}  # fmt: skip
            titles.append(f"{BN_LABEL[bn]}: {num(100 * r.test_acc[-1], 1)}%"
                          + (f", {pct(target)} at {hit}" if hit else ""))  # fmt: skip
        z = np.concatenate(zs) if zs else np.zeros(1)
        pad = 0.1 * (z.max() - z.min()) + 0.1
        ax_p.set_ylim(z.min() - pad, z.max() + pad)
        ax_a.set_title("\n".join(titles), fontsize=11)
        ax_p.set_title("percentiles: red without BN, blue with", fontsize=11)
        fig.suptitle(
            f"learning rate {base_lr * multiplier:g} ({times(multiplier)} the base {base_lr:g})"
        )
        return shown

    start = multiplier if multiplier in mults else 1.0
    choice = choice_slider("learning rate", mults, start, label=times)
    dash = Dashboard("learning-rate multiples", fig, update, target_ms=100, multiplier=choice)
    freeze_layout(fig)  # laid out once, for two-line titles: a redraw skips the layout pass
    return dash


def sigma_b0(run, layer: int = -1) -> float:
    """sigma_B of a layer's input at step 0 (the first probe), RMS over its units."""
    return float(np.sqrt(np.mean(run.z.std[0, layer] ** 2)))


@styled
def depth_figure(runs):
    """Against depth: test accuracy at the end, and sigma_B of the last hidden layer's input at
    step 0, without and with BN."""
    fig, (ax_a, ax_s) = new_figure(1, 2, width=9.5, height=4.4)
    for bn in (False, True):
        rs = sorted((r for r in runs if r.config.bn == bn), key=lambda r: r.config.depth)
        depths = [r.config.depth for r in rs]
        kw = {"color": BN_COLOR[bn], "label": BN_LABEL[bn], "marker": "o"}
        ax_a.plot(depths, [100 * r.test_acc[-1] for r in rs], **kw)
        ax_s.plot(depths, [sigma_b0(r) for r in rs], **kw)
    ax_a.axhline(10, ls=":", color="0.4", lw=1.2, label="chance (10%)")
    end = runs[0].steps[-1]
    ax_a.set(xlabel="hidden layers", ylabel=f"test accuracy after {end:,} steps (%)",
             ylim=(0, 100), title="accuracy")  # fmt: skip
    ax_s.set(xlabel="hidden layers", yscale="log", title="signal at step 0",
             ylabel="$\\sigma_B$ of the last hidden\nlayer's input at step 0")  # fmt: skip
    for ax in (ax_a, ax_s):
        ax.set_xticks(sorted({r.config.depth for r in runs}))
    ax_a.legend(loc="center right")
    return fig


def depth_table(runs, target: float = TARGET) -> str:
    """Per depth: accuracy at the end, steps to ``target`` and sigma_B at step 0."""
    head = f"{'accuracy':>9}{f'to {pct(target)}':>9}{'σ_B at 0':>10}"
    rows = [f"{'layers':>6}   {'without BN':^28}   {'with BN':^28}", f"{'':>6}   {head}   {head}"]
    for d in sorted({r.config.depth for r in runs}):
        cells = []
        for bn in (False, True):
            r = next(r for r in runs if r.config.depth == d and r.config.bn == bn)
            cells.append(f"{_acc_steps(r, target, 9)}{f'{sigma_b0(r):.2g}':>10}")
        rows.append(f"{d:>6}   " + "   ".join(cells))
    return "\n".join(rows)


@styled
def gap_figure(runs):
    """Accuracy on training images and on test images over training (seed bands), and the gap."""
    fig, (ax_a, ax_g) = new_figure(1, 2, width=9.5, height=4.4)
    for bn, group in enumerate(split_bn(runs)):
        steps, test = seed_band(group, "test_acc")
        _, fit = seed_band(group, "train_set_acc")
        for b, ls, what in ((fit, "--", "training"), (test, "-", "test")):
            ax_a.fill_between(steps, 100 * b.lo, 100 * b.hi, color=BN_COLOR[bn], alpha=0.15, lw=0)
            ax_a.plot(steps, 100 * b.mid, ls, color=BN_COLOR[bn], label=f"{BN_LABEL[bn]}, {what}")
        g = np.stack([gap(r) for r in group])  # (S, P)
        ax_g.fill_between(
            steps, 100 * g.min(0), 100 * g.max(0), color=BN_COLOR[bn], alpha=0.25, lw=0
        )
        ax_g.plot(steps, 100 * np.median(g, 0), color=BN_COLOR[bn], label=BN_LABEL[bn])
    ax_a.set(xlabel="training step", ylabel="accuracy (%)", ylim=(0, 100), title="accuracy")
    ax_g.set(xlabel="training step", ylabel="training minus test accuracy\n(percentage points)",
             title="the gap")  # fmt: skip
    ax_a.legend(loc="lower right", fontsize=11)
    ax_g.legend(loc="upper left")
    return fig


def gap_table(runs) -> str:
    """At the end, median over seeds (and range): accuracy and loss on training images and on
    test images, and their gaps, without and with BN."""
    rows = [f"{'':11}{'training acc':>14}{'test acc':>11}{'gap':>8}{'training loss':>15}"
            f"{'test loss':>11}{'gap':>8}"]  # fmt: skip
    for bn, group in enumerate(split_bn(runs)):
        cols = [np.array([getattr(r, f)[-1] for r in group], float)
                for f in ("train_set_acc", "test_acc", "train_set_loss", "test_loss")]  # fmt: skip
        fa, ta, fl, tl = (np.median(c) for c in cols)
        ga, gl = np.median(cols[0] - cols[1]), np.median(cols[3] - cols[2])
        accs = f"{num(100 * fa, 1) + '%':>14}{num(100 * ta, 1) + '%':>11}{num(100 * ga, 1):>8}"
        rows.append(f"{BN_LABEL[bn]:11}{accs}{num(fl, 3):>15}{num(tl, 3):>11}{num(gl, 3):>8}")
    return "\n".join(rows)
