"""The uplift learner finds the persuadables and explains itself; it survives a round trip."""

import numpy as np
import pytest

from server.models.selection import REASON_LABELS, labelled_reasons
from server.selection.model import learner
from server.selection.model.features import REASONS
from server.selection.model.learner import Params, UpliftModel
from server.selection.model.metrics import qini
from server.selection.model.simulator import PERSUADABLE, SURE, randomised, simulate

FAST = Params(n_estimators=60, calibration_folds=2)


@pytest.fixture(scope="module")
def fitted():
    train = simulate(8_000, seed=21)
    return UpliftModel(FAST).fit(train.X, train.treated, train.y, train.amount)


def test_persuadables_get_a_higher_uplift_than_sure_things(fitted):
    test = simulate(4_000, seed=22)
    uplift = fitted.score(test.X).uplift
    assert uplift[test.kind == PERSUADABLE].mean() > uplift[test.kind == SURE].mean() + 0.15


def test_the_model_beats_random_targeting_on_a_randomised_hold_out(fitted):
    test = randomised(simulate(6_000, seed=23), seed=24)
    noise = np.random.default_rng(0).random(len(test.y))
    model = qini(test.y, fitted.score(test.X).uplift, test.treated)
    assert model > qini(test.y, noise, test.treated) + 0.05


def test_probabilities_are_calibrated_within_each_arm(fitted):
    test = simulate(6_000, seed=25)
    s = fitted.score(test.X)
    assert abs(s.p_visit.mean() - test.p1.mean()) < 0.05
    assert abs(s.p_no_visit.mean() - test.p0.mean()) < 0.05


def test_expected_value_is_uplift_times_amount_minus_the_visit_cost(fitted):
    test = simulate(50, seed=26)
    s = fitted.score(test.X)
    np.testing.assert_allclose(s.expected_value(150.0), s.uplift * s.amount - 150.0)


def test_reasons_are_three_codes_per_case_and_the_model_round_trips(fitted):
    test = simulate(20, seed=27)
    reasons = fitted.reasons(test.X)
    assert len(reasons) == 20 and all(len(r) == 3 for r in reasons)
    again = UpliftModel.loads(fitted.dumps())
    np.testing.assert_allclose(again.score(test.X).uplift, fitted.score(test.X).uplift)
    assert again.reasons(test.X) == reasons


def test_an_arm_without_payers_is_refused():
    p = simulate(300, seed=28)
    with pytest.raises(ValueError, match="each arm"):
        UpliftModel(FAST).fit(p.X, p.treated, np.zeros_like(p.y), p.amount)


def test_fast_scoring_gives_the_scikit_learn_wrappers_numbers_across_chunks(fitted, monkeypatch):
    model = fitted
    X = simulate(1_500, seed=77).X
    monkeypatch.setattr(learner, "CHUNK", 400)  # several chunks, the last one short
    s = model.score(X)
    np.testing.assert_allclose(s.p_visit, model._two.estimator_trmnt.predict_proba(X)[:, 1])
    np.testing.assert_allclose(s.p_no_visit, model._two.estimator_ctrl.predict_proba(X)[:, 1])
    share = np.clip(model._amount.predict(X), 0.0, 1.0)
    np.testing.assert_allclose(s.amount, share * X[:, learner.INDEX["balance"]])


def test_every_reason_code_has_a_distinct_label_in_english_and_chinese():
    codes = {code for pair in REASONS.values() for code in pair}
    assert codes == set(REASON_LABELS)
    for lang in (0, 1):
        texts = [REASON_LABELS[c][lang] for c in codes]
        assert all(t.strip() for t in texts) and len(set(texts)) == len(texts)
    assert labelled_reasons(["UNREACHABLE", "NEW_CODE"]) == [
        {"code": "UNREACHABLE", "en": "Hard to reach", "zh": "难以联系"},
        {"code": "NEW_CODE", "en": "NEW_CODE", "zh": "NEW_CODE"}]
