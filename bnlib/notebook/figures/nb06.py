"""06_paper_experiments: Figure 1 with seed bands, depth, the gap; shared helpers (section 3's
learning rates are in ``nb06_rates``)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from matplotlib.lines import Line2D

from bnlib.experiments.covariate_shift import PERCENTILES, SMALL_STD
from bnlib.experiments.paper import (
    at_fit,
    gap,
    movement,
    percentile_bands,
    seed_band,
    typical_percentiles,
)
from bnlib.notebook.figures.nb01 import BN_COLOR, BN_LABEL, PERCENTILE_STYLE
from bnlib.notebook.viz import PALETTE, new_figure, num, styled

LAYER = 2  # the last hidden layer (0-based), as in the paper's Figure 1
BASE_LR, TARGET, FIT = 3.0, 0.85, 0.9  # FIT: the training accuracy the gap is compared at
BAND = "band: lowest to highest of the seeds"


def split_bn(runs) -> tuple[list, list]:
    """(the runs without BN, the runs with BN), each in the order given."""
    return [r for r in runs if not r.config.bn], [r for r in runs if r.config.bn]


def times(m: float) -> str:
    """A learning-rate multiplier as the paper writes it: x5, x30; x1/3 and x5/3 for fractions."""
    f = Fraction(m).limit_denominator(10)
    if abs(float(f) - m) > 1e-9 * abs(m):
        return f"×{m:g}"
    return f"×{f.numerator}" if f.denominator == 1 else f"×{f.numerator}/{f.denominator}"


def pct(fraction: float) -> str:
    """A fraction as a percentage with at most one decimal: 0.9 -> "90%", 0.897 -> "89.7%"."""
    return f"{num(100 * fraction, 1).removesuffix('.0')}%"


def steps_text(step: float) -> str:
    """A step count with a thousands separator: 1800 -> "1,800"."""
    return f"{round(step):,}"


def broken(run) -> bool:
    """Training went nowhere: NaN loss, or at the end no better than chance (``at_chance``'s
    rule at the last probe: test accuracy at most 15%, or a test loss no lower than ln 10)."""
    end = not (run.test_acc[-1] > 0.15 and run.test_loss[-1] < np.log(10))
    return run.diverged_at is not None or bool(end)


def reach(runs, targets) -> np.ndarray:
    """Each run's first probed step with test accuracy >= its target (one target for all, or one
    per run), ``inf`` where never: shape (R,), for comparisons in which never is the slowest."""
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (len(runs),))
    hits = [r.steps_to(float(t)) for r, t in zip(runs, targets, strict=True)]
    return np.array([np.inf if h is None else h for h in hits], dtype=float)


def at_chance(run, level: float = 0.15) -> bool:
    """No better than chance at every probe after step 0: test accuracy at most ``level``, or a
    test loss no lower than ln 10, what a uniform guess over the 10 classes scores (NaN too). A
    network that answers one class for every digit scores exactly 10% (the classes are
    balanced); one whose outputs have blown up scatters around it, with a huge loss."""
    acc, loss = np.asarray(run.test_acc[1:]), np.asarray(run.test_loss[1:])
    return bool(np.all((acc <= level) | ~(loss < np.log(10))))


def med_range(values, fmt=lambda v: num(v, 1)) -> str:
    """The median and the range of the finite values, "3.6 (2.4–6.7)", "-2.3 (-2.6 to -2.2)";
    "—" if there are none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "—"
    mid, sep = fmt(np.median(v)), " to " if v.min() < 0 else "–"
    return mid if v.min() == v.max() else f"{mid} ({fmt(v.min())}{sep}{fmt(v.max())})"


def _legend_percentiles(fig, ncol: int = 3):
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    fig.legend(styles, [f"{p}th percentile" for p in PERCENTILES], loc="outside lower center",
               ncol=ncol)  # fmt: skip


@styled
def accuracy_bands(runs, target: float = TARGET, zoom: tuple = (70, 100)):
    """The paper's Figure 1 (a): test accuracy against training steps, seeds as bands; the
    right panel zooms in as the paper's axis does (70-100%, the last four fifths of training)."""
    fig, axes = new_figure(1, 2, width=11, height=4.4)
    for ax in axes:
        for bn, group in enumerate(split_bn(runs)):
            steps, b = seed_band(group)
            ax.fill_between(steps, 100 * b.lo, 100 * b.hi, color=BN_COLOR[bn], alpha=0.25, lw=0)
            ax.plot(steps, 100 * b.mid, color=BN_COLOR[bn],
                    label=f"{BN_LABEL[bn]}: median of {len(group)} seeds")  # fmt: skip
        ax.axhline(100 * target, ls=":", color="0.4", lw=1.2, label=pct(target))
        ax.set_xlabel("training step")
    end = steps[-1]
    axes[0].set(ylabel="test accuracy (%)", ylim=(0, 100), xlim=(0, end), title="(a) test accuracy")
    span = f"{zoom[0]}–{zoom[1]}%, steps {end // 5:,}–{end:,}"
    axes[1].set(ylim=zoom, xlim=(end // 5, end), title=f"(a) zoomed in: {span}")
    axes[0].legend(loc="lower right")
    fig.suptitle(f"Median of {len(split_bn(runs)[0])} seeds ({BAND})")
    return fig


@styled
def percentile_band_panels(runs, layer: int = LAYER):
    """The paper's Figure 1 (b, c): a typical last-layer sigmoid's input percentiles."""
    fig, axes = new_figure(1, 2, width=11, height=4.6, sharey=True)
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


def moved(runs, spans, layer: int = LAYER) -> np.ndarray:
    """How far each run's typical unit's 15th, 50th and 85th percentiles move
    (``paper.movement``) over ``spans``: one (start, stop) for all runs or one per run;
    a row of NaN where stop is None or inf (never reached, as ``reach`` gives). Shape (R, 3)."""
    if len(spans) == 2 and np.isscalar(spans[0]):
        spans = [spans] * len(runs)
    never = [b is None or not np.isfinite(b) for _, b in spans]
    return np.stack([np.full(3, np.nan) if n else movement(r, layer, a, b)
                     for r, (a, b), n in zip(runs, spans, never, strict=True)])  # fmt: skip


def movement_table(runs, windows=((200, 1000), (1000, 2000)), layer: int = LAYER,
                   until: float | None = None) -> str:  # fmt: skip
    """How far the typical unit's percentiles move within each window of steps
    (``paper.movement``): median and range over the seeds, without and with BN. With
    ``until``, one more window per network: from step 0 to its first probe with test accuracy
    >= ``until`` (the same progress, not the same steps), and a last line with those steps."""
    rows = [f"{'':11}{'steps':>14}" + "".join(f"{f'{p}th percentile':>19}" for p in PERCENTILES)]
    reach = []
    for bn, group in enumerate(split_bn(runs)):
        spans = [[w] * len(group) for w in windows]  # per window, each run's (start, stop)
        if until is not None:
            stops = [r.steps_to(until) for r in group]
            spans.append([(0, s) for s in stops])
            at = med_range([np.nan if s is None else s for s in stops], steps_text)
            reach.append(f"{at} {BN_LABEL[bn]}")
        for k, span in enumerate(spans):
            m = moved(group, span, layer)
            name = f"{span[0][0]:,}–{span[0][1]:,}" if k < len(windows) else f"0 to {pct(until)}"
            cells = "".join(f"{med_range(m[:, j], lambda v: num(v, 2)):>19}" for j in range(3))
            rows.append(f"{BN_LABEL[bn]:11}{name:>14}{cells}")
    if until is not None:
        rows.append(f"'0 to {pct(until)}': from step 0 to the first probe with test accuracy >= "
                    f"{pct(until)}, step {', '.join(reach)}")  # fmt: skip
    return "\n".join(rows)


def input_levels(runs, at=(100, 2000), layer: int = LAYER) -> str:
    """Where the typical unit's input sits: its median (50th percentile) at some steps, median
    and range over the seeds, and the lowest 15th percentile of any seed at any probe."""
    rows = []
    for bn, group in enumerate(split_bn(runs)):
        p = np.stack([typical_percentiles(r, layer) for r in group])  # (S, P, 3)
        steps = list(group[0].steps)
        mids = [f"step {s:,} {med_range(p[:, steps.index(s), 1])}" for s in at]
        rows.append(f"{BN_LABEL[bn]:11}median input at {', '.join(mids)}; "
                    f"lowest 15th percentile {num(p[..., 0].min(), 2)}")  # fmt: skip
    return "\n".join(rows)


def figure1_table(runs, target: float = TARGET, at=(200, 500, 900, 1500)) -> str:
    """Per seed: test accuracy at some steps and the steps to ``target``, without and with BN."""
    without, with_bn = split_bn(runs)
    head = "".join(f"{f'step {s:,}':>11}" for s in at)
    rows = [f"{'seed':>4}  {'':11}{head}{f'to {pct(target)}':>9}"]
    for a, b in zip(without, with_bn, strict=True):
        for r in (a, b):
            accs = "".join(
                f"{num(100 * r.test_acc[list(r.steps).index(s)], 1) + '%':>11}" for s in at
            )
            hit = r.steps_to(target)
            hit = steps_text(hit) if hit else "never"
            rows.append(f"{r.config.seed:>4}  {BN_LABEL[r.config.bn]:11}{accs}{hit:>9}")
    return "\n".join(rows)


def sigma_b(run, probe: int = 0, layer: int = -1) -> float:
    """sigma_B of a layer's input to its nonlinearity at a probe, RMS over its units."""
    return float(np.sqrt(np.mean(run.z.std[probe, layer] ** 2)))


DEPTH_STYLE = {2: "-.", 3: "-", 4: "--", 6: ":"}
INIT_NAME = {"gaussian": f"std {SMALL_STD:g}", "xavier": "Xavier", "he": "He"}


def _color(config) -> str:
    """Blue with BN; without BN orange, or green for Xavier's init (as ``init_signal``)."""
    return PALETTE["green"] if config.init == "xavier" else BN_COLOR[config.bn]


@styled
def depth_figure(runs, signal: dict):
    """Left: test accuracy over training for each depth (and init), without and with BN. Right:
    sigma_B at step 0 of each hidden layer's input over the test digits: ``signal`` {label:
    (colour, sigma_B per layer)}, computed in float64; the deepest BN run's layers; and each run
    without BN at its last hidden layer, in float32 (hollow markers, one per network)."""
    fig, (ax_a, ax_s) = new_figure(1, 2, width=11, height=5.2)
    order = sorted(runs, key=lambda r: (r.config.bn, r.config.init != "gaussian", r.config.depth))
    for r in order:
        c, init = r.config, "" if r.config.init == "gaussian" else f", {INIT_NAME[r.config.init]}"
        ax_a.plot(r.steps, 100 * r.test_acc, DEPTH_STYLE.get(c.depth, "-"), color=_color(c),
                  label=f"{BN_LABEL[c.bn]}, {c.depth} layers{init}")  # fmt: skip
    ax_a.axhline(10, ls=":", color="0.4", lw=1, label="chance (10%)")
    end = max(r.steps[-1] for r in runs)
    ax_a.set(xlabel="training step", ylabel="test accuracy (%)", ylim=(0, 100), xlim=(0, end),
             title="accuracy (seed 0)")  # fmt: skip
    ax_a.legend(loc="upper left", bbox_to_anchor=(0, -0.18), ncol=2, fontsize=11)
    for label, (color, std) in signal.items():
        ax_s.plot(np.arange(1, len(std) + 1), std, "o-", color=color, label=label)
    deepest = max((r for r in runs if r.config.bn), key=lambda r: r.config.depth, default=None)
    if deepest is not None:  # BN's output has sigma 1 (gamma = 1 at step 0), however deep
        depth = np.arange(1, deepest.config.depth + 1)
        label = f"with BN: the trained {deepest.config.depth}-layer network, float32"
        ax_s.plot(depth, [sigma_b(deepest, 0, i) for i in depth - 1], "o-", color=BN_COLOR[True],
                  label=label)  # fmt: skip
    for init in INIT_NAME:  # the runs without BN: one marker per network, at its last layer
        mine = [r for r in order if not r.config.bn and r.config.init == init]
        if not mine:
            continue
        depths = ", ".join(str(r.config.depth) for r in mine)
        which = "networks,\neach " if len(mine) > 1 else "network,\n"
        ax_s.plot([r.config.depth for r in mine], [sigma_b(r) for r in mine], "o", ms=12,
                  mfc="none", mew=2, color=_color(mine[0].config),
                  label=f"without BN, {INIT_NAME[init]}: the trained {depths}-layer {which}"
                        "at its last hidden layer, float32")  # fmt: skip
    ax_s.set(yscale="log", xlabel="hidden layer", title="signal at step 0",
             ylabel="$\\sigma_B$ of the layer's input\n(spread over the test digits)")  # fmt: skip
    ax_s.legend(loc="upper left", bbox_to_anchor=(0, -0.18), ncol=1, fontsize=11)
    return fig


def depth_table(runs, target: float = TARGET, at=(200, 400)) -> str:
    """Per network: accuracy at some steps, steps to ``target``, and sigma_B of the last hidden
    layer's input at step 0 and at the end (float32, as trained)."""
    head = "".join(f"{f'step {s:,}':>11}" for s in at)
    rows = [f"{'layers':>6}  {'':11}{'init':<9}{head}{f'to {pct(target)}':>9}{'σ_B at 0':>10}"
            f"{'at end':>9}"]  # fmt: skip
    for r in sorted(runs, key=lambda r: (r.config.depth, r.config.bn, r.config.init)):
        accs = "".join(f"{num(100 * r.test_acc[list(r.steps).index(s)], 1) + '%':>11}" for s in at)
        hit = r.steps_to(target)
        sig = f"{sigma_b(r):>10.2g}{sigma_b(r, -1):>9.2g}"
        rows.append(f"{r.config.depth:>6}  {BN_LABEL[r.config.bn]:11}"
                    f"{INIT_NAME[r.config.init]:<9}{accs}"
                    f"{steps_text(hit) if hit else 'never':>9}{sig}")  # fmt: skip
    return "\n".join(rows)


@styled
def gap_figure(runs, fit: float = FIT):
    """Left: accuracy on training images and on test images over training (seed bands).
    Right: the gap against the accuracy on training images, each seed a line: at equal fit."""
    fig, (ax_a, ax_g) = new_figure(1, 2, width=11, height=4.6)
    for bn, group in enumerate(split_bn(runs)):
        steps, test = seed_band(group, "test_acc")
        _, fits = seed_band(group, "train_set_acc")
        for b, ls, what in ((fits, "--", "training"), (test, "-", "test")):
            ax_a.fill_between(steps, 100 * b.lo, 100 * b.hi, color=BN_COLOR[bn], alpha=0.15, lw=0)
            ax_a.plot(steps, 100 * b.mid, ls, color=BN_COLOR[bn], label=f"{BN_LABEL[bn]}, {what}")
    pairs = paired_gaps(runs, fit)  # (S, 2, 2): seed, (at the end, at fit), (without, with)
    for x0, k in ((0, 0), (2.5, 1)):
        for g in pairs[:, k]:
            ax_g.plot([x0, x0 + 1], 100 * g, "-", color="0.6", lw=1)
        for bn in (False, True):
            label = BN_LABEL[bn] if k == 0 else None
            ax_g.plot(np.full(len(pairs), x0 + bn), 100 * pairs[:, k, int(bn)], "o", ms=9,
                      color=BN_COLOR[bn], label=label)  # fmt: skip
    end = split_bn(runs)[0][0].steps[-1]
    ax_g.set_xticks([0.5, 3], [f"at step {end:,}\n(the same step)", f"at {pct(fit)} training\n"
                               "accuracy (the same fit)"])  # fmt: skip
    ax_a.set(xlabel="training step", ylabel="accuracy (%)", ylim=(0, 100), title="accuracy")
    ax_g.set(xlim=(-0.6, 4.1), ylabel="training minus test accuracy\n(percentage points)",
             title="the gap, each line a seed")  # fmt: skip
    ax_a.legend(loc="lower right", fontsize=11)
    ax_g.legend(loc="lower center", fontsize=11)
    return fig


def paired_gaps(runs, fit: float = FIT) -> np.ndarray:
    """Per seed: the gap at the end and at ``fit`` (NaN: not reached), without and with BN,
    shape (S, 2, 2)."""
    out = []
    for a, b in zip(*split_bn(runs), strict=True):
        fits = [at_fit(r, fit) for r in (a, b)]
        out.append([[gap(a)[-1], gap(b)[-1]], [np.nan if m is None else m.gap for m in fits]])
    return np.array(out, dtype=float)


def gap_table(runs, fit: float = FIT) -> str:
    """Seed by seed, at the first probe with ``fit`` of the training images right
    (``paper.at_fit``): the step, both accuracies and the gap, without and with BN."""
    cols = f"{'step':>7}{'train':>8}{'test':>8}{'gap':>6}"
    rows = [f"{'seed':>4}   {'without BN':^29}   {'with BN':^29}", f"{'':>4}   {cols}   {cols}"]
    for a, b in zip(*split_bn(runs), strict=True):
        cells = []
        for r in (a, b):
            m = at_fit(r, fit)
            cells.append(f"{'not reached':>29}" if m is None else
                         f"{m.step:>7,}{num(100 * m.train_acc, 1):>8}{num(100 * m.test_acc, 1):>8}"
                         f"{num(100 * m.gap, 1):>6}")  # fmt: skip
        rows.append(f"{a.config.seed:>4}   " + "   ".join(cells))
    g = paired_gaps(runs, fit)[:, 1]  # (S, 2)
    d = 100 * (g[:, 0] - g[:, 1])  # (S,) without minus with BN, percentage points
    rows.append(f"the gap is smaller with BN in {int(np.sum(d > 0))} of {len(d)} seeds, by "
                f"{med_range(d)} points (median, range)")  # fmt: skip
    return "\n".join(rows)


def end_gap_table(runs) -> str:
    """At the end, median over the seeds: accuracy and loss on training images and on test
    images, and the median of the per-seed gaps (not the difference of the medians); in how many
    seeds BN's gap is the larger, in accuracy and in loss."""
    rows = [f"{'':11}{'training acc':>14}{'test acc':>11}{'gap':>8}{'training loss':>15}"
            f"{'test loss':>11}{'gap':>8}"]  # fmt: skip
    for bn, group in enumerate(split_bn(runs)):
        cols = [np.array([getattr(r, f)[-1] for r in group], float)
                for f in ("train_set_acc", "test_acc", "train_set_loss", "test_loss")]  # fmt: skip
        fa, ta, fl, tl = (np.median(c) for c in cols)
        ga, gl = np.median(cols[0] - cols[1]), np.median(cols[3] - cols[2])
        accs = f"{num(100 * fa, 1) + '%':>14}{num(100 * ta, 1) + '%':>11}{num(100 * ga, 1):>8}"
        rows.append(f"{BN_LABEL[bn]:11}{accs}{num(fl, 3):>15}{num(tl, 3):>11}{num(gl, 3):>8}")
    pairs = list(zip(*split_bn(runs), strict=True))
    g = np.array([[gap(a)[-1], gap(b)[-1]] for a, b in pairs])  # (S, 2): without, with BN
    loss = np.array([[r.test_loss[-1] - r.train_set_loss[-1] for r in ab] for ab in pairs])
    larger = [int(np.sum(x[:, 1] > x[:, 0])) for x in (g, loss)]
    rows.append(f"the gap is larger with BN in {larger[0]} of {len(g)} seeds in accuracy, "
                f"in {larger[1]} of {len(g)} in loss")  # fmt: skip
    return "\n".join(rows)


def init_signal(x, depth: int = 6, seed: int = 0) -> dict:
    """sigma_B of each hidden layer's input at step 0 without BN, in float64, for the paper's
    small Gaussian init (std 0.01) and for Xavier's, from digits ``x`` (N, 784): the
    ``signal`` of ``depth_figure``, {label: (colour, (depth,) array)}."""
    from bnlib.experiments.covariate_shift import propagate, unit_weights

    weights = unit_weights((x.shape[1],) + (100,) * depth, seed)
    x = np.asarray(x, dtype=np.float64)
    return {
        f"without BN, std {SMALL_STD:g}, float64": (
            BN_COLOR[False], propagate(x, weights, "sigmoid", "gaussian").std),
        "without BN, Xavier init, float64": (
            PALETTE["green"], propagate(x, weights, "sigmoid", "xavier").std),
    }  # fmt: skip
