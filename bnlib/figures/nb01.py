"""01_internal_covariate_shift: layers at init, drift during training, the remedies, with BN."""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from bnlib.data import load_mnist, normalize_input
from bnlib.shift import PERCENTILES, layer_drift, propagate, typical_unit, unit_weights
from bnlib.viz import PALETTE, new_figure, num, styled
from bnlib.widgets import Dashboard, choice_slider, register, slider

ACTS = ("sigmoid", "tanh", "relu")
INIT_LABEL = {"gaussian": "small Gaussian, std 0.01", "xavier": "Xavier √(2/(n_in+n_out))",
              "he": "He √(2/n_in)"}  # fmt: skip
INIT_SHORT = {"gaussian": "small", "xavier": "Xavier", "he": "He"}
INIT_COLOR = {"gaussian": PALETTE["orange"], "xavier": PALETTE["green"], "he": PALETTE["blue"]}
BN_COLOR = {False: PALETTE["red"], True: PALETTE["blue"]}
BN_LABEL = {False: "without BN", True: "with BN"}
PERCENTILE_STYLE = (":", "-", "--")  # 15th, 50th, 85th
LAYER = 2  # the last hidden layer (0-based), as in the paper's Figure 1
STATE = {False: "trains", True: "breaks"}


def sci(v: float) -> str:
    """A number of any size in 2 significant digits (1e-20 and 1e+05 as well as 0.42)."""
    return f"{v:.2g}" if (v != 0 and not 1e-2 <= abs(v) < 1e3) else num(v, 2)


def sigma_text(v: float, floor: float = 1e-12) -> str:
    """``sci`` for a σ_B at init, "< 1e-12" below ``floor``: a sigmoid's outputs sit near 0.5,
    where float64 resolves no differences below ~1e-16, so smaller values are rounding noise."""
    return f"< {floor:.0e}" if v < floor else sci(v)


@functools.lru_cache(maxsize=1)
def digits(n: int = 256) -> np.ndarray:
    """The first n test images, normalised per channel: the input at init (float64)."""
    return normalize_input(load_mnist()).x_test[:n].astype(np.float64)


@register
@styled
def propagation(depth: int = 20, max_depth: int = 25, width: int = 100, seed: int = 0) -> Dashboard:
    """σ_B of each layer's input at init, for 3 activations x 3 inits; depth and scale sliders."""
    x = digits()
    weights = [w.astype(x.dtype) for w in unit_weights((x.shape[1],) + (width,) * max_depth, seed)]
    fig, axes = new_figure(1, 3, width=9.5, height=4.8, sharey=True)
    lines, notes = {}, {}
    heads = [ax.text(0.96, 0.96, "", transform=ax.transAxes, ha="right", va="top") for ax in axes]
    for ax, act in zip(axes, ACTS, strict=True):
        ax.axhline(
            1.0, ls="--", color="0.4", lw=1.2, label=r"with BN: $\sigma_B$ = 1 in every layer"
        )
        for k, (init, label) in enumerate(INIT_LABEL.items()):
            (lines[act, init],) = ax.plot([], [], "o-", ms=3, color=INIT_COLOR[init], label=label)
            notes[act, init] = ax.text(0.96, 0.885 - 0.075 * k, "", transform=ax.transAxes,
                                       ha="right", va="top", color=INIT_COLOR[init])  # fmt: skip
        ax.set(yscale="log", ylim=(1e-12, 1e6), title=act, xlabel="layer")
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
    fig, axes = new_figure(1, len(runs), width=5 * len(runs), height=4.4, sharey=True)
    for ax, (title, run) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        u = typical_unit(run.z, layer)
        for k, ls in enumerate(PERCENTILE_STYLE):
            ax.plot(run.steps, run.z.percentiles[:, layer, u, k], ls, color=BN_COLOR[run.config.bn])
        ax.set(title=f"{title}: unit {u} of layer {layer + 1}", xlabel="training step")
    np.atleast_1d(axes)[0].set_ylabel("input z of the sigmoid")
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    fig.legend(styles, [f"{p}th percentile" for p in PERCENTILES], loc="outside lower center",
               ncol=3)  # fmt: skip
    return fig


@styled
def drift_over_steps(runs: dict):
    """W1 drift of every layer's input between consecutive probes, one panel per run."""
    fig, axes = new_figure(1, len(runs), width=5 * len(runs), height=4.2, sharey=True)
    colors = [PALETTE["sky"], PALETTE["green"], PALETTE["purple"], PALETTE["black"]]
    for ax, (title, run) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        w1 = layer_drift(run.z).w1  # (P - 1, L)
        for layer in range(w1.shape[1]):
            ax.plot(
                run.steps[1:], w1[:, layer], color=colors[layer % 4], label=f"layer {layer + 1}"
            )
        gap = int(run.steps[1] - run.steps[0])
        ax.set(title=title, xlabel="training step", yscale="log")
        ax.legend(loc="upper right")
    np.atleast_1d(axes)[0].set_ylabel(f"W1 drift of z per {gap} steps\n(mean over units)")
    return fig


def mean_drift(run, layer: int = LAYER) -> float:
    """W1 drift of a layer's input between consecutive probes, averaged over the run."""
    return float(np.mean(layer_drift(run.z).w1[:, layer]))


def broken(run) -> bool:
    """Training broke: the loss became NaN/inf, or the test loss ended no lower than it started
    (a net stuck on a plateau still creeps down; a saturated one does not)."""
    return run.diverged_at is not None or not run.test_loss[-1] < run.test_loss[0]


@styled
def lr_summary(runs: list):
    """Mean drift of the last hidden layer's input and final accuracy, against the lr."""
    fig, (ax_d, ax_a) = new_figure(1, 2, width=10, height=4.2)
    for bn in (False, True):
        rs = sorted((r for r in runs if r.config.bn == bn), key=lambda r: r.config.lr)
        lr = [r.config.lr for r in rs]
        kw = {"color": BN_COLOR[bn], "label": BN_LABEL[bn]}
        ax_d.plot(lr, [mean_drift(r) for r in rs], "o-", **kw)
        ax_a.plot(lr, [100 * r.test_acc[-1] for r in rs], "o-", **kw)
        bad = [r for r in rs if broken(r)]
        ax_a.plot([r.config.lr for r in bad], [100 * r.test_acc[-1] for r in bad], "x",
                  ms=14, mew=3, color=BN_COLOR[bn])  # fmt: skip
    ax_d.set(xscale="log", yscale="log", xlabel="learning rate", title="drift of layer 3's input",
             ylabel="mean W1 drift per probe interval")  # fmt: skip
    ax_a.set(xscale="log", xlabel="learning rate", ylabel="test accuracy at the end (%)",
             title="accuracy (× = training broke)", ylim=(0, 100))  # fmt: skip
    ax_a.legend(loc="center left")
    return fig


def sigma_b(run, layer: int = LAYER) -> np.ndarray:
    """σ_B of a layer's input at each probe, RMS over its units: shape (P,)."""
    return np.sqrt(np.mean(run.z.std[:, layer] ** 2, axis=-1))


@functools.lru_cache(maxsize=1)
def quick_lr_grid(steps: int = 200) -> tuple:
    """The notebook's learning-rate grid, trained for fewer steps (tests and benchmarks)."""
    from bnlib.nets import NetConfig, train_many

    configs = [NetConfig(lr=lr) for lr in (0.3, 1, 3, 10)]  # without BN: broken from 10 on
    configs += [NetConfig(lr=lr, bn=True) for lr in (0.3, 1, 3, 10, 30, 100)]
    data = normalize_input(load_mnist())
    return tuple(train_many(configs, data, steps, range(0, steps + 1, 50)))


@register
@styled
def lr_explorer(runs=None, lr: float = 3.0) -> Dashboard:
    """Pick a learning rate from a trained grid: accuracy, drift, and a unit's percentiles
    without BN and with BN (the paper's Figure 1 b, c at that rate)."""
    runs = list(quick_lr_grid() if runs is None else runs)
    grid = {(r.config.lr, r.config.bn): r for r in runs}
    drift = {key: layer_drift(r.z).w1[:, LAYER] for key, r in grid.items()}
    fig, axes = new_figure(2, 2, width=9.5, height=7.2)
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
    end = runs[0].steps[-1]
    for ax in axes.flat:
        ax.set_xlim(0, end)
    ax_a.set(ylim=(0, 100), ylabel="test accuracy (%)")
    ax_d.set(
        ylim=(1e-3, 1e3), yscale="log", ylabel="W1 drift of layer 3's\ninput per probe interval"
    )
    pct_axes[0].set_ylabel("input z of a typical\nlayer-3 sigmoid")
    styles = [Line2D([], [], ls=ls, color="0.3") for ls in PERCENTILE_STYLE]
    fig.legend(styles, [f"{p}th percentile" for p in PERCENTILES], loc="outside lower center",
               ncol=3)  # fmt: skip
    ax_a.legend(loc="lower right")

    def curves(r, d) -> list:
        """(x, y) of run r's lines: accuracy, drift, the typical unit's three percentiles."""
        u = typical_unit(r.z, LAYER)
        pct = [(r.steps, r.z.percentiles[:, LAYER, u, k]) for k in range(len(PERCENTILES))]
        return [(r.steps, 100 * r.test_acc), (r.steps[1:], d), *pct], u

    def update(lr: float) -> dict:
        shown, z = {}, []
        for bn, ax_p in zip((False, True), pct_axes, strict=True):
            r = grid.get((lr, bn))  # None: not trained at this learning rate
            data, u = ([([], [])] * 5, None) if r is None else curves(r, drift[lr, bn])
            for key, xy in zip(["acc", "drift", *PERCENTILES], data, strict=True):
                lines[key, bn].set_data(*xy)
            ax_p.set_title(f"{BN_LABEL[bn]}: " + ("not trained" if r is None else f"unit {u}"))
            if r is not None:
                z += [y for _, y in data[2:]]
                shown[BN_LABEL[bn]] = {"accuracy": float(r.test_acc[-1]), "broken": broken(r),
                                       "drift": float(np.mean(drift[lr, bn]))}  # fmt: skip
        lo, hi = np.nanmin(np.concatenate(z)), np.nanmax(np.concatenate(z))
        pct_axes[0].set_ylim(lo - 0.1 * (hi - lo) - 0.1, hi + 0.1 * (hi - lo) + 0.1)
        ab = [shown.get(BN_LABEL[bn]) for bn in (False, True)]
        acc = [f"{num(100 * s['accuracy'], 1)}%" if s else "—" for s in ab]
        ax_a.set_title(f"at the end: {acc[0]} vs {acc[1]}")
        ax_d.set_title("mean drift: " + " vs ".join(sci(s["drift"]) if s else "—" for s in ab))
        verdict = [f"{BN_LABEL[bn]} {STATE[s['broken']] if s else 'not trained'}"
                   for bn, s in zip((False, True), ab, strict=True)]  # fmt: skip
        fig.suptitle(f"learning rate {lr:g}: " + ", ".join(verdict))
        return shown

    lrs = sorted({r.config.lr for r in runs})
    choice = choice_slider("learning rate", lrs, lr if lr in lrs else lrs[0])
    return Dashboard("learning rate, drift and breaking", fig, update, target_ms=1000, lr=choice)


@styled
def remedies_figure(pairs: dict, layer: int = LAYER):
    """Per remedy (column): drift of layer 3's input and its σ_B over training, without/with BN."""
    n = len(pairs)
    fig, axes = new_figure(2, n, width=2.75 * n, height=6.4, sharex=True, sharey="row")
    axes = axes.reshape(2, n)
    for col, (name, runs) in enumerate(pairs.items()):
        for run in runs:
            kw = {"color": BN_COLOR[run.config.bn], "label": BN_LABEL[run.config.bn]}
            axes[0, col].plot(run.steps[1:], layer_drift(run.z).w1[:, layer], **kw)
            axes[1, col].plot(run.steps, sigma_b(run, layer), **kw)
        axes[0, col].set(title=name, yscale="log")
        axes[1, col].set(xlabel="training step", yscale="log")
    axes[0, 0].set_ylabel("W1 drift of layer 3's\ninput per probe interval")
    axes[1, 0].set_ylabel("$\\sigma_B$ of layer 3's input\n(RMS over units)")
    axes[0, 0].legend(loc="upper right")
    return fig


def run_numbers(run, layer: int = LAYER, target: float = 0.8, early: int = 300, late: int = 500):
    """A run in six numbers: final accuracy, steps to ``target``, σ_B of ``layer``'s input
    at the start and end, mean W1 drift over the first ``early`` and last ``late`` steps."""
    w1, ends = layer_drift(run.z).w1[:, layer], run.steps[1:]  # drift over (start, end]
    sig = sigma_b(run, layer)
    return {"accuracy": float(run.test_acc[-1]), "steps_to": run.steps_to(target),
            "sigma_start": float(sig[0]), "sigma_end": float(sig[-1]),
            "drift_early": float(w1[ends <= early].mean()),
            "drift_late": float(w1[ends > ends[-1] - late].mean())}  # fmt: skip


def numbers_table(runs: dict, **kw) -> str:
    """``run_numbers`` of each named run as an aligned text table."""
    target = kw.get("target", 0.8)
    head = (f"{'':31}{'accuracy':>9}{f'steps to {target:.0%}':>14}{'σ_B start → end':>18}"
            f"{'drift early / late':>20}")  # fmt: skip
    rows = [head]
    for name, run in runs.items():
        n = run_numbers(run, **kw)
        rows.append(f"{name:31}{num(100 * n['accuracy'], 1):>8}%{n['steps_to'] or 'never'!s:>14}"
                    f"{sci(n['sigma_start']):>9} → {sci(n['sigma_end']):<6}"
                    f"{sci(n['drift_early']):>11} / {sci(n['drift_late']):<6}")  # fmt: skip
    return "\n".join(rows)


def lr_table(runs: list) -> str:
    """Per learning rate, without and with BN: the mean drift of layer 3's input, the final
    accuracy (or BROKE) and the median over units of each unit's median input z at the end."""
    grid = {(r.config.lr, r.config.bn): r for r in runs}
    head = f"{'drift':>8}{'accuracy':>10}{'median z':>10}"
    rows = [f"{'':8}{'without BN':^28}   {'with BN':^28}", f"{'lr':>5}   {head}   {head}"]
    for lr in sorted({lr for lr, _ in grid}):
        cells = []
        for bn in (False, True):
            r = grid.get((lr, bn))
            if r is None:
                cells.append(f"{'not trained':>28}")
                continue
            acc = "BROKE" if broken(r) else f"{num(100 * r.test_acc[-1], 1)}%"
            z = np.median(r.z.percentiles[-1, LAYER, :, 1])
            cells.append(f"{sci(mean_drift(r)):>8}{acc:>10}{sci(z):>10}")
        rows.append(f"{lr:>5g}   " + "   ".join(cells))
    return "\n".join(rows)
