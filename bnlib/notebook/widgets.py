"""The one dashboard pattern: sliders -> a pure computation -> the figure's artists.

A factory builds a figure once, then returns ``Dashboard(title, fig, update,
**controls)``. ``update(**values)`` recomputes (maths that lives, tested, in
bnlib) and sets the artists' data; it returns the numbers it shows, so tests
can check them without a browser. Nothing is re-plotted: a slider move costs
the computation plus one redraw, measured by ``time_updates``.

In JupyterLab the figure is an ipympl canvas (redrawn in place, no new PNG
per move); ``snapshot()`` gives the static PNG for GitHub, nbviewer and print.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bnlib.notebook.viz import figure_alt, png_image

REGISTRY: dict[str, Callable[[], Dashboard]] = {}
CSS_CLASS = "bnlib-dashboard"  # the browser tests find dashboards by this class


def register(factory: Callable[[], Dashboard]) -> Callable[[], Dashboard]:
    """Record a dashboard factory so tests and benchmarks cover it with no extra code."""
    REGISTRY[f"{factory.__module__.rsplit('.', 1)[-1]}.{factory.__name__}"] = factory
    return factory


def slider(description: str, value: float, lo: float, hi: float, step: float, fmt: str = ".2f"):
    """A labelled slider that updates while dragged (int slider when all ints)."""
    ints = all(isinstance(v, int) for v in (value, lo, hi, step))
    cls = W.IntSlider if ints else W.FloatSlider
    kw = {} if ints else {"readout_format": fmt}
    return cls(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=W.Layout(width="340px"),
        **kw,
    )


def log_slider(description: str, value: float, lo: float, hi: float, fmt: str = ".3g"):
    """A slider over powers of ten (learning rates, eps): lo and hi are the values."""
    return W.FloatLogSlider(
        value=value,
        base=10,
        min=np.log10(lo),
        max=np.log10(hi),
        step=0.1,
        description=description,
        readout_format=fmt,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=W.Layout(width="340px"),
    )


def choice_slider(description: str, values, value, fmt: str = "g", label=None):
    """A slider over a fixed list of values (e.g. learning rates with precomputed results);
    each shown as ``label(value)`` when given, else formatted with ``fmt``."""
    names = [label(v) if label else format(v, fmt) for v in values]
    return W.SelectionSlider(
        options=list(zip(names, values, strict=True)),
        value=value,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=W.Layout(width="480px"),  # room for labels such as "×30 before BN, ×1 rest"
    )


class Dashboard:
    """Controls wired to ``update``; displays as controls above an ipympl figure.

    ``target_ms`` is the update budget the benchmark holds it to (100 ms unless
    the notebook's issue allows more, e.g. for retraining).
    """

    def __init__(
        self,
        title: str,
        figure: Figure,
        update: Callable[..., dict | None],
        *,
        target_ms: float = 100,
        **controls,
    ):
        if not controls:
            raise ValueError("a dashboard needs at least one control (got none)")
        self.title, self.figure, self._update, self.controls = title, figure, update, controls
        self.target_ms = target_ms
        if type(figure.canvas).__name__ == "FigureCanvasBase":
            FigureCanvasAgg(figure)  # so draw_idle() renders outside a notebook too
        self.shown: dict = {}
        self.update()
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self._widget: W.Widget | None = None

    @property
    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def update(self) -> dict:
        """Recompute from the current control values and set the artists' data."""
        self.shown = self._update(**self.values) or {}
        return self.shown

    def _on_change(self, _change) -> None:
        self.update()
        self.figure.canvas.draw_idle()

    def snapshot(self, **values):
        """A plain PNG output (shown where widgets are not): the current state, or
        the state at ``values`` (e.g. ``snapshot(sigma=0.003)``), restored afterwards."""
        saved = {name: self.controls[name].value for name in values}
        for name, value in values.items():
            self.controls[name].value = value
        state = ", ".join(f"{self.controls[n].description} = {v}" for n, v in values.items())
        where = f"at {state}" if state else "its default state"
        alt = f"{self.title}, {where}: {figure_alt(self.figure)}"
        image = png_image(self.figure, alt=alt)
        for name, value in saved.items():
            self.controls[name].value = value
        return image

    @property
    def widget(self) -> W.VBox:
        """Controls above an ipympl canvas; built on first display."""
        if self._widget is None:
            from ipympl.backend_nbagg import Canvas, FigureManager

            canvas = Canvas(self.figure)
            FigureManager(canvas, 0)
            canvas.header_visible = canvas.footer_visible = canvas.resizable = False
            canvas.toolbar_visible = False
            # padding: a label never starts at the output area's very edge, where it is cut
            layout = W.Layout(flex_flow="row wrap", padding="2px 0 0 16px")
            box = W.HBox(list(self.controls.values()), layout=layout)
            self._widget = W.VBox([box, canvas])
            self._widget.add_class(CSS_CLASS)
        return self._widget

    def __repr__(self) -> str:
        names = ", ".join(c.description or n for n, c in self.controls.items())
        return (
            f"Dashboard: {self.title} (controls: {names}). Run this cell in JupyterLab "
            "to use it; the static figure above shows the default state."
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def time_updates(self, steps: int = 5) -> dict[str, float]:
        """Median ms per slider move, per control: callback + Agg redraw + PNG encode.

        That is the kernel's share of an ipympl frame; controls are restored.
        """
        from PIL import Image

        if not isinstance(self.figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(self.figure)
        result = {}
        for name, control in self.controls.items():
            start, times = control.value, []
            for value in _sweep(control, steps):
                t0 = time.perf_counter()
                control.value = value  # runs update() and draw_idle(), i.e. a full Agg draw
                rgba = np.asarray(self.figure.canvas.buffer_rgba())
                Image.fromarray(rgba).save(io.BytesIO(), format="png")
                times.append(time.perf_counter() - t0)
            control.value = start
            result[name] = 1e3 * float(np.median(times))
        return result


def _sweep(control, steps: int) -> list:
    """``steps`` values spread over a control's range, none equal to the current one."""
    if hasattr(control, "options"):  # options are (label, value) pairs or values
        opts = [v[1] if isinstance(v, tuple) else v for v in control.options]
        values = [v for v in opts if v != control.value] or opts
        return (values * steps)[:steps]
    lo, hi = control.min, control.max
    if isinstance(control, W.FloatLogSlider):
        lo, hi = control.base**lo, control.base**hi
        values = np.geomspace(lo, hi, steps + 2)
    else:
        values = np.linspace(lo, hi, steps + 2)
    values = [*values[1:-1], values[-1], values[0]]  # interior first, then the ends
    if isinstance(control, W.IntSlider):
        values = [round(v) for v in values]
    values = [float(v) if isinstance(v, np.floating) else v for v in values]
    return [v for v in values if v != control.value][:steps]
