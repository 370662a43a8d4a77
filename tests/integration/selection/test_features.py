"""The feature query over the history store gives back what the simulator knows."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from server.selection.features import case_features
from server.selection.history import store_history_rows
from server.selection.model.features import FEATURES, INDEX, PROTECTED
from server.selection.model.render import history_rows
from server.selection.model.simulator import simulate
from tests.support import factories

DECIDED = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def test_features_from_rendered_history_equal_the_simulated_ones(session):
    lender = factories.agency(session, kind="lender")
    portfolio = simulate(60, seed=3)
    store_history_rows(session, lender.id, history_rows(portfolio, DECIDED))
    keys, X = case_features(session, DECIDED)
    by_ref = {ref: X[i] for i, (_, ref) in enumerate(keys)}
    assert len(by_ref) == 60
    for i, ref in enumerate(portfolio.case_ids):
        got, want = by_ref[ref], portfolio.X[i]
        trend = INDEX["balance_trend"]
        exact = [j for j in range(len(FEATURES)) if j != trend]
        np.testing.assert_allclose(got[exact], want[exact], rtol=1e-6, atol=0.011,
                                   err_msg=ref)
        assert abs(got[trend] - want[trend]) < 1e-3


def test_events_at_or_after_the_cutoff_are_not_features(session):
    lender = factories.agency(session, kind="lender")
    portfolio = simulate(30, seed=4)
    store_history_rows(session, lender.id, history_rows(portfolio, DECIDED))
    _, before = case_features(session, DECIDED)
    later = DECIDED.replace(month=7)
    _, after = case_features(session, later)
    visited = portfolio.treated == 1
    assert visited.any()
    # the visit after the decision counts only once the cutoff has passed it
    prior = INDEX["visits_prior"]
    assert after[:, prior].sum() - before[:, prior].sum() == visited.sum()


def test_no_protected_attribute_is_a_feature_or_read_by_the_query():
    from server.selection.features import feature_queries

    sql = " ".join(str(q) for q in feature_queries(DECIDED)).lower()
    for name in PROTECTED:
        assert name not in FEATURES
        assert name not in sql
    assert "parties" not in sql
