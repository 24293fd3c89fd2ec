"""03's figures and gamma/beta dashboard: the fractions shown follow bnlib.nn.activations."""

import matplotlib.colors
import numpy as np
import pytest

from bnlib.nn import activations as A
from bnlib.notebook.figures import nb03


@pytest.fixture
def dash():
    return nb03.sigmoid_dashboard()


def set_values(dash, **values):
    for name, value in values.items():
        dash.controls[name].value = value
    return dash.shown


def test_default_is_the_seeds_case_n01_inputs_to_a_sigmoid(dash):
    shown = dash.shown
    assert shown["linear"] == pytest.approx(A.linear_fraction(1.0, 0.0, 0.02))
    assert 0.6 < shown["linear"] < 0.75 and shown["saturated"] < 1e-3
    assert "69.2 % in the linear range" in dash.figure.get_suptitle()
    assert "0.028 % saturated" in dash.figure.get_suptitle()  # small, but not "0.0 %"


def test_wider_inputs_leave_the_linear_range_and_saturate(dash):
    before = dict(dash.shown)
    after = set_values(dash, gamma=3.0)
    assert after["linear"] < before["linear"] and after["saturated"] > before["saturated"]
    assert after["nonlinearity"] > before["nonlinearity"]
    assert after["saturated"] == pytest.approx(A.saturation_fraction(3.0, 0.0))


def test_shifted_inputs_move_onto_a_shoulder(dash):
    shown = set_values(dash, beta=4.0)
    # N(4, 1): the linear range |x| < 1.02 holds P(Z < -2.98) ~ 0.0014 of the mass
    assert (
        shown["linear"] == pytest.approx(A.linear_fraction(1.0, 4.0, 0.02))
        and shown["linear"] < 0.01
    )
    assert shown["saturated"] == pytest.approx(A.saturation_fraction(1.0, 4.0))
    assert set_values(dash, beta=-4.0)["saturated"] == pytest.approx(
        shown["saturated"]
    )  # symmetric


def test_delta_widens_the_linear_range(dash):
    narrow = dash.shown["linear"]
    assert set_values(dash, delta=0.1)["linear"] > narrow
    assert dash.shown["linear_range"] == pytest.approx(A.linear_range(0.1))


def test_relu_shows_the_active_share_phi_beta_over_gamma(dash):
    shown = set_values(dash, activation="relu", gamma=2.0, beta=-0.5)
    assert "linear" not in shown
    assert shown["active"] == pytest.approx(0.40129367, rel=1e-6)  # Phi(-0.25)
    assert shown["saturated"] == pytest.approx(1 - shown["active"])
    assert "40.1 % active" in dash.figure.get_suptitle()
    assert not dash.figure.axes[0].lines[1].get_visible()  # no tangent for ReLU


def test_tanh_saturates_sooner_than_the_sigmoid(dash):
    sig = dash.shown["saturated"]
    tanh = set_values(dash, activation="tanh")["saturated"]
    assert tanh == pytest.approx(A.saturation_fraction(1.0, 0.0, "tanh")) and tanh > 10 * sig


def test_tanh_at_the_same_share_of_its_span_is_the_sigmoid_at_gamma_two(dash):
    """tanh(x) = 2 sigma(2x) - 1: over N(0, 1) it is a sigmoid over N(0, 2^2), rescaled."""
    shown = set_values(dash, activation="tanh", delta=0.02)
    assert shown["linear_range"] == pytest.approx(A.linear_range(0.04, "tanh"))  # 2 % of 2
    assert shown["linear"] == pytest.approx(A.linear_fraction(2.0, 0.0, 0.02), rel=1e-9)
    assert shown["saturated"] == pytest.approx(A.saturation_fraction(2.0, 0.0), rel=1e-9)
    assert shown["nonlinearity"] == pytest.approx(A.nonlinearity_index(2.0, 0.0), rel=1e-6)
    assert "39.0 % in the linear range" in dash.figure.get_suptitle()


def test_decision_boundaries_say_when_there_is_no_boundary():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    x, y = np.array([[0.0, 0.0], [0.5, 0.5]]), np.array([0.0, 1.0])
    flat = [[(xx, yy, np.full(25, 0.6), x, y, 0.5), (xx, yy, xx.ravel() / 2 + 0.5, x, y, 1.0)]]
    fig = nb03.decision_boundaries(["task"], ["constant", "tilted"], flat)
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert notes == ["p > 0.5 everywhere:\nclass 1 predicted,\nno boundary"]  # only the first
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)


def test_learned_gamma_beta_draws_one_panel_without_shares_with_one_dot_per_unit():
    layers = [(np.array([1.0, 2.0]), np.array([0.0, -1.0])), (np.array([3.0]), np.array([2.0]))]
    fig = nb03.learned_gamma_beta(layers, title="MNIST")
    (ax,) = fig.axes
    assert ax.get_title() == "MNIST"
    dots = [c.get_offsets() for c in ax.collections]  # layer 1, layer 2, the start
    assert [len(d) for d in dots] == [2, 1, 1]
    np.testing.assert_array_equal(dots[0], [[1.0, 0.0], [2.0, -1.0]])
    np.testing.assert_array_equal(dots[2], [[1.0, 0.0]])


def test_linear_range_figure_shades_the_linear_range_and_plots_the_shares():
    deltas = np.geomspace(1e-3, 0.3, 20)
    fig = nb03.linear_range_figure(0.02, deltas)
    ax, ax2 = fig.axes[0], fig.axes[1]
    a = A.linear_range(0.02)
    green = matplotlib.colors.to_rgb(nb03.LINEAR)
    spans = [p.get_x() for p in ax.patches if p.get_facecolor()[:3] == pytest.approx(green)]
    assert spans == pytest.approx([-a])
    gamma_1 = ax2.lines[0]
    np.testing.assert_allclose(gamma_1.get_ydata(), A.linear_fraction(1.0, 0.0, deltas))
    assert gamma_1.get_label() == "N(0, 1²)"


def test_learned_gamma_beta_histograms_count_the_units():
    fig = nb03.learned_gamma_beta([(np.ones(3), np.zeros(3))], [0.7, 0.61, 0.62], [0.1, 0.3, 0.9])
    ax2 = fig.axes[1]
    tallest = [p.get_path().vertices[:, 1].max() for p in ax2.patches]  # step outlines
    assert tallest == [2, 1]  # 0.61 and 0.62 share a bin of width 0.05; the others are alone
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == [
        "at the start (γ = 1, β = 0)",
        "after training",
    ]


def test_decision_boundaries_draw_the_half_line_where_p_crosses_it():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    x, y = np.array([[0.0, 0.0], [0.5, 0.5]]), np.array([0.0, 1.0])
    fig = nb03.decision_boundaries(
        ["task"], ["model"], [[(xx, yy, xx.ravel() / 2 + 0.5, x, y, 0.5)]]
    )
    ax = fig.axes[0]
    assert ax.get_title() == "task, model\naccuracy 50.0 %" and not ax.texts


def test_title_legend_and_axes_name_the_activations_input_alike(dash):
    """One name for the activation's input everywhere: y = gamma x_hat + beta."""
    assert dash.figure.get_suptitle().startswith("sigmoid(y), inputs N(0.00, 1.00²)")
    assert dash.figure.axes[0].get_xlabel() == "input y = γx̂ + β"
    set_values(dash, activation="tanh")
    assert dash.figure.get_suptitle().startswith("tanh(y), inputs")
    fig = nb03.linear_range_figure(0.02, np.geomspace(1e-3, 0.3, 20))
    assert (
        fig.axes[0].get_xlabel() == "sigmoid input y" and fig.axes[0].get_ylabel() == "sigmoid(y)"
    )
    assert fig.alt.startswith("Two panels.") and "|y| < 1.02" in fig.alt and "|y| > 3.64" in fig.alt
