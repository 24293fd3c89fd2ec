"""bnlib.notebook.widgets without a browser: a small dashboard of our own shows what the
pattern does (the numbers shown follow the controls, every move redraws, snapshots and
timings restore the state), and every registered dashboard redraws for every control."""

import time

import numpy as np
import pytest

import bnlib.notebook.figures  # noqa: F401  (registers every dashboard)
from bnlib.notebook.viz import new_figure, rendered_pixels
from bnlib.notebook.widgets import (
    CSS_CLASS,
    REGISTRY,
    Dashboard,
    _sweep,
    choice_slider,
    log_slider,
    register,
    slider,
)

DASHBOARDS = sorted(REGISTRY)
X = np.linspace(-1.0, 1.0, 11)


def line_dashboard(delay: float = 0.0) -> Dashboard:
    """y = a x + b on a fixed grid; shows the mean and the spread of y, as dashboards do."""
    fig, ax = new_figure(width=4, height=3)
    (line,) = ax.plot(X, X)
    ax.set(xlim=(-1, 1), ylim=(-12, 12))

    def update(a, b, n):
        time.sleep(delay)
        y = a * X[:n] + b
        line.set_data(X[:n], y)
        return {"mean": float(y.mean()), "max": float(y.max()), "points": n}

    a, b = slider("a", 1.0, -5.0, 5.0, 0.5), log_slider("b", 0.1, 0.01, 10.0)
    return Dashboard("a line", fig, update, a=a, b=b, n=slider("n", 11, 2, 11, 1))


def test_the_numbers_shown_follow_the_controls_and_so_does_the_figure():
    dash = line_dashboard()
    assert dash.shown == {"mean": pytest.approx(0.1), "max": pytest.approx(1.1), "points": 11}
    before = rendered_pixels(dash.figure)
    dash.controls["a"].value, dash.controls["b"].value = 3.0, 2.0
    assert dash.values == {"a": 3.0, "b": pytest.approx(2.0), "n": 11}
    assert dash.shown["mean"] == pytest.approx(2.0) and dash.shown["max"] == pytest.approx(5.0)
    line = dash.figure.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), 3.0 * X + 2.0)
    assert not np.array_equal(before, rendered_pixels(dash.figure))
    dash.controls["n"].value = 4  # the first 4 points only
    assert dash.shown["points"] == 4 and len(line.get_xdata()) == 4
    assert dash.shown["mean"] == pytest.approx(3.0 * X[:4].mean() + 2.0)


def test_snapshot_shows_the_asked_state_and_restores_the_controls():
    dash = line_dashboard()
    default = dash.snapshot().data
    moved = dash.snapshot(a=-4.0).data
    assert dash.values["a"] == 1.0 and dash.shown["max"] == pytest.approx(1.1)  # restored
    assert moved != default and moved[:8] == b"\x89PNG\r\n\x1a\n"
    assert dash.snapshot().data == default


def test_time_updates_measures_each_control_and_restores_it():
    slow = line_dashboard(delay=0.05)
    start = dict(slow.values)
    times = slow.time_updates(steps=3)
    assert set(times) == {"a", "b", "n"}
    assert all(50.0 <= t < 5000.0 for t in times.values())  # at least the 50 ms update
    assert slow.values == start and slow.shown["max"] == pytest.approx(1.1)


def test_the_widget_puts_the_dashboards_own_controls_above_the_canvas():
    dash = line_dashboard()
    controls, canvas = dash.widget.children
    assert list(controls.children) == list(dash.controls.values())
    assert canvas.figure is dash.figure
    assert CSS_CLASS in dash.widget._dom_classes  # the browser tests find dashboards by it
    assert dash.widget is dash.widget  # built once
    bundle = dash._repr_mimebundle_()
    assert bundle["text/plain"] == repr(dash) and "controls: a, b, n" in repr(dash)


def test_register_keys_a_factory_by_module_and_name():
    key = f"{__name__.rsplit('.', 1)[-1]}.line_dashboard"
    try:
        assert register(line_dashboard) is line_dashboard and REGISTRY[key] is line_dashboard
    finally:
        REGISTRY.pop(key, None)


def test_sliders_hold_what_they_were_given():
    ints, floats = slider("n", 3, 1, 10, 1), slider("γ", 1.0, 0.0, 2.0, 0.1, fmt=".1f")
    assert (ints.value, ints.min, ints.max, ints.step) == (3, 1, 10, 1)
    ints.value = 7
    assert ints.value == 7 and isinstance(ints.value, int)
    assert floats.readout_format == ".1f" and floats.value == 1.0
    log = log_slider("lr", 0.1, 0.001, 10.0)
    assert (log.min, log.max, log.value) == pytest.approx((-3.0, 1.0, 0.1))
    choice = choice_slider("lr", [0.1, 1.0, 30.0], 1.0, label=lambda v: f"×{v:g}")
    assert [name for name, _ in choice.options] == ["×0.1", "×1", "×30"] and choice.value == 1.0


def test_sweep_spreads_over_the_range_and_avoids_the_current_value():
    # -5 .. 5 in 5 gaps: the interior first, then the ends; never the current value 1
    assert _sweep(slider("a", 1.0, -5.0, 5.0, 0.5), 4) == pytest.approx([-3.0, -1.0, 3.0, 5.0])
    assert _sweep(slider("n", 3, 1, 10, 1), 3) == [6, 8, 10]  # 3.25, 5.5, 7.75, 10 rounded; not 3
    logs = _sweep(log_slider("lr", 0.1, 0.001, 10.0), 3)  # powers of ten, 0.1 left out
    assert logs == pytest.approx([0.01, 1.0, 10.0])
    choice = choice_slider("lr", [0.1, 1.0, 30.0], 1.0)
    assert sorted(_sweep(choice, 2)) == [0.1, 30.0]


def test_dashboard_needs_a_control():
    with pytest.raises(ValueError, match="at least one control"):
        Dashboard("empty", new_figure()[0], lambda: None)


@pytest.fixture(params=DASHBOARDS)
def dash(request) -> Dashboard:
    return REGISTRY[request.param]()


def test_every_control_of_every_dashboard_changes_the_figure(dash):
    for name, control in dash.controls.items():
        before = rendered_pixels(dash.figure)
        control.value = _sweep(control, 1)[0]
        after = rendered_pixels(dash.figure)
        assert not np.array_equal(before, after), f"moving {name} left the figure unchanged"


def test_every_dashboard_names_its_controls_in_its_text_fallback(dash):
    text = repr(dash)
    assert text.startswith(f"Dashboard: {dash.title}")
    assert all((c.description or n) in text for n, c in dash.controls.items())


def test_setup_check_shows_mean_beta_and_std_gamma():
    dash = REGISTRY["nb00.setup_check"]()
    dash.controls["gamma"].value = 2.5
    dash.controls["beta"].value = -1.5
    assert dash.shown["mean"] == pytest.approx(-1.5, abs=1e-12)
    assert dash.shown["std"] == pytest.approx(2.5, rel=1e-12)
    assert "mean -1.50 and std 2.50" in dash.figure.axes[0].get_title()


@pytest.mark.parametrize(("sigma", "eps"), [(1.0, 1e-5), (0.003, 1e-5), (0.01, 1e-2), (5.0, 1.0)])
def test_scale_shift_eps_shows_gamma_sigma_over_sqrt_sigma2_plus_eps(sigma, eps):
    dash = REGISTRY["nb02.scale_shift_eps"]()
    c = dash.controls
    c["gamma"].value, c["beta"].value, c["eps"].value, c["sigma"].value = 2.0, -1.0, eps, sigma
    assert dash.shown["mean"] == pytest.approx(-1.0, abs=1e-9)
    assert dash.shown["std"] == pytest.approx(2.0 * sigma / np.sqrt(sigma**2 + eps), rel=1e-6)
    assert dash.shown["predicted_std"] == pytest.approx(dash.shown["std"], rel=1e-6)


def test_scale_shift_eps_says_when_the_input_is_off_scale():
    dash = REGISTRY["nb02.scale_shift_eps"]()
    note = next(t for t in dash.figure.axes[0].texts if getattr(t, "arrow_patch", None))
    assert not dash.shown["input_off_scale"] and not note.get_visible()  # sigma = 1: in view
    dash.controls["sigma"].value = 0.003  # 2,000 values within 0.2 of 3: a spike
    assert dash.shown["input_off_scale"] and note.get_visible()
    head, span = note.get_text().split("\nwithin ")
    lo, hi = (float(v) for v in span.split(" … "))
    assert head == "input off scale: all 2000 values" and lo < 3 < hi and hi - lo < 0.05


def test_snapshot_has_alt_text_naming_the_dashboard_and_its_state():
    from bnlib.notebook.figures.nb00 import setup_check

    dash = setup_check()
    _, meta = dash.snapshot()._repr_png_()
    assert meta["alt"].startswith(f"{dash.title}, its default state: ")
    name, control = next(iter(dash.controls.items()))
    value = control.value
    _, meta = dash.snapshot(**{name: value + control.step})._repr_png_()
    assert f"at {control.description} = " in meta["alt"]
    assert control.value == value  # restored
