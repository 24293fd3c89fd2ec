"""Lab 03a's figures: the points and curves drawn are the numbers given and bnlib's formulas."""

import numpy as np
import pytest

from bnlib.nn import activations as A
from bnlib.notebook.figures import nb03a


def test_accuracy_by_model_puts_one_marker_per_seed_at_the_accuracy():
    acc = np.array([[[0.5, 0.5], [0.9, 1.0]], [[0.6, 0.7], [0.99, 0.98]]])  # (tasks, models, seeds)
    fig = nb03a.accuracy_by_model(["XOR", "spirals"], ["frozen", "learned"], acc, (0, 1))
    spirals = fig.axes[1]
    seed_1 = spirals.collections[1].get_offsets()
    np.testing.assert_allclose(seed_1[:, 1], [70.0, 98.0])
    assert spirals.get_title() == "spirals"
    assert [t.get_text() for t in spirals.get_xticklabels()] == ["frozen", "learned"]


def test_fractions_by_gamma_beta_plots_the_formulas():
    fig = nb03a.fractions_by_gamma_beta(0.02)
    by_gamma, by_beta = fig.axes[:2]
    gammas = by_gamma.lines[0].get_xdata()
    np.testing.assert_allclose(by_gamma.lines[0].get_ydata(), A.linear_fraction(gammas, 0.0, 0.02))
    betas = by_beta.lines[1].get_xdata()
    np.testing.assert_allclose(by_beta.lines[1].get_ydata(), A.saturation_fraction(1.0, betas))
    np.testing.assert_allclose(by_gamma.lines[2].get_ydata(), A.nonlinearity_index(gammas, 0.0))


def test_activation_contrast_draws_phi_and_the_measured_units():
    fig = nb03a.activation_contrast(
        np.linspace(-3, 3, 31), (np.array([-1.0, 0.5]), np.array([0.2, 0.6])), ([0.0], [0.4])
    )
    left, middle, right = fig.axes
    assert left.get_xlabel() == "input y" and middle.get_ylabel() == "nonlinearity index"
    phi = right.lines[0]
    np.testing.assert_allclose(phi.get_ydata(), A.active_fraction(1.0, phi.get_xdata()))
    start, after = (c.get_offsets() for c in right.collections)
    np.testing.assert_array_equal(start, [[0.0, 0.4]])
    np.testing.assert_array_equal(after, [[-1.0, 0.2], [0.5, 0.6]])
    assert after.shape == (2, 2) and pytest.approx(0.5) == after[1, 0]
