"""bnlib.experiments.paper: bands over seeds, the typical unit's percentiles, gaps, the quoted table."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnlib.experiments import paper
from bnlib.experiments.covariate_shift import Summary, typical_unit
from bnlib.experiments.mnist_net import NetConfig, Run


def fake_run(acc, fit=None, seed=0, bn=False, p=4, every=10, lr=0.5, depth=3):
    """P probes of 3 layers x 5 units; unit u of every layer drifts by u per probe."""
    rng = np.random.default_rng(seed)
    drift = np.arange(5)[None, None, :, None] * np.arange(p)[:, None, None, None]  # (P, 1, 5, 1)
    q = np.sort(rng.standard_normal((p, 3, 5, 20)), axis=-1) + drift
    pct = q[..., [3, 10, 17]]
    z = Summary(q.mean(-1), q.std(-1), pct, q)
    fit = np.ones(p) if fit is None else np.asarray(fit, float)
    config = NetConfig(seed=seed, bn=bn, lr=lr, depth=depth)
    return Run(
        config,
        np.arange(p) * every,
        np.ones(p),
        np.asarray(acc, float),
        np.ones(every * (p - 1)),
        z,
        np.ones(p),
        fit,
    )


def test_the_quoted_table_says_14_times_fewer_steps():
    rows = {r.model: r for r in paper.IMAGENET}
    assert paper.fewer_steps(rows["Inception"].steps_to_722, rows["BN-x5"].steps_to_722) == (
        pytest.approx(31.0 / 2.1)
    )
    assert int(paper.fewer_steps(31.0e6, 2.1e6)) == 14  # "14 times fewer steps"
    assert np.isnan(paper.fewer_steps(31.0e6, rows["BN-x5-Sigmoid"].steps_to_722))
    assert max(r.max_acc for r in paper.IMAGENET) == rows["BN-x30"].max_acc == 0.748


def test_rounding_range_puts_the_papers_14_below_what_the_table_allows():
    lo, hi = paper.rounding_range(31.0e6, 2.1e6, unit=0.1e6)
    assert (lo, hi) == pytest.approx((30.95 / 2.15, 31.05 / 2.05))
    assert 14 < lo < 31.0 / 2.1 < hi < 15.2  # "14 times": below the range, 14.8 rounded down


@given(st.floats(1.0, 1e3), st.floats(1.0, 1e3), st.floats(0.01, 1.0))
def test_rounding_range_brackets_every_pair_of_counts_that_round_to_the_table(base, other, unit):
    lo, hi = paper.rounding_range(base, other, unit)
    for db in (-0.5, 0.0, 0.49):
        for do in (-0.49, 0.0, 0.5):
            ratio = (base + db * unit) / (other + do * unit)
            assert lo * (1 - 1e-12) <= ratio <= hi * (1 + 1e-12)


def test_sign_test_is_the_binomial_tail_and_drops_ties():
    from scipy.stats import binomtest

    assert paper.sign_test([0.8, 3.1, 2.4, 2.9, 2.8]) == 0.5**5
    for d in ([1, 2, -1, 3, 4], [1, -1], [-1, -2, -3], [1, 2, 0, 0]):
        k, n = sum(v > 0 for v in d), sum(v != 0 for v in d)
        want = binomtest(k, n, 0.5, alternative="greater").pvalue
        assert paper.sign_test(d) == pytest.approx(want)
    assert paper.sign_test([1, 2, 0, 0]) == 0.25  # two signs, not four


@given(
    arrays(float, st.tuples(st.integers(1, 6), st.integers(1, 8)), elements=st.floats(-1e6, 1e6))
)
def test_band_brackets_the_median(curves):
    b = paper.band(curves)
    assert np.all(b.lo <= b.mid) and np.all(b.mid <= b.hi)
    np.testing.assert_array_equal(b.lo, curves.min(0))
    np.testing.assert_array_equal(b.hi, curves.max(0))


def test_seed_band_over_runs():
    runs = [
        fake_run([0.1, 0.5, 0.8, 0.9], seed=0),
        fake_run([0.1, 0.3, 0.9, 0.95], seed=1),
        fake_run([0.1, 0.4, 0.7, 0.92], seed=2),
    ]
    steps, b = paper.seed_band(runs)
    assert steps.tolist() == [0, 10, 20, 30]
    np.testing.assert_allclose(b.mid, [0.1, 0.4, 0.8, 0.92])
    np.testing.assert_allclose(b.lo, [0.1, 0.3, 0.7, 0.9])


def test_typical_percentiles_follow_the_typical_unit():
    run = fake_run([0.1] * 4)
    u = typical_unit(run.z, 2)
    assert u == 2  # units drift by 0, 1, 2, 3, 4 per probe: the median mover is unit 2
    np.testing.assert_array_equal(paper.typical_percentiles(run, 2), run.z.percentiles[:, 2, 2])
    steps, bands = paper.percentile_bands([run, fake_run([0.1] * 4, seed=1)], 2)
    assert steps.tolist() == [0, 10, 20, 30] and len(bands) == 3 and bands[0].mid.shape == (4,)


def test_gap_and_paired_differences():
    a = fake_run([0.1, 0.8], fit=[0.1, 0.99], p=2)
    assert paper.generalization_gap(a).tolist() == pytest.approx([0.0, 0.19])
    without = [fake_run([0.1, 0.8], p=2, seed=s) for s in (0, 1)]
    with_bn = [
        fake_run([0.1, 0.9], p=2, seed=0, bn=True),
        fake_run([0.1, 0.7], p=2, seed=1, bn=True),
    ]
    assert paper.paired_differences(without, with_bn).tolist() == pytest.approx([0.1, -0.1])


def test_movement_is_the_largest_change_within_the_window():
    run = fake_run([0.1] * 4)  # typical unit of layer 2: unit 2
    pct = run.z.percentiles.copy()
    pct[:, 2, 2] = [[0, 0, 0], [1, -1, 0.5], [3, -2, 0.5], [2, 0, 0]]  # probes at 0, 10, 20, 30
    run.z = run.z._replace(percentiles=pct)
    np.testing.assert_allclose(paper.movement(run, 2, 0, 30), [3, 2, 0.5])
    np.testing.assert_allclose(paper.movement(run, 2, 10, 30), [2, 1, 0.5])  # from step 10 on
    np.testing.assert_allclose(paper.movement(run, 2, 20, 30), [1, 2, 0.5])


def test_fewer_steps_by_seed_takes_each_baselines_best_as_the_target():
    base = [fake_run([0.1, 0.5, 0.9, 0.85]), fake_run([0.1, 0.5, 0.6, 0.8], seed=1)]
    runs = [fake_run([0.1, 0.95, 0.9, 0.9], bn=True), fake_run([0.1, 0.7, 0.75, 0.7], bn=True)]
    ratio = paper.fewer_steps_by_seed(base, runs)  # 0.9 at 20 vs 10; 0.8 at 30 vs never
    assert ratio[0] == 2.0 and np.isnan(ratio[1])


def test_at_fit_compares_at_the_first_probe_that_fits_well_enough():
    run = fake_run([0.4, 0.9, 0.91], fit=[0.5, 0.97, 0.99], p=3)
    got = paper.at_fit(run, 0.96)
    assert (got.step, got.train_acc, got.test_acc) == (10, 0.97, 0.9)
    assert got.gap == pytest.approx(0.07)
    assert paper.at_fit(run, 0.999) is None


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (
            lambda: paper.band(np.zeros(3)),
            "expected curves of shape (S, P), S >= 1 (got shape (3,))",
        ),
        (
            lambda: paper.seed_band([fake_run([0.1, 0.2], p=2), fake_run([0.1] * 3, p=3)]),
            "expected runs probed at the same steps",
        ),
        (
            lambda: paper.paired_differences([fake_run([0.1, 0.2], p=2)], []),
            "expected as many runs with BN as without (got 0 and 1)",
        ),
        (lambda: paper.fewer_steps(0, 5), "expected step counts > 0 (got 0 and 5)"),
        (
            lambda: paper.movement(fake_run([0.1] * 4), 2, 30, 10),
            "expected probed steps start < stop (got 30 and 10; probed: 0..30)",
        ),
        (lambda: paper.movement(fake_run([0.1] * 4), 2, 5, 30), "(got 5 and 30; probed: 0..30)"),
        (
            lambda: paper.fewer_steps_by_seed([fake_run([0.1])], []),
            "expected one baseline per run (got 1 and 0)",
        ),
        (
            lambda: paper.sign_test([0.0, 0.0]),
            "expected finite differences, not all zero (got [0.0, 0.0])",
        ),
        (lambda: paper.sign_test([1.0, np.nan]), "expected finite differences, not all zero"),
        (
            lambda: paper.rounding_range(31.0, 0.04, 0.1),
            "expected unit > 0 and counts above half a unit (got 31.0, 0.04, unit 0.1)",
        ),
        (lambda: paper.rounding_range(31.0, 2.1, 0.0), "expected unit > 0"),
    ],
)
def test_bad_input(call, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        call()


def test_reach_gives_each_runs_first_step_at_its_target_and_inf_for_never():
    runs = [fake_run([0.1, 0.3, 0.6, 0.85, 0.9 + 0.01 * s], seed=s, p=5) for s in range(3)]
    np.testing.assert_array_equal(paper.reach(runs, 0.6), [20, 20, 20])
    np.testing.assert_array_equal(paper.reach(runs, [0.3, 0.9, 0.925]), [10, 40, np.inf])
    assert paper.reach(runs, 0.99).tolist() == [np.inf] * 3


def test_moved_is_movement_per_run_one_span_for_all_or_one_each():
    runs = [fake_run([0.1] * 5, seed=s, p=5) for s in range(3)]
    want = [paper.movement(r, 2, 10, 40) for r in runs]
    np.testing.assert_allclose(paper.moved(runs, (10, 40), 2), want)
    per_run = paper.moved(runs, [(0, 20), (0, None), (0, np.inf)], 2)
    np.testing.assert_allclose(per_run[0], paper.movement(runs[0], 2, 0, 20))
    assert np.isnan(per_run[1:]).all()  # never reached: no movement to measure


def test_paired_gaps_hold_each_seeds_gap_at_the_end_and_at_the_same_fit():
    without = [fake_run([0.1, 0.5, 0.8], fit=[0.2, 0.6, 0.9], seed=s, p=3) for s in range(2)]
    with_bn = [fake_run([0.5, 0.85, 0.9], fit=[0.6, 0.9, 0.95], seed=s, p=3) for s in range(2)]
    g = paper.paired_gaps(without, with_bn, fit=0.9)
    assert g.shape == (2, 2, 2)
    np.testing.assert_allclose(g[0], [[0.1, 0.05], [0.1, 0.05]])  # end; at 90%: steps 20 and 10
    assert np.isnan(paper.paired_gaps(without, with_bn, fit=0.99)[:, 1]).all()
