"""Figures for the notebooks: one style, a colour-blind-safe palette, PNG output.

Plot functions take data and return a ``matplotlib.figure.Figure``. Figures
are made with ``Figure()`` rather than pyplot, so nothing is shown twice and
no global state changes; a notebook displays one by ending a cell with it.
"""

from __future__ import annotations

import functools
import io
import re

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib import rc_context
from matplotlib.figure import Figure

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "red", "purple", "sky", "black")]

# Readable when projected: nothing below 11 pt.
STYLE = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 14,
    "axes.prop_cycle": cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.0,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "svg.hashsalt": "bnlib",
}


def use_style() -> None:
    """Apply the collection's style to every later figure (a notebook's first cell calls it).

    In a notebook it also makes every ``Figure`` a cell shows an ``image/png`` output
    with alt text (``figure_alt``) in its metadata, which the site carries into
    ``<img alt>`` for screen readers.
    """
    matplotlib.rcParams.update(STYLE)
    _register_png_with_alt()


_TEX_WORDS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "sigma": "σ",
    "Sigma": "Σ",
    "phi": "φ",
    "cdot": "·",
    "times": "×",
    "approx": "≈",
    "leq": "≤",
    "geq": "≥",
    "infty": "∞",
    "to": "→",
    "ell": "ℓ",
    "partial": "∂",
    "nabla": "∇",
    "sum": "Σ",
    "mathcal": "",
    "mathrm": "",
    "mathbf": "",
}


def _tex_free(text: str) -> str:
    """A label as a screen reader should hear it: TeX's commands as the symbols they
    print (\\hat{x} -> x̂, \\sqrt{a} -> √(a), \\gamma -> γ), no ``$`` or braces."""
    text = text.replace("$", "")
    words = "|".join(sorted(_TEX_WORDS, key=len, reverse=True))
    text = re.sub(rf"\\({words})(?![A-Za-z])", lambda m: _TEX_WORDS[m.group(1)], text)
    text = re.sub(r"\\(left|right)(?![A-Za-z])", "", text)
    text = re.sub(r"\\hat\{(\w)\}", "\\1\u0302", text)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", "√(\\1)", text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", "(\\1)/(\\2)", text)
    text = re.sub(r"\\frac(\w)(\w)", "\\1/\\2", text)
    text = re.sub(r"\\[,;:! ]", " ", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return " ".join(text.split())


def figure_alt(fig: Figure) -> str:
    """Alt text for ``fig``: ``fig.alt`` when a figure function set one, else built
    from what the figure says about itself: its suptitle, then each panel's title,
    axis labels and legend entries. Never empty."""
    own = getattr(fig, "alt", None)
    if own:
        return str(own)
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(_tex_free(suptitle.get_text()) + ".")
    axes = [ax for ax in fig.get_axes() if ax.get_visible() and ax.axison]
    for i, ax in enumerate(axes, 1):
        bits = []
        if ax.get_title():
            bits.append(f"“{_tex_free(ax.get_title())}”")
        x, y = _tex_free(ax.get_xlabel()), _tex_free(ax.get_ylabel())
        if x and y:
            bits.append(f"{y} against {x}")
        elif y or x:
            bits.append(f"{y} on the vertical axis" if y else f"{x} on the horizontal axis")
        legend = ax.get_legend()
        if legend is not None:
            entries = [_tex_free(t.get_text()) for t in legend.get_texts() if t.get_text()]
            if entries:
                bits.append("legend: " + "; ".join(entries))
        if bits:
            name = f"Panel {i} of {len(axes)}" if len(axes) > 1 else "The plot"
            parts.append(f"{name}: " + ", ".join(bits) + ".")
    if not parts:  # a diagram: the words drawn on it
        words = [t.get_text() for ax in fig.get_axes() for t in ax.texts] + [
            t.get_text() for t in fig.texts
        ]
        words = [_tex_free(w) for w in words if w.strip()]
        if words:
            parts.append("A diagram: " + "; ".join(words) + ".")
        else:
            parts.append(f"A figure with {len(axes)} panel{'s' if len(axes) != 1 else ''}.")
    return " ".join(parts)


def _figure_png_with_alt(fig: Figure):
    """IPython's image/png formatter for a Figure: the bytes the inline backend makes,
    with ``{"alt": …}`` as the output's metadata."""
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight"), {"alt": figure_alt(fig)}


def _register_png_with_alt() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing displays figures
        return
    ip = get_ipython()
    if ip is None:
        return
    ip.display_formatter.formatters["image/png"].for_type(Figure, _figure_png_with_alt)


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 10, height: float = 4, **kw):
    """A constrained-layout ``Figure`` in the collection's style, and its axes."""
    with rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kw)
    return fig, axes


def styled(fn):
    """Decorator: run a plot function under the collection's rc style."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def fig_to_png(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure rendered to PNG bytes (Agg), without touching pyplot."""
    buf = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=dpi or fig.dpi, metadata={"Software": None})
    return buf.getvalue()


def png_image(fig: Figure, alt: str | None = None):
    """A plain ``image/png`` output for the notebook (visible on GitHub and in print),
    with alt text in its metadata: ``alt``, else ``figure_alt(fig)``."""
    from IPython.display import Image

    return Image(data=fig_to_png(fig), format="png", metadata={"alt": alt or figure_alt(fig)})


def rendered_pixels(fig: Figure) -> np.ndarray:
    """The figure drawn by Agg as an (H, W, 4) uint8 array, to test that it changed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def num(value: float, digits: int = 2) -> str:
    """``value`` rounded for display, without a "-0.00" for tiny negatives."""
    return f"{round(float(value), digits) + 0.0:.{digits}f}"


def pct(share: float) -> str:
    """A share (0..1) as a percentage for display: one decimal, but small shares keep
    two significant digits (0.00028 -> "0.028", not "0.0"); below 1e-6, "< 0.0001"."""
    p = 100 * float(share)
    if p == 0 or p >= 0.1:
        return num(p, 1)
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}"


def hist_outline(values: np.ndarray, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step outline (x, y) of a density histogram: one Line2D that a slider can update.

    Cheaper to update than bar patches: set_data on a single line.
    """
    density, edges = np.histogram(values, bins=bins, density=True)
    x = np.repeat(edges, 2)
    y = np.concatenate([[0.0], np.repeat(density, 2), [0.0]])
    return x, y


def freeze_layout(fig: Figure) -> Figure:
    """Lay ``fig`` out once (constrained layout), then keep the axes where they are.

    For dashboards: each redraw then skips the layout pass, about half the cost
    of redrawing a three-panel figure. Call it after the figure is complete.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with rc_context(STYLE):
        canvas.draw()
    fig.set_layout_engine("none")
    return fig
