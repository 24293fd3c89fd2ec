"""bnlib.notebook.viz: style, PNG output, histogram outlines."""

import numpy as np

from bnlib.notebook.viz import STYLE, fig_to_png, hist_outline, new_figure, rendered_pixels


def _figure():
    fig, ax = new_figure(width=3, height=2)
    ax.plot([0, 1], [0, 1])
    ax.set_title("γ and β")
    return fig


def test_png_bytes_without_pyplot_and_deterministic():
    png = fig_to_png(_figure())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig_to_png(_figure()) == png  # the same figure built twice: the same bytes


def test_fonts_readable_when_projected():
    sizes = [v for k, v in STYLE.items() if k.endswith("size")]
    assert sizes and min(sizes) >= 11


def test_hist_outline_is_a_density():
    values = np.random.default_rng(0).standard_normal(10_000)
    bins = np.linspace(-5, 5, 51)
    x, y = hist_outline(values, bins)
    assert len(x) == len(y) == 2 * len(bins)
    area = np.sum(np.diff(bins) * y[1:-1:2])
    assert abs(area - 1) < 1e-3  # a few values fall outside [-5, 5]


def test_rendered_pixels_see_a_change():
    fig, ax = new_figure(width=3, height=2)
    (line,) = ax.plot([0, 1], [0, 1])
    a = rendered_pixels(fig)
    line.set_ydata([1, 0])
    assert not np.array_equal(a, rendered_pixels(fig))


def test_num_never_shows_negative_zero():
    from bnlib.notebook.viz import num

    assert num(-1e-17) == "0.00"
    assert num(-0.004) == "0.00"
    assert num(-0.006) == "-0.01"
    assert num(2.345, 1) == "2.3"


def test_pct_keeps_small_shares_visible():
    from bnlib.notebook.viz import pct

    assert pct(0.6923) == "69.2" and pct(0.001) == "0.1" and pct(0.0) == "0.0"
    assert pct(0.00028) == "0.028"  # N(0, 1) beyond 3.64: not "0.0"
    assert pct(3e-9) == "< 0.0001"
    assert pct(1.0) == "100.0"


def test_progress_is_the_plain_iterable_when_disabled(monkeypatch):
    from bnlib.progress import progress

    monkeypatch.setenv("BNLIB_PROGRESS", "0")
    items = [1, 2, 3]
    assert progress(items) is items
    monkeypatch.setenv("BNLIB_PROGRESS", "1")
    assert list(progress(items, desc="x")) == items


def test_freeze_layout_solves_once_then_keeps_the_axes_in_place():
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from bnlib.notebook.viz import freeze_layout

    fig, ax = new_figure(width=4, height=3)
    ax.set_ylabel("a label")
    assert freeze_layout(fig) is fig
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    solved = ax.get_position().bounds
    assert solved[0] > 0.1  # constrained layout made room for the y label
    ax.set_ylabel("a much, much longer label than before")
    rendered_pixels(fig)
    assert ax.get_position().bounds == solved


def test_figure_alt_from_titles_labels_and_legend():
    from bnlib.notebook.viz import figure_alt

    fig, (a, b) = new_figure(1, 2, width=6, height=2)
    fig.suptitle("Two panels")
    a.plot([0, 1], [0, 1], label="with BN")
    a.plot([0, 1], [1, 0], label="without BN")
    a.legend()
    a.set(title="loss", xlabel="step", ylabel="$\\hat{x}$")
    b.set_title("γ and β")
    alt = figure_alt(fig)
    assert alt.startswith("Two panels.")
    assert "Panel 1 of 2: “loss”, x̂ against step, legend: with BN; without BN." in alt
    assert "Panel 2 of 2: “γ and β”." in alt
    assert "$" not in alt and "\\" not in alt


def test_alt_text_reads_tex_as_symbols():
    from bnlib.notebook.viz import _tex_free

    assert (
        _tex_free(r"$\hat{x} = (x - \mu_B)\,/\,\sqrt{\sigma_B^2 + \epsilon}$")
        == "x̂ = (x - μ_B) / √(σ_B^2 + ε)"
    )
    assert _tex_free(r"$y = \gamma\hat{x} + \beta$, $\mathcal{B}$") == "y = γx̂ + β, B"


def test_figure_alt_prefers_the_figure_functions_own_and_is_never_empty():
    from bnlib.notebook.viz import figure_alt

    fig, ax = new_figure(width=3, height=2)
    assert figure_alt(fig) == "A figure with 1 panel."
    ax.set_axis_off()
    ax.text(0, 0, "Linear")
    ax.text(1, 0, "BN")
    assert figure_alt(fig) == "A diagram: Linear; BN."
    fig.alt = "Three histograms of one feature: input, normalised, scaled and shifted."
    assert figure_alt(fig) == fig.alt


def test_png_image_and_notebook_figures_carry_alt_metadata():
    from IPython.core.interactiveshell import InteractiveShell

    from bnlib.notebook.viz import png_image, use_style

    fig = _figure()
    data, meta = png_image(fig)._repr_png_()
    assert data.startswith("iVBORw0KGgo") and meta["alt"] == "The plot: “γ and β”."  # base64 PNG
    assert png_image(fig, alt="mine")._repr_png_()[1] == {"alt": "mine"}

    shell = InteractiveShell.instance()
    use_style()  # in a kernel: registers the Figure -> image/png formatter with alt
    formats, metadata = shell.display_formatter.format(fig)
    assert formats["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata["image/png"] == {"alt": "The plot: “γ and β”."}


def test_palette_stays_colour_blind_safe():
    from bnlib.notebook.viz import CYCLE, PALETTE

    okabe_ito = {
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#56B4E9",
        "#CC79A7",
        "#F0E442",
        "#000000",
    }
    assert set(PALETTE.values()) == okabe_ito and set(CYCLE) <= okabe_ito


def test_alt_text_reads_fractions_and_names_a_lone_axis():
    from bnlib.notebook.viz import _tex_free, figure_alt

    assert _tex_free(r"$\mu_B = \frac1m\sum_i x_i$") == "μ_B = 1/mΣ_i x_i"
    assert _tex_free(r"$\frac{x_i-\mu_B}{\sqrt{\sigma_B^2+\epsilon}}$") == "(x_i-μ_B)/(√(σ_B^2+ε))"
    fig, ax = new_figure()
    ax.set_ylabel("test accuracy (%)")
    assert figure_alt(fig) == "The plot: test accuracy (%) on the vertical axis."


def test_the_placement_diagram_says_what_it_shows():
    from bnlib.notebook.figures.nb02 import placement_diagram
    from bnlib.notebook.viz import figure_alt

    alt = figure_alt(placement_diagram())
    assert "Linear layer with no bias" in alt and "z = g(BN(Wu))" in alt
