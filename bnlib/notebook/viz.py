"""Figures for the notebooks: one style, a colour-blind-safe palette, PNG output.

Plot functions take data and return a ``matplotlib.figure.Figure``. Figures
are made with ``Figure()`` rather than pyplot, so nothing is shown twice and
no global state changes; a notebook displays one by ending a cell with it.
"""

from __future__ import annotations

import functools
import io

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
    """Apply the collection's style to every later figure (a notebook's first cell calls it)."""
    matplotlib.rcParams.update(STYLE)


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


def png_image(fig: Figure):
    """A plain ``image/png`` output for the notebook (visible on GitHub and in print)."""
    from IPython.display import Image

    return Image(data=fig_to_png(fig), format="png")


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
