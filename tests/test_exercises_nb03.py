"""03's exercises: the answers are the numbers the maths gives, and the judge takes any right (γ, β)."""

import numpy as np
import pytest

from bnlib.nn.activations import saturation_fraction
from bnlib.notebook.checks import FAIL, PASS
from bnlib.notebook.exercises import nb03 as ex


def test_linear_share_of_n_1_4():
    assert ex.linear_share.reference() == pytest.approx(0.34758, abs=1e-4)
    assert ex.linear_share.check(0.348).status == PASS
    assert ex.linear_share.check(34.8).status == FAIL  # a percentage, not a fraction


def test_scaling_the_weights_leaves_mean_beta_and_std_gamma():
    mean, std = ex.scaled_weights.reference()
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(2.0, abs=1e-5)
    assert ex.scaled_weights.check((1, 2)).status == PASS
    assert ex.scaled_weights.check((1, 20)).status == FAIL  # the scale does not survive BN


def test_quarter_saturated_takes_any_right_pair():
    gamma, beta = ex.quarter_saturated.solution()
    assert gamma == pytest.approx(3.1616, abs=1e-4) and beta == 0
    assert saturation_fraction(gamma, beta) == pytest.approx(0.25, abs=1e-9)
    shifted = 2 * np.arccosh(np.sqrt(10)) - 0.6745  # γ = 1: the upper shoulder alone
    assert ex.quarter_saturated.check((1.0, shifted)).status == PASS
    assert ex.quarter_saturated.check((1.0, -shifted)).status == PASS
    assert ex.quarter_saturated.check((1.0, 0.0)).status == FAIL
    assert "γ must be above 0" in ex.quarter_saturated.check((-3.16, 0.0)).message
