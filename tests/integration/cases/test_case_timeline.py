"""GET /api/v1/cases/{id}/timeline: one ordered feed, keyset pages, kinds, local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.models import AuditEvent, CaseEvent, FollowUp, VisitNote
from tests.integration.cases.world import Statements, cases_world
from tests.support import factories as f
from tests.support.api import bearer, login

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _story(session):
    c = cases_world(session)
    case, visit, collector = c.cases[0], c.visit, c.w.collectors[0]
    f.check_in(session, visit, collector, T0)
    f.outcome(session, visit, collector, T0 + timedelta(minutes=20), code="PROMISED")
    f.fact(session, VisitNote, T0 + timedelta(minutes=21), collector, visit_id=visit.id,
           body="says salary comes on the 10th")
    f.promise(session, case, "500", (T0 + timedelta(days=9)).date(),
              T0 + timedelta(minutes=22), collector=collector, visit_id=visit.id)
    f.payment(session, case, "200", T0 + timedelta(days=2), collector=collector)
    session.add(FollowUp(case_id=case.id, kind="call", reason="remind before the 10th",
                         due_at=T0 + timedelta(days=8), created_at=T0 + timedelta(hours=1)))
    session.add(CaseEvent(case_id=case.id, kind="hardship", occurred_at=T0 + timedelta(days=3),
                          recorded_by=c.w.dispatcher.id, note="lost job"))
    session.commit()
    return c, case


def _feed(client, token, case_id, query=""):
    return client.get(f"/api/v1/cases/{case_id}/timeline{query}", headers=bearer(token))


def test_the_feed_is_in_time_order_with_who_when_and_where(client, session):
    c, case = _story(session)

    body = _feed(client, login(client, c.w.dispatcher.username), case.id).get_json()

    staff = {"case", "placement", "visit", "assignment"}  # recorded now, by the test's setup
    field = [(e["kind"], e["event"]) for e in body["entries"] if e["kind"] not in staff]
    assert field == [("check_in", "recorded"), ("outcome", "recorded"), ("note", "written"),
                     ("promise", "made"), ("follow_up", "created"), ("payment", "paid"),
                     ("request", "hardship")]
    check_in = next(e for e in body["entries"] if e["kind"] == "check_in")
    assert check_in["local_at"] == "2026-11-30T09:00:00" and body["time_zone"] == "Asia/Shanghai"
    assert check_in["who"]["id"] == c.w.collectors[0].id
    assert check_in["where"] == {"lat": 31.23, "lng": 121.47}
    assert check_in["visit_id"] == c.visit.id
    info = {e["kind"]: e["info"] for e in body["entries"]}
    assert info["outcome"] == "PROMISED" and info["promise"] == "500.00"
    assert info["payment"] == "200.00" and info["request"] == "lost job"
    kinds = {e["kind"] for e in body["entries"]}
    assert {"case", "placement"} <= kinds
    assert body["next"] is None


def test_pages_follow_the_cursor_without_gaps_or_repeats(client, session):
    c, case = _story(session)
    token = login(client, c.w.dispatcher.username)
    whole = [e["id"] for e in _feed(client, token, case.id).get_json()["entries"]]

    seen, cursor = [], None
    while True:
        query = "?limit=3" + (f"&after={cursor}" if cursor else "")
        page = _feed(client, token, case.id, query).get_json()
        seen += [e["id"] for e in page["entries"]]
        cursor = page["next"]
        if cursor is None:
            break

    assert seen == whole and len(whole) > 6


def test_kinds_filter_the_feed(client, session):
    c, case = _story(session)

    body = _feed(client, login(client, c.w.dispatcher.username), case.id,
                 "?kind=payment&kind=promise").get_json()

    assert [e["kind"] for e in body["entries"]] == ["promise", "payment"]


def test_bad_kinds_and_cursors_are_422_and_foreign_cases_404(client, session):
    c, case = _story(session)
    token = login(client, c.w.dispatcher.username)

    assert _feed(client, token, case.id, "?kind=gossip").status_code == 422
    bad = _feed(client, token, case.id, "?after=not-a-cursor")
    assert bad.status_code == 422 and "after" in bad.get_json()["errors"]
    assert _feed(client, token, c.foreign.id).status_code == 404
    assert _feed(client, login(client, c.w.collectors[1].username), case.id).status_code == 404


def test_reading_the_feed_is_audited_and_costs_the_same_for_any_page(app, client, session):
    c, case = _story(session)
    token = login(client, c.w.dispatcher.username)

    def statements(limit):
        with Statements(app) as counter:
            assert _feed(client, token, case.id, f"?limit={limit}").status_code == 200
        return counter.count

    assert statements(2) == statements(50)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case_timeline.read"))
    assert event.object_id == case.id and event.actor_id == c.w.dispatcher.id
