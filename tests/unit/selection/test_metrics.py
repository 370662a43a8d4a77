"""Qini / AUUC, visits to recover 95 %, intervals and drift."""

import numpy as np

from server.selection.model.metrics import (
    mean_ci,
    psi,
    qini,
    ratio_ci,
    recovery_curve,
    visits_to_recover,
)
from server.selection.model.simulator import randomised, simulate


def test_the_true_uplift_scores_higher_qini_than_random():
    p = randomised(simulate(20_000, seed=11), seed=12)
    rng = np.random.default_rng(0)
    true = qini(p.y, p.p1 - p.p0, p.treated)
    noise = qini(p.y, rng.random(len(p.y)), p.treated)
    assert true > 0.2 > abs(noise)


def test_visits_to_recover_counts_the_visits_the_order_needs():
    with_visit = np.array([100.0, 0.0, 50.0, 0.0])
    without = np.array([0.0, 0.0, 0.0, 0.0])
    best, worst = np.array([0, 2, 1, 3]), np.array([3, 1, 2, 0])
    assert visits_to_recover(best, with_visit, without) == 2
    assert visits_to_recover(worst, with_visit, without) == 4
    np.testing.assert_allclose(recovery_curve(best, with_visit, without), [0, 100, 150, 150, 150])


def test_a_visit_that_loses_money_is_left_out_by_a_good_order():
    with_visit, without = np.array([100.0, 0.0]), np.array([0.0, 80.0])  # case 1 pays unvisited
    assert visits_to_recover(np.array([0, 1]), with_visit, without) == 1


def test_intervals_contain_the_estimate_and_shrink_with_more_cases():
    rng = np.random.default_rng(1)
    small, big = rng.normal(10, 3, 100), rng.normal(10, 3, 10_000)
    m, lo, hi = mean_ci(small)
    assert lo < m < hi
    assert (mean_ci(big)[2] - mean_ci(big)[1]) < (hi - lo) / 5
    value, low, high = ratio_ci(np.array([10.0, 20.0, 0.0, 30.0]), np.array([1, 2, 1, 1.0]))
    assert value == 12.0 and low <= value <= high


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shifted_one():
    rng = np.random.default_rng(2)
    ref = rng.normal(0, 1, 5_000)
    assert psi(ref, rng.normal(0, 1, 5_000)) < 0.02
    assert psi(ref, rng.normal(1.5, 1, 5_000)) > 0.25
