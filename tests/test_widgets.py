"""Dashboards without a browser: every slider of every registered dashboard
redraws its figure, and the numbers shown follow the maths."""

import numpy as np
import pytest

import bnlib.notebook.figures  # noqa: F401  (registers every dashboard)
from bnlib.notebook.viz import rendered_pixels
from bnlib.notebook.widgets import CSS_CLASS, REGISTRY, Dashboard, _sweep, slider

DASHBOARDS = sorted(REGISTRY)


def test_dashboards_are_registered():
    assert "nb00.setup_check" in REGISTRY


@pytest.fixture(params=DASHBOARDS)
def dash(request) -> Dashboard:
    return REGISTRY[request.param]()


def test_every_control_changes_the_figure(dash):
    for name, control in dash.controls.items():
        before = rendered_pixels(dash.figure)
        control.value = _sweep(control, 1)[0]
        after = rendered_pixels(dash.figure)
        assert not np.array_equal(before, after), f"moving {name} left the figure unchanged"


def test_text_fallback_and_widget(dash):
    assert repr(dash).startswith(f"Dashboard: {dash.title}")
    bundle = dash._repr_mimebundle_()
    assert bundle["text/plain"] == repr(dash)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert CSS_CLASS in dash.widget._dom_classes
    assert type(dash.widget.children[-1]).__name__ == "Canvas"  # ipympl


def test_update_latency_is_measured_per_control(dash):
    times = dash.time_updates(steps=2)
    assert set(times) == set(dash.controls)
    assert all(t > 0 for t in times.values())


def test_setup_check_shows_mean_beta_and_std_gamma():
    dash = REGISTRY["nb00.setup_check"]()
    dash.controls["gamma"].value = 2.5
    dash.controls["beta"].value = -1.5
    assert dash.shown["mean"] == pytest.approx(-1.5, abs=1e-12)
    assert dash.shown["std"] == pytest.approx(2.5, rel=1e-12)
    assert "mean -1.50 and std 2.50" in dash.figure.axes[0].get_title()


def test_dashboard_needs_a_control():
    from bnlib.notebook.viz import new_figure

    with pytest.raises(ValueError, match="at least one control"):
        Dashboard("empty", new_figure()[0], lambda: None)


def test_slider_kinds():
    assert type(slider("n", 3, 1, 10, 1)).__name__ == "IntSlider"
    assert type(slider("γ", 1.0, 0.0, 2.0, 0.1)).__name__ == "FloatSlider"


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
