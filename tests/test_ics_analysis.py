"""bnlib.experiments.ics_analysis on runs whose drifts have a closed form (tests/fake_runs.py):
N(0, s^2) -> N(0, t^2) moves each unit by W1 = |t - s| K."""

import numpy as np
import pytest

from bnlib.experiments import ics_analysis as A
from tests.fake_runs import K, fake_run, traced


def test_probe_every_and_late_average_the_intervals_after_a_step():
    run = fake_run([0.1] * 6, [1, 2, 3, 4, 6, 8], every=100)  # probes at 0, 100, ..., 500
    assert A.probe_every(run) == 100
    values = np.array([[1.0, 10], [2, 20], [3, 30], [4, 40], [5, 50]])  # intervals ending 100..500
    np.testing.assert_allclose(A.late(values, run, after=300), [4.5, 45.0])
    assert np.isnan(A.late(values, run, after=500)).all()


def test_drifts_have_their_closed_form():
    run = fake_run([0.1] * 6, [1, 2, 3, 4, 6, 8])
    assert A.first_jump(run) == pytest.approx(K)  # sigma 1 -> 2
    assert A.late_drift(run) == pytest.approx(2 * K)  # 4 -> 6 and 6 -> 8, after step 300
    assert A.late_drift(run, after=100) == pytest.approx((K + K + 2 * K + 2 * K) / 4)
    relative = K * np.array([1 / 1, 1 / 2, 1 / 3, 2 / 4, 2 / 6])  # in units of the earlier sigma
    np.testing.assert_allclose(A.relative_drift(run), relative)
    assert A.late_drift(run, relative=True) == pytest.approx((2 / 4 + 2 / 6) / 2 * K)


def test_relative_drift_is_masked_where_sigma_b_is_tiny():
    run = fake_run([0.1] * 5, [1e-4, 0.005, 0.5, 1.0, 1.5])
    rel = A.relative_drift(run)
    assert np.isnan(rel[:2]).all()  # the intervals that start at sigma 1e-4 and 0.005
    np.testing.assert_allclose(rel[2:], [0.5 * K / 0.5, 0.5 * K / 1.0])
    tiny = fake_run([0.1] * 5, [1e-4, 2e-4, 4e-4, 8e-4, 2e-3])
    assert np.isnan(A.late_drift(tiny, relative=True))
    assert A.late_drift(tiny) == pytest.approx(1.2e-3 * K)


def test_sigma_b_is_the_rms_over_the_units():
    sigma = np.ones((2, 3, 4))
    sigma[1, 2] = [1, 1, 1, 3]
    np.testing.assert_allclose(
        A.sigma_b_per_probe(fake_run([0.1, 0.2], sigma)), [1.0, np.sqrt(3.0)]
    )


def test_outcome_breaks_sticks_or_trains():
    p = 10
    moving = [1.0 + 0.1 * k for k in range(p)]
    assert A.outcome(fake_run([0.1] + [0.9] * (p - 1), moving)) == "trains"
    assert A.outcome(fake_run([0.1] * p, moving, loss=[2.3] * p)) == "stuck"
    assert A.outcome(fake_run([0.1] * p, moving, loss=[2.3] * (p - 1) + [2.6])) == "broke"
    frozen = [1.0, 5.0] + [5.0] * (p - 2)  # one jump, then nothing moves
    assert A.outcome(fake_run([0.1] * p, frozen, loss=[2.3] * p)) == "broke"
    nan_run = fake_run([0.1] * p, moving)
    nan_run.train_loss[30:] = np.nan
    assert A.outcome(nan_run) == "broke"


def test_saturated_share_counts_inputs_beyond_four():
    run = fake_run([0.1, 0.1], [1.0, 1.0], mean=[0.0, -4.0])  # half of N(-4, 1) is below -4
    assert A.saturated_share(run) == 0.5
    assert A.saturated_share(fake_run([0.1, 0.1], [1.0, 1.0])) == 0.0


def test_saturated_share_takes_another_threshold():
    run = fake_run([0.1, 0.1], [1.0, 1.0], mean=[0.0, -4.0])  # N(-4, 1): 16% below -3
    assert A.saturated_share(run, threshold=3.0) == pytest.approx(0.85)  # 17 of 20 quantiles
    assert A.saturated_share(run, threshold=6.0) == 0.0


def test_select_and_by_lr_order_by_seed_and_rate():
    runs = [
        fake_run([0.1, 0.2], [1, 1], lr=lr, bn=bn, seed=s)
        for s in (2, 0)
        for lr in (3.0, 0.3)
        for bn in (False, True)
    ]
    picked = A.select(runs, bn=True, lr=3.0)
    assert [(r.config.lr, r.config.seed) for r in picked] == [(3.0, 0), (3.0, 2)]
    groups = A.by_lr(runs, bn=False)
    assert list(groups) == [0.3, 3.0]
    assert [r.config.seed for r in groups[0.3]] == [0, 2]


def test_run_numbers_follow_the_records():
    run = fake_run([0.1, 0.5, 0.85, 0.9, 0.95], [1.0, 2.0, 2.0, 2.0, 4.0])
    n = A.run_numbers(run, target=0.8)
    assert n["outcome"] == "trains" and n["accuracy"] == 0.95 and n["steps_to"] == 200
    assert (n["sigma_start"], n["sigma_end"]) == pytest.approx((1.0, 4.0))
    assert n["late"] == pytest.approx(2 * K)  # only (300, 400] ends after step 300: 2 -> 4
    assert n["late_rel"] == pytest.approx(2 * K / 2.0)


def test_split_numbers_give_the_part_that_moved_all_the_drift():
    run = fake_run([0.1] * 5, [1.0, 1.5, 2.0, 2.5, 3.5])  # after step 300: 2.5 -> 3.5
    own = A.split_numbers(traced(run, "then"))
    np.testing.assert_allclose(own["own"], K)
    np.testing.assert_allclose(own["total"], K)
    np.testing.assert_allclose(own["ics"], 0.0)
    ics = A.split_numbers(traced(run, "now"))
    np.testing.assert_allclose(ics["ics"], K)
    np.testing.assert_allclose(ics["own"], 0.0)
    np.testing.assert_allclose(ics["ics_rel"], K / 2.5)
    np.testing.assert_allclose(ics["ics_shape"], 0.0, atol=1e-12)  # Gaussians stay Gaussian
    np.testing.assert_allclose(ics["sigma_end"], 3.5)


def test_the_shape_part_ignores_a_moving_mean():
    run = fake_run([0.1] * 5, [1.0] * 5, mean=[0, 1, 2, 3, 4])  # shifted by 1 per interval
    n = A.split_numbers(traced(run, "now"))
    np.testing.assert_allclose(n["ics"], 1.0)  # W1 of a shift by c is |c|
    np.testing.assert_allclose(n["ics_shape"], 0.0, atol=1e-12)


def test_bn_cut_divides_the_median_without_bn_by_the_median_with_bn():
    def steady(d):  # late ICS (300, 400]: sigma 1 + 3d -> 1 + 4d, i.e. d K
        return traced(fake_run([0.1] * 5, [1.0 + k * d for k in range(5)]), "now")

    without = [steady(d) for d in (0.1, 0.2, 0.4)]  # median 0.2 K
    cut = A.bn_cut({False: without, True: [steady(0.05)] * 3})
    np.testing.assert_allclose(cut, 0.2 / 0.05)
    still = [traced(t.run, "then") for t in without]  # with "BN": no ICS, nothing to divide by
    assert np.isnan(A.bn_cut({False: without, True: still})).all()


def test_quick_lr_grid_trains_the_dashboards_default_grid():
    grid = A.quick_lr_grid()
    assert [(r.config.lr, r.config.bn) for r in grid] == [
        (0.3, False),
        (3, False),
        (10, False),
        (0.3, True),
        (3, True),
        (10, True),
        (100, True),
    ]
    assert all(list(r.steps) == [0, 50, 100, 150, 200] for r in grid)
    outcomes = {(r.config.lr, r.config.bn): A.outcome(r) for r in grid}
    assert outcomes[10, False] == "broke" and outcomes[10, True] == "trains"
