"""The portfolio simulator: seeded, with the fixed shares and potential outcomes it states."""

import numpy as np

from server.selection.model.features import FEATURES, INDEX
from server.selection.model.simulator import (
    DO_NOT_DISTURB,
    LOST,
    P_PAY,
    PERSUADABLE,
    SHARES,
    SURE,
    randomised,
    simulate,
    todays_rule_score,
)


def test_the_same_seed_gives_the_same_portfolio_and_another_seed_another():
    a, b, c = simulate(500, seed=1), simulate(500, seed=1), simulate(500, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_types_come_in_the_stated_shares_with_the_stated_effect_of_a_visit():
    p = simulate(40_000, seed=5)
    shares = np.bincount(p.kind, minlength=4) / len(p.kind)
    np.testing.assert_allclose(shares, SHARES, atol=0.01)
    for kind in (SURE, PERSUADABLE, LOST, DO_NOT_DISTURB):
        m = p.kind == kind
        without, with_visit = P_PAY[kind]
        assert abs(p.y0[m].mean() - without) < 0.02
        assert abs(p.y1[m].mean() - with_visit) < 0.02
    assert (p.y1[p.kind == DO_NOT_DISTURB].mean() < p.y0[p.kind == DO_NOT_DISTURB].mean())


def test_the_history_is_what_was_observed_under_its_own_visits():
    p = simulate(2_000, seed=6)
    np.testing.assert_array_equal(p.y, np.where(p.treated == 1, p.y1, p.y0))
    assert p.X.shape == (2_000, len(FEATURES))
    assert (p.X[:, INDEX["visits_met"]] + p.X[:, INDEX["visits_refused"]]
            <= p.X[:, INDEX["visits_prior"]]).all()
    # the old rule visited late cases more often: the history is confounded, not randomised
    late = p.dpd > 60
    assert p.treated[late].mean() > p.treated[~late].mean() + 0.2


def test_a_randomised_copy_visits_by_coin_and_keeps_the_potential_outcomes():
    p = simulate(4_000, seed=7)
    r = randomised(p, seed=8)
    np.testing.assert_array_equal(r.y0, p.y0)
    late = r.dpd > 60
    assert abs(r.treated[late].mean() - r.treated[~late].mean()) < 0.05


def test_todays_rule_orders_by_priority_then_dpd():
    p = simulate(1_000, seed=9)
    order = np.argsort(-todays_rule_score(p), kind="stable")
    pr = p.priority[order]
    assert (np.diff(pr) <= 0).all()
    same = pr == pr[0]
    assert (np.diff(p.dpd[order][same]) <= 0).all()
