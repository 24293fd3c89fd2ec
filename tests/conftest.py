"""Shared test set-up: deterministic hypothesis runs, torch on CPU, seeded data."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Derandomized: the same examples every run, so CI is reproducible; no deadline
# because a 2-core CI machine shared with other jobs has noisy timings.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
os.environ.setdefault("BNLIB_PROGRESS", "0")  # no progress bars in test output


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def small_data():
    """A slice of MNIST: 600 training and 200 test images, so tests run fast."""
    from bnlib.nn.data import MNIST, load_mnist

    d = load_mnist()
    return MNIST(d.x_train[:600], d.y_train[:600], d.x_test[:200], d.y_test[:200])
