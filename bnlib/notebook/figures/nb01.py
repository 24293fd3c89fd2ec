"""01_internal_covariate_shift: layers at init, drift during training (split into its parts),
the learning rate, the remedies, with BN."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
)

from bnlib.experiments.covariate_shift import (
    PERCENTILES,
    layer_drift,
    propagate,
    split_drift,
    typical_unit,
    unit_weights,
)
from bnlib.nn.data import load_mnist, normalize_input
from bnlib.notebook.viz import PALETTE, new_figure, num, styled
from bnlib.notebook.widgets import Dashboard, choice_slider, register, slider

ACTS = ("sigmoid", "tanh", "relu")
INIT_LABEL = {"gaussian": "small Gaussian, std 0.01", "xavier": "Xavier √(2/(n_in+n_out))",
              "he": "He √(2/n_in)"}  # fmt: skip
INIT_SHORT = {"gaussian": "small", "xavier": "Xavier", "he": "He"}
INIT_COLOR = {"gaussian": PALETTE["orange"], "xavier": PALETTE["green"], "he": PALETTE["blue"]}
BN_COLOR = {False: PALETTE["red"], True: PALETTE["blue"]}
BN_LABEL = {False: "without BN", True: "with BN"}
PERCENTILE_STYLE = (":", "-", "--")  # 15th, 50th, 85th
LAYER = 2  # the last hidden layer (0-based), as in the paper's Figure 1
AFTER = 300  # "late" drift: probe intervals that end after this step
LAYER_COLORS = (PALETTE["sky"], PALETTE["green"], PALETTE["purple"], PALETTE["black"])
FROZEN = 1e-6  # W1 per probe interval below which a layer's input has stopped moving
SATURATED = 4.0  # |z| beyond which the sigmoid's slope is below 0.018 (7% of its maximum)
TINY = 0.01  # σ_B below which a drift in units of σ_B is not shown: it would measure the σ_B


def sci(v: float) -> str:
    """A number of any size in 2 significant digits (1e-20 and 1e+05 as well as 0.42)."""
    return f"{v:.2g}" if (v != 0 and not 1e-2 <= abs(v) < 1e3) else num(v, 2)


def sigma_text(v: float, floor: float = 1e-12) -> str:
    """``sci`` for a σ_B at init, "< 1e-12" below ``floor``: a display floor. For the sigmoid,
    whose outputs sit near 0.5 where float64 resolves no differences below ~1e-16, smaller
    values are rounding noise; for tanh and ReLU they are exact but too small to matter."""
    return f"< {floor:.0e}" if v < floor else sci(v)


def span(values, fmt=sci) -> str:
    """The median and [min–max] of values over seeds, e.g. "0.18 [0.17–0.25]"."""
    v = np.asarray(values, dtype=float)
    return f"{fmt(np.median(v))} [{fmt(v.min())}–{fmt(v.max())}]"


@functools.lru_cache(maxsize=1)
def digits(n: int = 256) -> np.ndarray:
    """The first n test images, normalised over all pixels: the input at init (float64)."""
    return normalize_input(load_mnist()).x_test[:n].astype(np.float64)


@register
@styled
def propagation(depth: int = 20, max_depth: int = 25, width: int = 100, seed: int = 0) -> Dashboard:
    """σ_B of each layer's input at init, for 3 activations x 3 inits; depth and scale sliders."""
    x = digits()
    weights = [w.astype(x.dtype) for w in unit_weights((x.shape[1],) + (width,) * max_depth, seed)]
    fig, axes = new_figure(1, 3, width=9.5, height=5.6, sharey=True)
    lines, notes, heads = {}, {}, []
    for ax, act in zip(axes, ACTS, strict=True):
        ax.axhline(
            1.0, ls="--", color="0.4", lw=1.2, label=r"with BN: $\sigma_B$ = 1 in every layer"
        )
        box = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}
        for k, (init, label) in enumerate(INIT_LABEL.items()):
            (lines[act, init],) = ax.plot([], [], "o-", ms=3, color=INIT_COLOR[init], label=label)
            notes[act, init] = ax.text(0.97, 0.89 - 0.075 * k, "", transform=ax.transAxes,
                                       ha="right", va="top", color=INIT_COLOR[init],
                                       bbox=box)  # fmt: skip
        heads.append(ax.text(0.97, 0.97, "", transform=ax.transAxes, ha="right", va="top",
                             bbox=box))  # fmt: skip
        ax.set(yscale="log", ylim=(1e-12, 1e8), title=act, xlabel="layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("$\\sigma_B$ of the layer's input z\n(RMS over its units)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    cache: dict[float, dict] = {}

    def update(depth: int, gain: float) -> dict:
        if gain not in cache:  # the depth slider only shows more or fewer layers
            cache.clear()
            cache[gain] = {(a, i): propagate(x, weights, a, i, gain) for a, i in lines}
        shown = {}
        for (act, init), p in cache[gain].items():
            lines[act, init].set_data(np.arange(1, depth + 1), p.std[:depth])
            shown[f"{act}/{init}"] = float(p.std[depth - 1])
        for ax in axes:
            ax.set_xlim(0.5, depth + 0.5)
        for (act, init), note in notes.items():
            note.set_text(f"{INIT_SHORT[init]}: {sigma_text(shown[f'{act}/{init}'])}")
        for head in heads:
            head.set_text(f"$\\sigma_B$ at layer {depth}:")
        fig.suptitle(f"Normalised digits through {depth} layers at init, weight stds × {gain:.2f}")
        return shown

    return Dashboard(
        "input normalised, deeper layers not", fig, update, target_ms=1000,
        depth=slider("depth (layers)", depth, 2, max_depth, 1),
        gain=slider("init scale ×", 1.0, 0.5, 2.0, 0.05),
    )  # fmt: skip


@styled
def percentiles_over_steps(runs: dict, layer: int = LAYER):
    """The paper's Figure 1 (b, c): a typical unit's 15th/50th/85th input percentiles."""
    colors = {title: BN_COLOR[run.config.bn] for title, run in runs.items()}
    return percentile_panels(
        runs, layer, colors, "input z of the sigmoid", f" of layer {layer + 1}"
    )


def percentile_panels(runs: dict, layer: int, colors: dict, ylabel: str, where: str = "",
                      panel_width: float = 5.0, height: float = 4.4):  # fmt: skip
    """One panel per run (``runs``: title -> a run with ``steps`` and a ``z`` Summary): the
    15th, 50th and 85th percentiles of the typical unit's input in ``layer`` over training,
    in ``colors[title]``; the unit is named in the title, followed by ``where``."""
    fig, axes = new_figure(1, len(runs), width=panel_width * len(runs), height=height,
                           sharey=True)  # fmt: skip
    for ax, (title, run) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        u = typical_unit(run.z, layer)
        for k, ls in enumerate(PERCENTILE_STYLE):
            ax.plot(run.steps, run.z.percentiles[:, layer, u, k], ls, color=colors[title])
        ax.set(title=f"{title}: unit {u}{where}", xlabel="training step")
    np.atleast_1d(axes)[0].set_ylabel(ylabel)
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    fig.legend(styles, [f"{p}th percentile" for p in PERCENTILES], loc="outside lower center",
               ncol=3)  # fmt: skip
    return fig


def gap(run) -> int:
    """Steps between consecutive probes (the notebook probes every 50 steps)."""
    return int(run.steps[1] - run.steps[0])


@styled
def drift_over_steps(runs: dict):
    """W1 drift of every layer's input between consecutive probes, one panel per run."""
    fig, axes = new_figure(1, len(runs), width=5 * len(runs), height=4.4, sharey=True)
    for ax, (title, run) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        w1 = layer_drift(run.z).w1  # (P - 1, L)
        for layer in range(w1.shape[1]):
            ax.plot(run.steps[1:], w1[:, layer], color=LAYER_COLORS[layer % 4],
                    label=f"layer {layer + 1}")  # fmt: skip
        ax.set(title=title, xlabel="training step", yscale="log")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel(f"total W1 drift of z per {gap(run)} steps\n(mean over units)")
    fig.legend(*first.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    return fig


def late(values, run, after: int = AFTER) -> np.ndarray:
    """The mean over probe intervals that end after step ``after`` of (P - 1, ...) values
    (NaN when the run has no such interval)."""
    values, keep = np.asarray(values), run.steps[1:] > after
    return values[keep].mean(axis=0) if keep.any() else np.full(values.shape[1:], np.nan)


def split_numbers(traced, after: int = AFTER) -> dict:
    """Per layer (L,): a traced run's total drift, its parts (earlier layers = ICS in the strict
    sense, own parameters), each per probe interval after step ``after``, ICS relative to σ,
    ICS of the shape alone (each distribution standardised first), and σ_B at the end (RMS
    over units)."""
    run = traced.run
    parts, rel = split_drift(run.z, traced.cross), split_drift(run.z, traced.cross, True)
    shape = split_drift(run.z, traced.cross, shape=True)
    return {"total": late(parts.total, run, after), "ics": late(parts.earlier, run, after),
            "own": late(parts.own, run, after), "ics_rel": late(rel.earlier, run, after),
            "ics_shape": late(shape.earlier, run, after),
            "sigma_end": np.sqrt(np.mean(run.z.std[-1] ** 2, axis=-1))}  # fmt: skip


@styled
def split_figure(traces: dict, after: int = AFTER):
    """Per layer, the two parts of its input's drift after step ``after``, without and with BN:
    bars at the median over seeds, whiskers from the smallest to the largest."""
    fig, axes = new_figure(1, 2, width=10, height=4.4)
    titles = ("from the earlier layers (ICS)", "from the layer's own parameters")
    for bn, runs in traces.items():
        nums = [split_numbers(t, after) for t in runs]
        for ax, key in zip(axes, ("ics", "own"), strict=True):
            v = np.array([n[key] for n in nums])  # (seeds, L)
            x = np.arange(1, v.shape[1] + 1) + (0.2 if bn else -0.2)
            med = np.median(v, axis=0)
            err = [med - v.min(axis=0), v.max(axis=0) - med]
            ax.bar(x, med, width=0.4, yerr=err, capsize=4, color=BN_COLOR[bn],
                   label=f"{BN_LABEL[bn]} ({len(runs)} seeds)")  # fmt: skip
    every = gap(next(iter(traces.values()))[0].run)
    arrow = {"arrowstyle": "->", "color": "0.3"}
    axes[0].annotate("0: layer 1's input\nis the image", (1, 0), (1, 0.2), ha="center",
                     textcoords=("data", "axes fraction"), arrowprops=arrow)  # fmt: skip
    for ax, title in zip(axes, titles, strict=True):
        ax.set(title=title, xlabel="layer", ylim=(0, None))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel(f"W1 drift of z per {every} steps\n(mean after step {after})")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return fig


def split_table(traces: dict, after: int = AFTER) -> str:
    """``split_numbers`` per layer, without and with BN: the median [min–max] over seeds."""
    rows = [f"{'':11}{'layer':>5}  {'total':<17}{'ICS (earlier)':<17}{'own':<17}"
            f"{'ICS / σ':<17}{'ICS, shape':<17}{'σ_B end':<8}"]  # fmt: skip
    keys = ("total", "ics", "own", "ics_rel", "ics_shape")
    for bn, runs in traces.items():
        nums = [split_numbers(t, after) for t in runs]
        for layer in range(len(nums[0]["total"])):
            cells = [span([n[k][layer] for n in nums]) for k in keys]
            sig = np.median([n["sigma_end"][layer] for n in nums])
            rows.append(f"{BN_LABEL[bn]:11}{layer + 1:>5}  " + "".join(f"{c:<17}" for c in cells)
                        + sci(sig))  # fmt: skip
    return "\n".join(rows)


def bn_cut(traces: dict, key: str = "ics", after: int = AFTER) -> np.ndarray:
    """Per layer (L,): the median over seeds of ``split_numbers(...)[key]`` without BN divided
    by the median with BN (NaN where the latter is 0: layer 1's ICS)."""
    med = {bn: np.median([split_numbers(t, after)[key] for t in runs], axis=0)
           for bn, runs in traces.items()}  # fmt: skip
    with_bn = np.where(med[True] > 0, med[True], np.nan)  # 0 (no ICS to cut) -> NaN
    return med[False] / with_bn


def settled_at(run, layer: int = LAYER, level: float = 0.1) -> int | None:
    """The first probe step from which a layer's drift per probe interval stays below
    ``level``, else None."""
    w1 = layer_drift(run.z).w1[:, layer]  # drift over (steps[p], steps[p + 1]]
    above = np.flatnonzero(~(w1 < level))
    if not above.size:
        return int(run.steps[0])
    return int(run.steps[above[-1] + 1]) if above[-1] + 1 < len(w1) else None


def outcome(run) -> str:
    """The run's outcome. "broke": the loss became NaN/inf, the network stopped moving (every
    layer's input drifts less than FROZEN per probe interval over the second half), or its
    test loss ended more than 10% above where it started; "stuck": not broken but at chance
    (accuracy < 20%); else "trains"."""
    if run.diverged_at is not None or not np.isfinite(run.test_loss[-1]):
        return "broke"
    w1 = layer_drift(run.z).w1
    if np.all(w1[len(w1) // 2 :] < FROZEN) or run.test_loss[-1] > 1.1 * run.test_loss[0]:
        return "broke"
    return "stuck" if run.test_acc[-1] < 0.2 else "trains"


def first_jump(run, layer: int = LAYER) -> float:
    """W1 drift of a layer's input over the first probe interval."""
    return float(layer_drift(run.z).w1[0, layer])


def late_drift(run, layer: int = LAYER, relative: bool = False) -> float:
    """Mean total W1 drift of a layer's input per probe interval after step AFTER (NaN if
    broken); ``relative``: ``relative_drift``, NaN if any late interval is masked."""
    w1 = relative_drift(run, layer) if relative else layer_drift(run.z).w1[:, layer]
    return float(late(w1, run))


def relative_drift(run, layer: int = LAYER) -> np.ndarray:
    """A layer's total W1 drift per probe interval in units of each unit's σ at the interval's
    start, (P - 1,); NaN where the layer's σ_B there is below TINY (near 0, the ratio would
    measure the small σ_B rather than the drift)."""
    rel = layer_drift(run.z, relative=True).w1[:, layer]
    return np.where(sigma_b(run, layer)[:-1] < TINY, np.nan, rel)


def saturated_share(run, layer: int = LAYER) -> float:
    """The share of a layer's inputs beyond |z| > SATURATED at the end (from 20 quantiles
    per unit, so in steps of 5%)."""
    return float(np.mean(np.abs(run.z.quantiles[-1, layer]) > SATURATED))


def select(runs, **fields) -> list:
    """The runs whose config has every given field value (e.g. lr=3, bn=True), by seed."""
    hits = [r for r in runs if all(getattr(r.config, k) == v for k, v in fields.items())]
    return sorted(hits, key=lambda r: r.config.seed)


def by_lr(runs: list, bn: bool) -> dict:
    """{lr: [runs over seeds]} for the runs without or with BN."""
    out: dict[float, list] = {}
    for r in sorted(runs, key=lambda r: (r.config.lr, r.config.seed)):
        if r.config.bn == bn:
            out.setdefault(r.config.lr, []).append(r)
    return out


LR_TICKS = (0.1, 0.3, 1, 3, 10, 30, 100)


def lr_axis(ax) -> None:
    """A log learning-rate axis labelled 0.3, 1, 3, ... rather than 10^0, 10^1."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(LR_TICKS))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" for t in LR_TICKS])
    ax.set_xlabel("learning rate")


@styled
def lr_summary(runs: list):
    """Against the lr, per seed (dots) and their median (line): layer 3's drift in the first
    interval and after step AFTER, and the final accuracy; × marks a run that broke."""
    fig, axes = new_figure(1, 3, width=10.5, height=4.4, sharex=True)
    for bn in (False, True):
        groups = by_lr(runs, bn)
        lrs = np.array(list(groups))
        for ax, value in zip(axes, (first_jump, late_drift, lambda r: 100 * r.test_acc[-1]),
                             strict=True):  # fmt: skip
            for lr, rs in groups.items():
                ok = [value(r) for r in rs if outcome(r) != "broke"]
                bad = [value(r) for r in rs if outcome(r) == "broke"]
                ax.plot([lr] * len(ok), ok, "o", ms=5, alpha=0.6, color=BN_COLOR[bn])
                if value is not late_drift:  # a broken run's late drift is ~0 or NaN: left out
                    ax.plot([lr] * len(bad), bad, "x", ms=11, mew=2.5, color=BN_COLOR[bn])
            med = [np.median([value(r) for r in rs]) for rs in groups.values()]
            keep = [value is not late_drift or all(outcome(r) != "broke" for r in rs)
                    for rs in groups.values()]  # fmt: skip
            ax.plot(lrs[keep], np.array(med)[keep], "-", color=BN_COLOR[bn], label=BN_LABEL[bn])
    for ax in axes:
        lr_axis(ax)
    every = gap(runs[0])
    axes[0].set(yscale="log", title=f"in the first {every} steps",
                ylabel=f"total W1 drift of layer 3's input\nper {every} steps")  # fmt: skip
    axes[1].set(yscale="log", title=f"after step {AFTER}, per {every} steps")
    axes[1].yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))  # a narrow range: 0.05, 0.1, 0.2
    for ax in axes[:2]:
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axes[2].set(ylim=(0, 100), ylabel="test accuracy at the end (%)", title="accuracy")
    handles = [Line2D([], [], color=BN_COLOR[bn], marker="o", label=BN_LABEL[bn])
               for bn in (False, True)]  # fmt: skip
    handles.append(Line2D([], [], color="0.3", marker="x", ls="", mew=2.5, ms=9, label="broke"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    return fig


def lr_table(runs: list) -> str:
    """One row per learning rate and BN: outcomes over seeds, the accuracy's range, layer 3's
    drift (first interval / after AFTER, medians), the median over units of each unit's median
    input z at the end, and the share of layer 3's inputs with |z| > SATURATED (medians)."""
    every = gap(runs[0])
    drift_head = f"total drift: first {every} / after {AFTER}"
    rows = [f"{'lr':>5}  {'BN':<4}{'outcome':<20}{'accuracy':<14}{drift_head:<36}"
            f"{'median z':>9}{f'|z| > {SATURATED:g}':>10}"]  # fmt: skip
    for lr in sorted({r.config.lr for r in runs}):
        for bn in (False, True):
            rs = by_lr(runs, bn).get(lr)
            if not rs:
                continue
            kinds = [outcome(r) for r in rs]
            verdict = ", ".join(f"{k} ×{kinds.count(k)}" for k in dict.fromkeys(kinds))
            acc = [100 * r.test_acc[-1] for r in rs]
            acc_text = f"{num(min(acc), 1)}–{num(max(acc), 1)}%"
            lates = [late_drift(r) for r in rs if outcome(r) != "broke"]
            drift = f"{sci(np.median([first_jump(r) for r in rs]))} / " + (
                sci(np.median(lates)) if lates else "(broke)"
            )
            z = np.median([np.median(r.z.percentiles[-1, LAYER, :, 1]) for r in rs])
            sat = np.median([saturated_share(r) for r in rs])
            rows.append(f"{lr:>5g}  {'yes' if bn else 'no':<4}{verdict:<20}{acc_text:<14}"
                        f"{drift:<36}{sci(z):>9}{f'{100 * sat:.0f}%':>10}")  # fmt: skip
    return "\n".join(rows)


def lr_layer_table(runs: list) -> str:
    """Per learning rate and BN, each layer's total drift (medians over the seeds): first
    interval / after AFTER, the latter only for runs that did not break."""
    layers = runs[0].z.mean.shape[1]
    rows = [f"{'lr':>5}  {'BN':<5}" + "".join(f"{f'layer {k + 1}':<16}" for k in range(layers))]
    for lr in sorted({r.config.lr for r in runs}):
        for bn in (False, True):
            rs = by_lr(runs, bn).get(lr)
            if not rs:
                continue
            w1 = [layer_drift(r.z).w1 for r in rs]  # each (P - 1, L)
            first = np.median([w[0] for w in w1], axis=0)  # (L,)
            ok = [late(w, r) for w, r in zip(w1, rs, strict=True) if outcome(r) != "broke"]
            after = np.median(ok, axis=0) if ok else [None] * layers
            cells = [f"{sci(f)} / {'(broke)' if a is None else sci(a)}"
                     for f, a in zip(first, after, strict=True)]  # fmt: skip
            rows.append(
                f"{lr:>5g}  {'yes' if bn else 'no':<5}" + "".join(f"{c:<16}" for c in cells)
            )
    return "\n".join(rows)


@functools.lru_cache(maxsize=1)
def quick_lr_grid(steps: int = 200) -> tuple:
    """The notebook's learning-rate grid (seed 0), trained for fewer steps (tests, benchmarks)."""
    from bnlib.experiments.torch_nets import NetConfig, train_many

    configs = [NetConfig(lr=lr) for lr in (0.3, 3, 10)]  # without BN: broken from 10 on
    configs += [NetConfig(lr=lr, bn=True) for lr in (0.3, 3, 10, 100)]
    data = normalize_input(load_mnist())
    return tuple(train_many(configs, data, steps, range(0, steps + 1, 50)))


PHRASE = {"trains": "trains", "stuck": "is stuck at chance", "broke": "breaks",
          None: "was not trained"}  # fmt: skip
BOTH = {"trains": "both networks train", "stuck": "both are stuck at chance", "broke": "both break"}


def verdict(states: dict) -> str:
    """The dashboard's headline from {bn: outcome, or None when not trained at that rate}."""
    a, b = states[False], states[True]
    if a is not None and a == b:
        return BOTH[a]
    return f"without BN it {PHRASE[a]}, with BN it {PHRASE[b]}"


@register
@styled
def lr_explorer(runs=None, lr: float = 3.0) -> Dashboard:
    """Pick a learning rate from a trained grid (seed 0): accuracy, drift, and a unit's
    percentiles without BN and with BN (the paper's Figure 1 b, c at that rate)."""
    runs = list(quick_lr_grid() if runs is None else runs)
    grid = {(r.config.lr, r.config.bn): r for r in runs}
    floor = 1e-3  # drift below this (a frozen, broken network) is drawn at the floor
    drift = {key: np.maximum(layer_drift(r.z).w1[:, LAYER], floor) for key, r in grid.items()}
    fig, axes = new_figure(2, 2, width=9.5, height=7.6)
    (ax_a, ax_d), pct_axes = axes
    pct_axes[1].sharey(pct_axes[0])
    lines = {}
    for bn, ax_p in zip((False, True), pct_axes, strict=True):
        kw = {"color": BN_COLOR[bn], "label": BN_LABEL[bn]}
        (lines["acc", bn],), (lines["drift", bn],) = (
            ax_a.plot([], [], **kw),
            ax_d.plot([], [], **kw),
        )
        for p, ls in zip(PERCENTILES, PERCENTILE_STYLE, strict=True):
            (lines[p, bn],) = ax_p.plot([], [], ls, color=BN_COLOR[bn])
        ax_p.set(xlabel="training step")
    end = max(r.steps[-1] for r in runs)  # runs that broke may have stopped early
    for ax in axes.flat:
        ax.set_xlim(0, end)
    every = gap(runs[0])
    ax_a.set(ylim=(0, 100), ylabel="test accuracy (%)")
    ax_d.set(ylim=(floor / 2, 2e2), yscale="log")
    ax_d.set_ylabel(f"total W1 drift of layer 3's input\nper {every} steps (floor {floor:g})")
    pct_axes[0].set_ylabel("input z of a typical\nlayer-3 sigmoid")
    handles = [Line2D([], [], color=BN_COLOR[bn], label=BN_LABEL[bn]) for bn in (False, True)]
    handles += [Line2D([], [], ls=ls, color="0.3", label=f"{p}th percentile")
                for p, ls in zip(PERCENTILES, PERCENTILE_STYLE, strict=True)]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncol=3)

    def curves(r, d) -> tuple[list, int]:
        """(x, y) of run r's lines: accuracy, drift, the typical unit's three percentiles."""
        u = typical_unit(r.z, LAYER)
        pct = [(r.steps, r.z.percentiles[:, LAYER, u, k]) for k in range(len(PERCENTILES))]
        return [(r.steps, 100 * r.test_acc), (r.steps[1:], d), *pct], u

    def update(lr: float) -> dict:
        shown, z, states = {}, [], {}
        for bn, ax_p in zip((False, True), pct_axes, strict=True):
            r = grid.get((lr, bn))  # None: not trained at this learning rate
            data, u = ([([], [])] * 5, None) if r is None else curves(r, drift[lr, bn])
            for key, xy in zip(["acc", "drift", *PERCENTILES], data, strict=True):
                lines[key, bn].set_data(*xy)
            ax_p.set_title(f"{BN_LABEL[bn]}: " + ("not trained" if r is None else f"unit {u}"))
            states[bn] = None if r is None else outcome(r)
            if r is not None:
                z += [y for _, y in data[2:]]
                shown[BN_LABEL[bn]] = {"accuracy": float(r.test_acc[-1]), "outcome": states[bn],
                                       "drift": late_drift(r)}  # fmt: skip
        lo, hi = np.nanmin(np.concatenate(z)), np.nanmax(np.concatenate(z))
        pct_axes[0].set_ylim(lo - 0.1 * (hi - lo) - 0.1, hi + 0.1 * (hi - lo) + 0.1)
        ab = [shown.get(BN_LABEL[bn]) for bn in (False, True)]
        acc = [f"{num(100 * s['accuracy'], 1)}%" if s else "—" for s in ab]
        ax_a.set_title(f"at the end: {acc[0]} vs {acc[1]}")
        drift_text = [sci(s["drift"]) if s and s["outcome"] != "broke" else "—" for s in ab]
        ax_d.set_title(f"after step {AFTER}: " + " vs ".join(drift_text))
        fig.suptitle(f"learning rate {lr:g}: {verdict(states)}")
        return shown

    lrs = sorted({r.config.lr for r in runs})
    choice = choice_slider("learning rate", lrs, lr if lr in lrs else lrs[0])
    return Dashboard("learning rate, drift and breaking", fig, update, target_ms=1000, lr=choice)


@styled
def remedies_figure(pairs: dict, layer: int = LAYER):
    """Per remedy (column): the total drift of layer 3's input over training, in units of z
    (top) and in units of its standard deviation (bottom, ``relative_drift``), without/with BN."""
    n = len(pairs)
    fig, axes = new_figure(2, n, width=2.75 * n, height=6.6, sharex=True, sharey="row")
    axes = axes.reshape(2, n)
    every = gap(next(iter(pairs.values()))[0])
    for col, (name, runs) in enumerate(pairs.items()):
        for run in runs:
            kw = {"color": BN_COLOR[run.config.bn], "label": BN_LABEL[run.config.bn]}
            axes[0, col].plot(run.steps[1:], layer_drift(run.z).w1[:, layer], **kw)
            axes[1, col].plot(run.steps[1:], relative_drift(run, layer), **kw)
        axes[0, col].set(title=name, yscale="log")
        axes[1, col].set(xlabel="training step", yscale="log")
    axes[0, 0].set_ylabel(f"total W1 drift of layer 3's\ninput per {every} steps")
    axes[1, 0].set_ylabel(
        f"the same in units of its $\\sigma_B$\n(drawn where $\\sigma_B \\geq {TINY:g}$)"
    )
    handles = [Line2D([], [], color=BN_COLOR[bn], label=BN_LABEL[bn]) for bn in (False, True)]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    return fig


def sigma_b(run, layer: int = LAYER) -> np.ndarray:
    """σ_B of a layer's input at each probe, RMS over its units: shape (P,). With BN this is
    the RMS of |γ| (z = γ x̂ + β), not a measurement of the earlier layers."""
    return np.sqrt(np.mean(run.z.std[:, layer] ** 2, axis=-1))


def run_numbers(run, layer: int = LAYER, target: float = 0.8) -> dict:
    """A run in numbers: its outcome, final accuracy, steps to ``target``, σ_B of ``layer``'s
    input at the start and end, and its drift per probe interval after step AFTER, in units of
    z and relative to σ_B."""
    sig = sigma_b(run, layer)
    return {"outcome": outcome(run), "accuracy": float(run.test_acc[-1]),
            "steps_to": run.steps_to(target), "sigma_start": float(sig[0]),
            "sigma_end": float(sig[-1]), "late": late_drift(run, layer),
            "late_rel": late_drift(run, layer, relative=True)}  # fmt: skip


def per_seed_steps(steps: list) -> str:
    """Steps to a target over seeds: "200", "300–400", or each seed's where one never got there."""
    if all(s is None for s in steps):
        return "never"
    if None in steps:
        return ", ".join("never" if s is None else str(s) for s in steps)
    return "–".join(dict.fromkeys(map(str, (min(steps), max(steps)))))


def numbers_table(groups: dict, target: float = 0.8) -> str:
    """``run_numbers`` of each named group of runs (seeds): medians, ranges where they matter.
    A drift in units of σ_B is shown as "—" where σ_B was below TINY (``relative_drift``)."""
    head = (f"{'':31}{'accuracy':<13}{f'steps to {target:.0%}':<19}{'σ_B start → end':<19}"
            f"{f'total drift after {AFTER}: z / σ':<20}")  # fmt: skip
    rows, masked = [head], False
    for name, runs in groups.items():
        if all(outcome(r) == "broke" for r in runs):
            at = [r.diverged_at for r in runs]
            why = f"NaN by step {max(at)}" if None not in at else "broke"
            rows.append(f"{name:31}broke in {len(runs)} of {len(runs)} seeds ({why})")
            continue
        ns = [run_numbers(r, target=target) for r in runs]
        med = {k: np.median([n[k] for n in ns]) for k in ("sigma_start", "sigma_end", "late",
                                                          "late_rel")}  # fmt: skip
        acc = [100 * n["accuracy"] for n in ns]
        acc = f"{num(min(acc), 1)}–{num(max(acc), 1)}%"
        reach = per_seed_steps([n["steps_to"] for n in ns])
        sig = f"{sci(med['sigma_start'])} → {sci(med['sigma_end'])}"
        rel = "—" if np.isnan(med["late_rel"]) else sci(med["late_rel"])
        masked |= rel == "—"
        rows.append(f"{name:31}{acc:<13}{reach:<19}{sig:<19}{sci(med['late'])} / {rel}")
    if masked:
        rows.append(
            f"—: σ_B below {TINY:g}: a drift in units of σ_B would measure how small σ_B is"
        )
    return "\n".join(rows)
