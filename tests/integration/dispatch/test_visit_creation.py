"""New visits belong to their planner's team, never lie in the past, and report findings truly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.models import FollowUp
from tests.integration.dispatch.world import placed_case, planned_visit, world
from tests.support.api import bearer, login
from tests.support.clock import operation_day

SHANGHAI = ZoneInfo("Asia/Shanghai")  # placed_case's addresses


def _plan(case, address, on=None, **kw):
    return {"case_id": case.id, "address_id": address.id,
            "scheduled_on": (on or operation_day(1)).isoformat(), **kw}


def test_a_dispatchers_visit_is_their_teams_so_team_filters_and_follow_ups_see_it(client,
                                                                                 session):
    w = world(session)
    case, address = placed_case(session, w)
    session.commit()
    token = login(client, w.dispatcher.username)

    created = client.post("/api/v1/visits", headers=bearer(token), json=_plan(case, address))
    visit_id = created.get_json()["id"]
    session.add(FollowUp(case_id=case.id, visit_id=visit_id, kind="review", reason="check",
                         due_at=datetime(2030, 1, 1, tzinfo=UTC), status="open"))
    session.commit()
    by_team = client.get(f"/api/v1/visits?team={w.team.code}", headers=bearer(token))
    follow_ups = client.get("/api/v1/follow-ups", headers=bearer(token))

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["team_id"] == w.team.id
    assert [v["id"] for v in by_team.get_json()] == [visit_id]
    assert [r["visit_id"] for r in follow_ups.get_json()] == [visit_id]


def test_a_visit_cannot_be_created_or_moved_into_the_past(client, session):
    w = world(session)
    case, address = placed_case(session, w)
    visit = planned_visit(session, w, on=operation_day(2))
    session.commit()
    token = login(client, w.dispatcher.username)
    now = datetime.now(UTC)

    def post(**kw):
        return client.post("/api/v1/visits", headers=bearer(token), json=_plan(case, address,
                                                                                 **kw))

    # two days back: in the first hour after local midnight yesterday is within the hour's
    # tolerance (PAST_TOLERANCE), so the refusal of a day gone is asserted on one gone at any hour
    yesterday = post(on=operation_day(-2))
    two_hours_ago = post(on=operation_day(0), window_start=(now - timedelta(hours=2)).isoformat(),
                         window_end=(now + timedelta(hours=1)).isoformat())
    moved_back = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                              json={"version": 1, "scheduled_on": operation_day(-3).isoformat()})
    just_now = post(on=(now - timedelta(minutes=10)).astimezone(SHANGHAI).date(),
                    window_start=(now - timedelta(minutes=10)).isoformat(),
                    window_end=(now + timedelta(hours=1)).isoformat())

    assert yesterday.status_code == 422 and "scheduled_on" in yesterday.get_json()["errors"]
    assert two_hours_ago.status_code == 422
    assert "window_start" in two_hours_ago.get_json()["errors"]
    assert moved_back.status_code == 422 and "scheduled_on" in moved_back.get_json()["errors"]
    assert just_now.status_code == 201, just_now.get_json()  # within the tolerance


def test_a_notice_warning_is_never_reported_as_overridden(client, session):
    w = world(session)
    visit = planned_visit(session, w)  # today: too late for CN's 24 h notice (a warning)
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                            json={"version": 1, "assignees": [w.collectors[0].id]})

    assert response.status_code == 422
    findings = {x["rule"]: x for x in response.get_json()["errors"]["findings"]}
    assert findings["NOTICE"]["severity"] == "warn"
    assert findings["NOTICE"]["overridden"] is False
    assert findings["TWO_PERSON"]["overridden"] is False
