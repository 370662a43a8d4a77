"""Train on history, approve, score a team's day, override, report: the whole loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from server.api.selection_schemas import ScoreSchema
from server.errors import Conflict
from server.models import (
    AuditEvent,
    HistoryEvent,
    ModelStatus,
    Party,
    Placement,
    SelectionArm,
    SelectionModel,
    SelectionScore,
)
from server.selection.history import store_history_rows
from server.selection.learner_settings import FAST_TRAINING
from server.selection.model.policy import HOLDOUT, MODEL
from server.selection.model.render import history_rows
from server.selection.model.simulator import simulate
from server.selection.overrides import override_score
from server.selection.registry import approve_model
from server.selection.report import monthly_report
from server.selection.scoring import DayRequest, SelectionSettings, score_day
from server.selection.training import train_model
from tests.support import factories

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DAY = NOW.date()
SETTINGS = SelectionSettings(holdout_share=0.3, seed=5)


def _trained(session, lender):
    decided = datetime.combine(DAY - timedelta(days=FAST_TRAINING.horizon_days),
                               datetime.min.time(), UTC)
    store_history_rows(session, lender.id, history_rows(simulate(800, seed=41), decided))
    return train_model(session, NOW, FAST_TRAINING)


def _team_with_cases(session, lender, n=12):
    agency = factories.agency(session)
    team = factories.team(session, agency, territory=["黄浦区"], office_lat=31.22,
                          office_lng=121.46)
    dispatcher = factories.user(session, role="dispatcher", team_row=team)
    cases = []
    for _ in range(n):
        case, _visit = factories.case_with_visit(session, lender, on=DAY, team_row=team)
        session.add(Placement(case_id=case.id, agency_id=agency.id))
        cases.append(case)
    session.flush()
    caller = SimpleNamespace(user_id=dispatcher.id, role="dispatcher", agency_id=agency.id,
                             team_id=team.id)
    return team, caller, cases


def test_a_trained_model_is_registered_unapproved_with_its_window_and_metrics(session):
    lender = factories.agency(session, kind="lender")
    result = _trained(session, lender)
    assert result["trained"] is True and result["examples"] == 800
    model = session.get(SelectionModel, result["model_id"])
    assert model.status == ModelStatus.TRAINED and model.approved_by is None
    assert model.window_end == DAY - timedelta(days=30)
    assert {"brier_visit", "brier_no_visit", "qini_observational"} <= set(model.metrics)
    assert len(model.reference["dpd"]) == 101


def test_training_without_enough_history_registers_nothing(session):
    result = train_model(session, NOW, FAST_TRAINING)
    assert result["trained"] is False
    assert session.scalar(select(func.count()).select_from(SelectionModel)) == 0


def test_only_an_approved_model_decides_and_excluded_cases_are_never_selected(session):
    lender = factories.agency(session, kind="lender")
    model_id = _trained(session, lender)["model_id"]
    team, caller, cases = _team_with_cases(session, lender)
    session.get(Party, cases[0].debtor_id).vulnerable = True
    cases[1].dispute_open = True
    session.flush()

    before = score_day(session, caller, DayRequest(team.id, DAY, capacity=20), NOW, SETTINGS)
    assert before["model_version"] is None
    assert all(r["model_id"] is None and r["expected_value"] is None for r in before["scores"])

    approve_model(session, caller.user_id, model_id, "reviewed the model card", NOW)
    after = score_day(session, caller, DayRequest(team.id, DAY, capacity=20), NOW, SETTINGS)
    rows = {r["case_id"]: r for r in after["scores"]}
    assert after["model_version"] == 1 and len(rows) == len(cases)
    assert rows[cases[0].id]["excluded"] == "vulnerable"
    assert rows[cases[1].id]["excluded"] == "dispute_open"
    for r in rows.values():
        if r["excluded"]:
            assert not r["selected"] and r["expected_value"] is None
        elif r["arm"] == MODEL:
            assert r["p_visit"] is not None and len(r["reasons"]) == 3
            shown = ScoreSchema().dump(r)["reason_labels"]  # what the dispatchers' API sends
            assert [x["code"] for x in shown] == r["reasons"]
            assert all(x["zh"] != x["code"] and x["en"] != x["code"] for x in shown)
            assert r["selected"] == (r["expected_value"] > 0)
        else:
            assert r["arm"] == HOLDOUT and r["expected_value"] is None and r["selected"]
    assert {r["arm"] for r in rows.values()} == {MODEL, HOLDOUT}
    stored = session.scalar(select(func.count()).select_from(SelectionScore))
    assert stored == len(cases)


def test_arms_are_recorded_once_and_kept_and_an_override_survives_rescoring(session):
    lender = factories.agency(session, kind="lender")
    approve_model(session, None, _trained(session, lender)["model_id"], "ok for test", NOW)
    team, caller, _ = _team_with_cases(session, lender, n=6)
    first = score_day(session, caller, DayRequest(team.id, DAY, capacity=1), NOW, SETTINGS)
    arms = dict(session.execute(select(SelectionArm.case_id, SelectionArm.arm)).all())
    target = next(r for r in first["scores"] if r["excluded"] is None)
    score_id = session.scalar(select(SelectionScore.id).where(
        SelectionScore.case_id == target["case_id"]))
    override_score(session, caller, score_id, "include", "debtor asked for a visit", NOW)
    again = score_day(session, caller, DayRequest(team.id, DAY, capacity=1), NOW, SETTINGS)
    assert dict(session.execute(select(SelectionArm.case_id, SelectionArm.arm)).all()) == arms
    row = next(r for r in again["scores"] if r["case_id"] == target["case_id"])
    assert row["override"] == "include" and row["selected"] is True
    assert again["selected"] == 1  # the include took the only slot
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "selection.override")) is not None


def test_an_excluded_case_cannot_be_overridden_into_the_day(session):
    lender = factories.agency(session, kind="lender")
    team, caller, cases = _team_with_cases(session, lender, n=2)
    session.get(Party, cases[0].debtor_id).vulnerable = True
    session.flush()
    score_day(session, caller, DayRequest(team.id, DAY), NOW, SETTINGS)
    score_id = session.scalar(select(SelectionScore.id).where(
        SelectionScore.case_id == cases[0].id))
    with pytest.raises(Conflict):
        override_score(session, caller, score_id, "include", "want to go anyway", NOW)


def test_the_monthly_report_compares_the_arms_on_what_the_history_recorded(session):
    lender = factories.agency(session, kind="lender")
    approve_model(session, None, _trained(session, lender)["model_id"], "ok for test", NOW)
    team, caller, cases = _team_with_cases(session, lender, n=10)
    score_day(session, caller, DayRequest(team.id, DAY), NOW, SETTINGS)
    for case in cases[:4]:
        factories.payment(session, case, 250, NOW + timedelta(hours=1))
    score_day(session, caller, DayRequest(team.id, DAY), NOW + timedelta(hours=2), SETTINGS)
    assert session.scalar(select(func.count()).select_from(HistoryEvent).where(
        HistoryEvent.source == "doorstep", HistoryEvent.kind == "payment")) == 4
    report = monthly_report(session, caller, DAY.replace(day=1), NOW + timedelta(days=1))
    arms = report["arms"]
    assert arms[MODEL]["cases"] + arms[HOLDOUT]["cases"] == 10
    assert arms[MODEL]["amount_recovered"] + arms[HOLDOUT]["amount_recovered"] == 1000.0
    assert report["drift"]["model_version"] == 1 and "dpd" in report["drift"]["psi"]
    low, high = arms[MODEL]["recovered_per_case"]["ci95"]
    assert low <= arms[MODEL]["recovered_per_case"]["mean"] <= high
