"""POST /api/v1/cases/{id}/requests: the debtor's voice as case events with effects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.models import (
    AuditEvent,
    Case,
    CaseEvent,
    ContactPoint,
    OptOut,
    Party,
    Visit,
    VisitAssignee,
)
from server.models.base import utcnow
from tests.integration.cases.world import cases_world
from tests.integration.sync.conftest import pull
from tests.support.api import bearer, login
from tests.support.clock import operation_day


def _request(client, token, case_id, **body):
    return client.post(f"/api/v1/cases/{case_id}/requests", json=body, headers=bearer(token))


def _assign(client, token, visit, assignees):
    return client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                        json={"version": visit.version, "assignees": assignees})


def _new_visit(session, c, case, on):
    from tests.integration.cases.world import address_of

    visit = Visit(case_id=case.id, address_id=address_of(session, case).id, scheduled_on=on)
    session.add(visit)
    session.commit()
    return visit


def test_an_open_dispute_cancels_visits_blocks_assignment_until_resolved(client, session):
    c = cases_world(session)
    case, visit = c.cases[0], c.visit
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)

    response = _request(client, dispatcher, case.id, kind="dispute_opened", via="phone",
                        note="says the loan was never taken")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["cancelled_visit_ids"] == [visit.id] and body["event"]["channel"] == "phone"
    session.expire_all()
    assert session.get(Case, case.id).dispute_open is True
    cancelled = session.get(Visit, visit.id)
    assert cancelled.status == "cancelled" and "dispute" in cancelled.cancel_reason
    later = _new_visit(session, c, case, operation_day(3))
    refused = _assign(client, dispatcher, later, [a.id for a in c.w.collectors])
    assert refused.status_code == 422
    assert "VULNERABLE" in {x["rule"] for x in refused.get_json()["errors"]["findings"]}

    assert _request(client, dispatcher, case.id, kind="dispute_resolved").status_code == 201
    session.expire_all()
    assert _assign(client, dispatcher, session.get(Visit, later.id),
                   [a.id for a in c.w.collectors]).status_code == 200


def test_the_collectors_next_pull_carries_the_state_and_the_cancelled_visit_leaves(
        client, session):
    c = cases_world(session)
    done = _new_visit(session, c, c.cases[0], operation_day(-1))  # keeps the case on the phone
    done.status, done.completed_at = "completed", utcnow() - timedelta(hours=20)
    session.add(VisitAssignee(visit_id=done.id, user_id=c.w.collectors[0].id))
    session.commit()
    phone = {**bearer(login(client, c.w.collectors[0].username, device_id="phone-a")),
             "X-Device-Id": "phone-a"}
    first = pull(client, phone)
    assert c.visit.id in {v["id"] for v in first["changes"]["visits"]["updated"]}

    _request(client, login(client, c.w.dispatcher.username), c.cases[0].id,
             kind="stop_contact", channel="visit")
    after = pull(client, phone, last=first["timestamp"])

    assert c.visit.id in after["changes"]["visits"]["deleted"]
    assert {v["id"] for v in after["changes"]["visits"]["updated"]} <= {done.id}
    assert c.cases[0].id not in after["changes"]["cases"]["deleted"]
    opt_outs = after["changes"]["opt_outs"]["created"] + after["changes"]["opt_outs"]["updated"]
    assert [(o["channel"], o["lifted_at"]) for o in opt_outs] == [("visit", None)]
    session.expire_all()
    kept = session.get(Visit, c.visit.id)
    assert kept.status == "cancelled" and "visit" in kept.cancel_reason
    audits = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "visit.cancel", AuditEvent.object_id == c.visit.id))
    assert [a.detail["reason"] for a in audits] == [kept.cancel_reason]
    again = pull(client, phone, last=after["timestamp"])
    assert c.visit.id not in again["changes"]["visits"]["deleted"] + [
        v["id"] for v in again["changes"]["visits"]["updated"]]


def test_a_hold_cancels_only_the_visits_it_covers_under_a_blocking_profile(client, session):
    c = cases_world(session)
    case = c.cases[0]
    session.get(Case, case.id).jurisdiction = "IN"  # sensitive holds block there
    inside = _new_visit(session, c, case, operation_day(5))
    outside = _new_visit(session, c, case, operation_day(40))
    dispatcher = login(client, c.w.dispatcher.username)

    response = _request(client, dispatcher, case.id, kind="hold", reason="bereavement",
                        until=operation_day(14).isoformat())

    assert sorted(response.get_json()["cancelled_visit_ids"]) == sorted([c.visit.id, inside.id])
    session.expire_all()
    assert session.get(Visit, outside.id).status == "planned"
    debtor = session.get(Party, case.debtor_id)
    assert (debtor.hold_reason, debtor.hold_until) == (
        "bereavement", operation_day(14))

    assert _request(client, dispatcher, case.id, kind="hold_lifted").status_code == 201
    session.expire_all()
    assert session.get(Party, case.debtor_id).hold_until is None


def test_stop_contact_and_its_lifting_are_recorded_with_their_opt_out(client, session):
    c = cases_world(session)
    case = c.cases[1]
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)

    stopped = _request(client, dispatcher, case.id, kind="stop_contact", channel="all")
    listed = client.get("/api/v1/cases?cease=true", headers=bearer(dispatcher)).get_json()
    lifted = _request(client, dispatcher, case.id, kind="stop_contact_lifted", channel="all")
    again = _request(client, dispatcher, case.id, kind="stop_contact_lifted", channel="all")

    assert stopped.status_code == 201 and [r["id"] for r in listed] == [case.id]
    opt_out = session.get(OptOut, stopped.get_json()["event"]["detail"]["opt_out_id"])
    session.refresh(opt_out)
    assert opt_out.reason == "cease" and opt_out.lifted_at is not None
    assert lifted.get_json()["event"]["detail"]["lifted"] == [opt_out.id]
    assert again.status_code == 422
    kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.occurred_at))]
    assert kinds == ["stop_contact", "stop_contact_lifted"]
    audited = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "case.request").order_by(AuditEvent.id)).all()
    assert [d["kind"] for d in audited] == kinds


def test_state_requests_set_the_debtors_flags_and_show_in_the_case(client, session):
    c = cases_world(session)
    case = c.cases[2]
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)

    for body in ({"kind": "attorney"}, {"kind": "hardship"},
                 {"kind": "vulnerability", "category": "health", "note": "in hospital"},
                 {"kind": "preferred_times", "windows": [{"from": "18:00", "to": "20:00"}]}):
        assert _request(client, dispatcher, case.id, **body).status_code == 201, body
    state = client.get(f"/api/v1/cases/{case.id}", headers=bearer(
        login(client, c.compliance.username))).get_json()["state"]
    feed = client.get(f"/api/v1/cases/{case.id}/timeline?kind=request",
                      headers=bearer(dispatcher)).get_json()

    assert state["attorney_represented"] and state["hardship"] and state["vulnerable"]
    assert state["vulnerability_note"] == "in hospital"
    assert state["preferred_windows"] == [{"from": "18:00", "to": "20:00"}]
    assert [e["event"] for e in feed["entries"]] == [
        "attorney", "hardship", "vulnerability", "preferred_times"]
    assert "in hospital" not in str(feed)  # the restricted note stays on the party


def test_bad_requests_are_4xx_naming_the_field_and_scoped(client, session):
    c = cases_world(session)
    stranger = ContactPoint(party_id=c.foreign.debtor_id, value="13600136000")
    session.add(stranger)
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)
    case = c.cases[0].id

    for body, field in (({"kind": "hold", "reason": "illness"}, "until"),
                        ({"kind": "stop_contact"}, "channel"),
                        ({"kind": "gossip"}, "kind"),
                        ({"kind": "preferred_times", "windows": [{"from": "25:00",
                                                                  "to": "20:00"}]}, "from"),
                        ({"kind": "stop_contact", "channel": "call",
                          "contact_point_id": stranger.id}, "contact_point_id")):
        response = _request(client, dispatcher, case, **body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in str(response.get_json()["errors"]), (body, response.get_json())
    assert _request(client, dispatcher, c.foreign.id, kind="hardship").status_code == 404
    collector = login(client, c.w.collectors[0].username)
    assert _request(client, collector, case, kind="hardship").status_code == 403
    assert session.scalar(select(CaseEvent.id)) is None


def test_auto_assign_leaves_out_a_visit_the_debtors_request_forbids(client, session):
    from tests.integration.dispatch.world import planned_visit

    c = cases_world(session)
    disputed = planned_visit(session, c.w, on=operation_day(2))
    free = planned_visit(session, c.w, on=operation_day(2))
    for visit in (disputed, free):
        visit.team_id = c.w.team.id
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)
    # planned before the request, then cancelled by it; a new one planned after it
    _request(client, dispatcher, disputed.case_id, kind="dispute_opened")
    again = _new_visit(session, c, session.get(Case, disputed.case_id),
                       operation_day(2))
    again.team_id = c.w.team.id
    session.commit()

    body = client.post("/api/v1/visits/auto-assign", headers=bearer(dispatcher), json={
        "team": c.w.team.code, "date": operation_day(2).isoformat()}
    ).get_json()

    assert [a["visit_id"] for a in body["assigned"]] == [free.id]
    reasons = {u["visit_id"]: u["reason"] for u in body["unassigned"]}
    assert "VULNERABLE" in reasons[again.id]
    assert session.get(Visit, disputed.id).status == "cancelled"
