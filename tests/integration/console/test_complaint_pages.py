"""Complaints from the console: the queue with its clocks, and answering one as the API does."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from server.cases.complaints import open_complaint
from server.models import AuditEvent, Complaint, utcnow
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.dispatch.world import placed_case, world


def _complaint(session, w, text="收债员说话很粗鲁 <b>bold</b>"):
    case, _ = placed_case(session, w)
    d = w.dispatcher
    who = SimpleNamespace(user_id=d.id, role=d.role, agency_id=d.agency_id, team_id=d.team_id)
    found = open_complaint(session, who, case.id, {
        "category": "conduct", "description": text}, utcnow())
    session.commit()
    return found.id


def _answer(console, complaint_id, **form):
    token = csrf_of(console.get(f"/console/complaints/{complaint_id}").get_data(as_text=True))
    return console.post(f"/console/complaints/{complaint_id}", data={"csrf_token": token,
                                                                     **form})


def test_the_queue_lists_open_complaints_with_their_clock_and_escapes_the_text(console,
                                                                               session):
    w = world(session)
    complaint_id = _complaint(session, w)
    sign_in(console, w.dispatcher.username)

    html = console.get("/console/complaints").get_data(as_text=True)

    assert f'data-complaint="{complaint_id}"' in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold" in html
    assert session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "complaint.list"))["ids"] == [complaint_id]


def test_resolving_needs_a_handler_and_the_final_response(console, session):
    w = world(session)
    complaint_id = _complaint(session, w)
    sign_in(console, w.dispatcher.username)

    no_handler = _answer(console, complaint_id, status="resolved", final_response="道歉")
    taken = _answer(console, complaint_id, take="1", status="investigating")
    no_answer = _answer(console, complaint_id, status="resolved")
    resolved = _answer(console, complaint_id, status="resolved",
                       final_response="已向债务人道歉，并对催收员进行了培训。")

    assert [no_handler.status_code, taken.status_code, no_answer.status_code,
            resolved.status_code] == [422, 302, 422, 302]
    session.expire_all()
    row = session.get(Complaint, complaint_id)
    assert row.status == "resolved" and row.handler_id == w.dispatcher.id
    assert row.final_response.startswith("已向债务人道歉") and row.acknowledged_at is not None


def test_only_compliance_may_approve_the_extension(console, session):
    w = world(session)
    complaint_id = _complaint(session, w)
    sign_in(console, w.dispatcher.username)

    refused = _answer(console, complaint_id, extend="true")

    assert refused.status_code == 422 and "extend" in refused.get_data(as_text=True)


def test_collectors_have_no_complaint_screens(console, session):
    w = world(session)
    complaint_id = _complaint(session, w)
    sign_in(console, w.collectors[0].username)

    assert console.get("/console/complaints").status_code == 403
    assert console.get(f"/console/complaints/{complaint_id}").status_code == 403
