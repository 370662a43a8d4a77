"""The compliance screen: violations reviewed with a note, overrides shown, audit searched."""

from __future__ import annotations

from server.models import Violation
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.console.test_board_pages import _assign, _visit
from tests.integration.dispatch.world import world
from tests.support import factories as f


def test_an_officer_reviews_a_violation_and_sees_a_dispatchers_override(console, session):
    w = world(session)
    visit = _visit(session, w)
    officer = f.user(session, "compliance", username="officer")
    violation = Violation(rule="TWO_PERSON", message="one collector checked in alone",
                          case_id=visit.case_id, visit_id=visit.id)
    session.add(violation)
    session.commit()
    violation_id, officer_id = violation.id, officer.id
    sign_in(console, w.dispatcher.username)
    _assign(console, visit, [w.collectors[0].id], TWO_PERSON="sister present, partner sick")
    assert console.get("/console/compliance").status_code == 403
    sign_in(console, "officer")

    page = console.get("/console/compliance").get_data(as_text=True)
    blank = console.post(f"/console/compliance/violations/{violation_id}", data={
        "csrf_token": csrf_of(page), "status": "reviewed", "note": " "})
    done = console.post(f"/console/compliance/violations/{violation_id}", data={
        "csrf_token": csrf_of(page), "status": "reviewed", "note": "coached the collector"})
    found = console.get("/console/compliance?action=visit.assign.override").get_data(
        as_text=True)

    assert f'data-violation="{violation_id}"' in page
    assert "sister present, partner sick" in page
    assert blank.status_code == 422 and done.status_code == 302
    session.expire_all()
    row = session.get(Violation, violation_id)
    assert (row.status, row.reviewed_by, row.review_note) == (
        "reviewed", officer_id, "coached the collector")
    assert found.count('class="audit-event"') == 1
