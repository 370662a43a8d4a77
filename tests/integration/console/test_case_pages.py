"""Case search, 360 and timeline pages: the API's scopes, every read audited, text escaped."""

from __future__ import annotations

from sqlalchemy import select

from server.models import AuditEvent, Party
from tests.integration.console.conftest import sign_in
from tests.integration.dispatch.world import placed_case, planned_visit, world
from tests.support import factories as f


def _events(session, action):
    return [e.detail for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == action).order_by(AuditEvent.occurred_at))]


def test_a_debtor_named_script_is_shown_as_text_everywhere(console, session):
    w = world(session)
    case, _ = placed_case(session, w)
    session.get(Party, case.debtor_id).full_name = "<script>alert(1)</script>"
    session.commit()
    sign_in(console, w.dispatcher.username)

    pages = [console.get(url).get_data(as_text=True) for url in (
        "/console/cases?name=%3Cscript", f"/console/cases/{case.id}")]

    for html in pages:
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_search_finds_only_the_agencys_cases_and_audits_the_ids_shown(console, session):
    w = world(session)
    mine, _ = placed_case(session, w)
    foreign, _ = placed_case(session, w, placed=False)
    session.commit()
    sign_in(console, w.dispatcher.username)

    html = console.get("/console/cases?name=李").get_data(as_text=True)

    assert mine.external_id in html and foreign.external_id not in html
    listed = _events(session, "case.list")
    assert listed[-1]["ids"] == [mine.id]


def test_the_case_page_is_audited_and_a_foreign_case_is_not_found(console, session):
    w = world(session)
    mine, _ = placed_case(session, w)
    foreign, _ = placed_case(session, w, placed=False)
    session.commit()
    sign_in(console, w.dispatcher.username)

    shown = console.get(f"/console/cases/{mine.id}")
    hidden = console.get(f"/console/cases/{foreign.id}")
    timeline = console.get(f"/console/cases/{mine.id}/timeline")

    assert shown.status_code == 200 and mine.external_id in shown.get_data(as_text=True)
    assert hidden.status_code == 404 and foreign.external_id not in hidden.get_data(as_text=True)
    assert timeline.status_code == 200
    reads = session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action.in_(("case.read", "case_timeline.read")))).all()
    assert sorted(reads) == sorted([mine.id, mine.id])


def test_a_collector_finds_only_the_cases_they_visit(console, session):
    w = world(session)
    theirs = planned_visit(session, w)
    other = planned_visit(session, w)
    from server.models import VisitAssignee

    session.add(VisitAssignee(visit_id=theirs.id, user_id=w.collectors[0].id))
    session.add(VisitAssignee(visit_id=other.id, user_id=w.collectors[1].id))
    session.commit()
    sign_in(console, w.collectors[0].username)

    html = console.get("/console/cases?name=李").get_data(as_text=True)

    assert f'/console/cases/{theirs.case_id}"' in html
    assert f'/console/cases/{other.case_id}"' not in html
    assert console.get(f"/console/cases/{other.case_id}").status_code == 404


def test_an_invalid_search_field_is_a_422_naming_it(console, session):
    w = world(session)
    session.commit()
    sign_in(console, w.dispatcher.username)

    answer = console.get("/console/cases?national_id_last4=abcdefg")

    assert answer.status_code == 422
    assert "national_id_last4" in answer.get_data(as_text=True)


def test_lender_ops_may_search_but_not_open_the_board(console, session):
    lender = f.agency(session, kind="lender")
    f.user(session, "lender_ops", agency_code=lender.code, username="ops")
    session.commit()
    sign_in(console, "ops")

    assert console.get("/console/cases").status_code == 200
    assert console.get("/console/board").status_code == 403
